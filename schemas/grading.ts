import Joi from 'joi';
import { industryPrefix, legalDate, notBefore, pastDate, paginationQuery, text, uscc } from './common.js';
import { ACCIDENT_LEVELS, TIERS } from '../src/modules/grading/scorecard.js';
import { COMMITMENT_TYPES } from '../src/modules/commitments/rules.js';

/**
 * Request contracts of graded supervision (分类分级监管): grades, accidents and hidden hazards (the
 * scorecard's sources), credit commitments (信用承诺) and supervision plans (双随机 draws).
 */

const districtPrefix = () =>
  Joi.string().trim().pattern(/^\d{2,6}$/).messages({ 'string.pattern.base': '行政区划代码应为 2–6 位数字（按前缀匹配）' });

const objectId = (label: string) => Joi.string().hex().length(24).messages({ 'string.length': `${label}无效`, 'string.hex': `${label}无效` });

// ---- grades ----------------------------------------------------------------------------------

export const gradeParams = Joi.object({ uscc: Joi.string().trim().uppercase().length(18).required().description('统一社会信用代码') });

export const listGradesQuery = Joi.object({
  tier: Joi.string().valid(...TIERS).description('信用等级'),
  district: districtPrefix().description('行政区划代码（前缀）'),
  industry: industryPrefix().description('行业代码（前缀）'),
  ...paginationQuery,
});

export const gradeHistoryQuery = Joi.object({ ...paginationQuery });

export const gradeStatsQuery = Joi.object({
  by: Joi.string().valid('district', 'industry').required().description('按行政区划或行业统计各等级企业数'),
  district: districtPrefix().description('只统计该区划（前缀）'),
});

// ---- accidents (生产安全事故) and hidden hazards (事故隐患) --------------------------------------

export const accidentBody = Joi.object({
  date: pastDate().required().description('事故发生日期'),
  level: Joi.string().valid(...ACCIDENT_LEVELS).required().description('事故等级'),
  deaths: Joi.number().integer().min(0).max(10000).default(0).description('死亡人数'),
  injuries: Joi.number().integer().min(0).max(100000).default(0).description('重伤人数'),
  description: text(2000).min(2).required().description('事故简要情况'),
});

export const hazardBody = Joi.object({
  foundDate: pastDate().required().description('隐患发现日期'),
  major: Joi.boolean().required().description('是否重大事故隐患'),
  description: text(2000).min(2).required().description('隐患描述'),
  deadline: notBefore('foundDate', '发现日期').description('整改期限'),
  rectifiedDate: pastDate().concat(notBefore('foundDate', '发现日期')).description('整改完成日期'),
});

export const hazardPatch = Joi.object({
  rectifiedDate: pastDate().allow(null).description('整改完成日期（null 撤回整改认定）'),
  deadline: legalDate().allow(null).description('整改期限'),
  description: text(2000).min(2).description('隐患描述'),
}).min(1);

export const enterpriseItemParams = Joi.object({
  uscc: Joi.string().trim().uppercase().length(18).required(),
  id: objectId('编号').required(),
});

export const enterpriseListQuery = Joi.object({ ...paginationQuery });

// ---- credit commitments (信用承诺) --------------------------------------------------------------

export const commitmentBody = Joi.object({
  uscc: uscc().description('承诺主体统一社会信用代码（企业用户可省略，默认为本企业；录入人员代录纸质承诺时必填）'),
  type: Joi.string().valid(...COMMITMENT_TYPES).required().description('承诺类型：告知承诺（行政许可）、信用修复、安全生产承诺'),
  permitRecordId: Joi.when('type', {
    is: '告知承诺',
    then: objectId('行政许可记录编号'),
    otherwise: Joi.forbidden().messages({ 'any.unknown': '仅告知承诺可关联行政许可' }),
  }).description('告知承诺对应的行政许可记录编号'),
  penaltyRecordId: Joi.when('type', {
    is: '信用修复',
    then: objectId('行政处罚记录编号'),
    otherwise: Joi.forbidden().messages({ 'any.unknown': '仅信用修复承诺可关联行政处罚' }),
  }).description('信用修复承诺对应的行政处罚记录编号'),
  text: text(5000).min(10).required().description('承诺内容'),
  signedDate: pastDate().required().description('签署日期'),
  termEnd: notBefore('signedDate', '签署日期').required().description('承诺期限（截止日期）'),
});

export const breachBody = Joi.object({
  date: pastDate().required().description('违约认定日期'),
  evidence: text(5000).min(4).required().description('违约事实与证据'),
});

export const commitmentParams = Joi.object({ id: objectId('承诺编号').required() });


export const listCommitmentsQuery = Joi.object({
  uscc: Joi.string().trim().uppercase().length(18).description('统一社会信用代码'),
  type: Joi.string().valid(...COMMITMENT_TYPES).description('承诺类型'),
  ...paginationQuery,
});

// ---- supervision plans (检查计划, 双随机) -------------------------------------------------------

export const inspectorSchema = Joi.object({
  id: text(64).min(1).required().description('执法人员编号'),
  name: text(100).min(1).required().description('执法人员姓名'),
  excludedUsccs: Joi.array().items(uscc()).max(10000).unique().default([]).description('需回避的企业（利害关系）'),
});

export const planBody = Joi.object({
  year: Joi.number().integer().min(2000).max(2100).required().description('计划年度'),
  district: Joi.string().trim().pattern(/^\d{6}$/).required().messages({ 'string.pattern.base': '行政区划代码应为 6 位数字' }).description('行政区划代码'),
  seed: Joi.number().integer().min(0).max(2147483647).description('随机种子（省略则随机生成并记录）'),
  inspectors: Joi.array().items(inspectorSchema).min(1).max(5000).unique('id').description('执法人员名录（省略则使用 config/supervision-policy.json 中的名录）'),
  jointInspectionUsccs: Joi.array().items(uscc()).max(100000).unique().default([]).description('已列入跨部门联合检查的企业：不再单独抽取'),
});

export const planParams = Joi.object({ id: objectId('检查计划编号').required() });

export const listPlansQuery = Joi.object({
  year: Joi.number().integer().min(2000).max(2100),
  district: districtPrefix(),
  ...paginationQuery,
});

export const planItemsQuery = Joi.object({ ...paginationQuery });

export const exportQuery = Joi.object({ format: Joi.string().valid('csv', 'xlsx').default('csv').description('导出格式') });

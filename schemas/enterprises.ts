import Joi from 'joi';
import { divisionCode, industryCode, industryPrefix, paginationQuery, text, uscc } from './common.js';
import { STANDARDISATION_GRADES, SUBJECT_TYPES } from '../src/modules/enterprises/fields.js';
import { USCC_CHARSET, usccProblem } from '../src/lib/uscc.js';

/** A code that may fail only its check character (the override is for early pilot-area codes, domain.md). */
const usccOverridable = () =>
  Joi.string()
    .trim()
    .uppercase()
    .custom((v: string, h) => {
      const p = usccProblem(v);
      return p && p !== 'checkDigit' ? h.error(`uscc.${p}`) : v;
    });

const usccRelaxed = () =>
  Joi.string()
    .trim()
    .uppercase()
    .length(18)
    .pattern(new RegExp(`^[${USCC_CHARSET}]{18}$`))
    .messages({ 'string.pattern.base': '统一社会信用代码含有非法字符（不允许 I、O、S、V、Z）', 'string.length': '统一社会信用代码应为 18 位' });

const fields = {
  name: text(200).min(1).description('企业名称'),
  subjectType: Joi.string().valid(...SUBJECT_TYPES).description('行政相对人类别'),
  legalRepresentative: text(100).min(1).description('法定代表人'),
  districtCode: divisionCode().description('行政区划代码（6 位，GB/T 2260）'),
  industryCode: industryCode().description('国民经济行业代码（GB/T 4754）'),
  address: text(300).allow('').description('住所'),
  standardisationGrade: Joi.string().valid(...STANDARDISATION_GRADES).description('安全生产标准化等级'),
  supervisingAuthority: text(200).min(1).description('监管机关'),
  supervisingAuthorityUscc: uscc().description('监管机关统一社会信用代码'),
};

export const createEnterpriseBody = Joi.object({
  uscc: Joi.when('usccOverride', { is: Joi.exist(), then: usccOverridable().required(), otherwise: uscc().required() }),
  usccOverride: Joi.object({ reason: text(500).min(4).required().description('早期试点地区代码未通过校验的说明') })
    .description('显式、留痕地接受未通过校验位的早期试点代码'),
  name: fields.name.required(),
  subjectType: fields.subjectType.default('法人及非法人组织'),
  legalRepresentative: fields.legalRepresentative.required(),
  districtCode: fields.districtCode.required(),
  industryCode: fields.industryCode.required(),
  address: fields.address,
  standardisationGrade: fields.standardisationGrade.default('无'),
  supervisingAuthority: fields.supervisingAuthority,
  supervisingAuthorityUscc: fields.supervisingAuthorityUscc,
});

export const updateEnterpriseBody = Joi.object(fields).min(1);

export const enterpriseParams = Joi.object({ uscc: usccRelaxed().required() });

export const listEnterprisesQuery = Joi.object({
  district: Joi.string().trim().pattern(/^\d{2,6}$/).messages({ 'string.pattern.base': '行政区划代码应为 2–6 位数字（按前缀匹配）' }).description('行政区划代码（前缀匹配）'),
  industry: industryPrefix().description('行业代码（前缀匹配）'),
  name: text(100).min(1).description('企业名称前缀'),
  ...paginationQuery,
});

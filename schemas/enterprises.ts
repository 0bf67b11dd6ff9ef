import Joi from 'joi';
import { divisionCode, industryCode, industryPrefix, paginationQuery, text, uscc } from './common.js';
import { ENTERPRISE_FIELDS, ENTERPRISE_MUTABLE_FIELDS, STANDARDISATION_GRADES, SUBJECT_TYPES, enterpriseFieldDescription, type EnterpriseMutableField } from '../src/modules/enterprises/fields.js';
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

const FIELD_SCHEMAS: Record<EnterpriseMutableField, Joi.Schema> = {
  name: text(200).min(1),
  subjectType: Joi.string().valid(...SUBJECT_TYPES),
  legalRepresentative: text(100).min(1),
  districtCode: divisionCode(),
  industryCode: industryCode(),
  address: text(300).allow(''),
  standardisationGrade: Joi.string().valid(...STANDARDISATION_GRADES),
  supervisingAuthority: text(200).min(1),
  supervisingAuthorityUscc: uscc(),
};

/** Every mutable field, described by its label in the field table (src/modules/enterprises/fields.ts). */
const fields = Object.fromEntries(ENTERPRISE_MUTABLE_FIELDS.map((name) => [name, FIELD_SCHEMAS[name].description(enterpriseFieldDescription(name))])) as Record<EnterpriseMutableField, Joi.Schema>;

/** What an optional field is when a registration leaves it out. */
const DEFAULTS: Partial<Record<EnterpriseMutableField, string>> = { subjectType: '法人及非法人组织', standardisationGrade: '无' };

/** Registration (POST /enterprises, each row of the batch and of the roster import): required fields as the field table says. */
export const createEnterpriseBody = Joi.object({
  uscc: Joi.when('usccOverride', { is: Joi.exist(), then: usccOverridable().required(), otherwise: uscc().required() }),
  usccOverride: Joi.object({ reason: text(500).min(4).required().description('早期试点地区代码未通过校验的说明') })
    .description('显式、留痕地接受未通过校验位的早期试点代码'),
  ...Object.fromEntries(
    ENTERPRISE_FIELDS.filter((f) => f.name !== 'uscc').map((f) => {
      const name = f.name as EnterpriseMutableField;
      const d = DEFAULTS[name];
      return [name, f.required ? fields[name].required() : d !== undefined ? fields[name].default(d) : fields[name]];
    }),
  ),
});

export const ENTERPRISE_BATCH_MAX = 1000;

export const enterpriseBatchBody = Joi.object({
  enterprises: Joi.array().items(Joi.any()).min(1).max(ENTERPRISE_BATCH_MAX).required().description(`待登记的企业，最多 ${ENTERPRISE_BATCH_MAX} 家；每家按 POST /enterprises 的请求体逐条校验`),
});

export const updateEnterpriseBody = Joi.object(fields).min(1);

export const enterpriseParams = Joi.object({ uscc: usccRelaxed().required() });

export const listEnterprisesQuery = Joi.object({
  district: Joi.string().trim().pattern(/^\d{2,6}$/).messages({ 'string.pattern.base': '行政区划代码应为 2–6 位数字（按前缀匹配）' }).description('行政区划代码（前缀匹配）'),
  industry: industryPrefix().description('行业代码（前缀匹配）'),
  name: text(100).min(1).description('企业名称的任意部分（不区分大小写）'),
  needsCompletion: Joi.boolean().description('true：只列出待补全信息的企业（由记录或导入隐式创建、缺少行业等必填信息）；false：只列出信息完整的企业'),
  ...paginationQuery,
});

import Joi from 'joi';
import { idParam, legalDate, pastDate, paginationQuery, text, uscc } from './common.js';
import { ID_TYPES } from '../src/modules/records/fields.js';
import { isResidentIdNumber } from '../src/lib/mask.js';
import { CASE_STATUSES, EXPORT_FORMATS, PERSON_ROLES, groundOf, measureOf } from '../src/modules/dishonesty/rules.js';

/**
 * Request contracts of the serious-dishonesty list (严重失信主体名单), its exports for partner
 * departments, batch comparison and punishment feedback. Ground and measure codes are checked
 * against config/dishonesty.json when a request is validated.
 */

const groundCode = () =>
  Joi.string()
    .trim()
    .custom((v: string, h) => (groundOf(v) ? v : h.error('any.invalid')))
    .messages({ 'any.invalid': '列入事由代码无效（见 config/dishonesty.json 的 grounds）' })
    .description('列入事由代码（a–i，《安全生产严重失信主体名单管理办法》列举的情形）');

const measureCode = () =>
  Joi.string()
    .trim()
    .custom((v: string, h) => (measureOf(v) ? v : h.error('any.invalid')))
    .messages({ 'any.invalid': '惩戒措施代码无效（见 config/dishonesty.json 的 measures）' });

const measures = () => Joi.array().items(measureCode()).min(1).unique().description('惩戒措施代码（缺省为配置的默认措施）');

/** A person named in a listing: resident ID numbers are checked (GB 11643 check character). */
const person = Joi.object({
  role: Joi.string().valid(...PERSON_ROLES).required().description('principal = 主要负责人；responsible = 其他责任人员'),
  name: text(100).min(1).required().description('姓名'),
  idType: Joi.string().valid(...ID_TYPES).default('身份证').description('证件类型'),
  idNumber: text(50)
    .min(4)
    .uppercase()
    .required()
    .custom((v: string, h) => (h.state.ancestors[0]?.idType === '身份证' && !isResidentIdNumber(v) ? h.error('any.invalid') : v))
    .messages({ 'any.invalid': '居民身份证号码无效（出生日期或校验位错误）' })
    .description('证件号码'),
  position: text(100).min(1).description('职务'),
});

const persons = () =>
  Joi.array()
    .items(person)
    .max(20)
    // By path, ignoring items without one: a malformed item (null, a string) gets its own error, not a crash (fuzz).
    .unique('idNumber', { ignoreUndefined: true })
    .custom((v: ({ role?: string } | null)[], h) => (v.filter((p) => p?.role === 'principal').length > 1 ? h.error('persons.principal') : v))
    .messages({ 'persons.principal': '主要负责人只能有一名', 'array.unique': '同一证件号码重复' });

const recordId = Joi.string().hex().length(24).messages({ 'string.length': '记录编号无效', 'string.hex': '记录编号无效' });

export const proposalBody = Joi.object({
  uscc: uscc().required().description('拟列入单位的统一社会信用代码'),
  groundCode: groundCode().required(),
  penaltyIds: Joi.array().items(recordId).min(1).max(20).unique().required().description('据以列入的行政处罚决定（本机关作出、该单位的处罚记录编号）'),
  facts: text(4000).min(10).required().description('列入的事实和理由'),
  proposedOn: pastDate().description('提请日期（缺省为今天）'),
  persons: persons().default([]).description('同时列入的主要负责人、其他责任人员（仅限允许列入人员的事由）'),
});

export const SERVICE_METHODS = ['直接送达', '留置送达', '邮寄送达', '电子送达', '委托送达', '公告送达'] as const;

export const noticeBody = Joi.object({
  number: text(128).min(1).required().description('告知书文号'),
  issuedOn: pastDate().description('告知书日期（缺省为今天，不早于提请日期）'),
  reasons: text(4000).min(10).description('告知的事实和理由（缺省为提请时的事实和理由）'),
  measures: measures().description('拟采取的惩戒措施代码（缺省为配置的默认措施）'),
});

export const serviceBody = Joi.object({
  servedOn: pastDate().required().description('送达日期：陈述申辩期自次日起按工作日计算'),
  method: Joi.string().valid(...SERVICE_METHODS).required().description('送达方式'),
  recipient: text(200).min(1).required().description('签收人或送达对象'),
});

export const objectionBody = Joi.object({
  kind: Joi.string().valid('statement', 'waiver').default('statement').description('statement = 陈述申辩；waiver = 明确放弃陈述申辩'),
  submittedOn: pastDate().description('提出日期（缺省为今天）'),
  content: Joi.when('kind', { is: 'statement', then: text(8000).min(2).required(), otherwise: text(2000).min(1) }).description('陈述、申辩意见（放弃时可写明说明）'),
  evidence: text(4000).min(1).description('提交的证据材料（名称、份数）'),
});

export const decisionBody = Joi.object({
  outcome: Joi.string().valid('list', 'not_list').required().description('list = 决定列入；not_list = 决定不予列入'),
  decidedOn: pastDate().description('决定日期（缺省为今天）；列入的，自该日起列入'),
  reasons: text(4000).min(4).required().description('决定理由'),
  decisionNumber: Joi.when('outcome', { is: 'list', then: text(128).min(1).required(), otherwise: text(128).min(1) }).description('列入决定书文号'),
  measures: Joi.when('outcome', { is: 'list', then: measures(), otherwise: Joi.forbidden() }),
  objectionResponse: text(4000).min(2).description('对陈述申辩意见的采纳情况及理由（有陈述申辩的必填）'),
});

export const correctionBody = Joi.object({
  reason: text(1000).min(2).required().description('变更原因'),
  effectiveOn: pastDate().description('变更生效日期（缺省为今天）'),
  changes: Joi.object({
    subjectName: text(200).min(1).description('单位名称（如名称变更）'),
    persons: persons().description('列入的人员（完整列表）'),
    measures: measures(),
  })
    .min(1)
    .required(),
});

export const removalApplicationBody = Joi.object({
  appliedOn: pastDate().description('申请日期（缺省为今天）'),
  statements: Joi.object({
    penaltyFulfilled: Joi.boolean().required().description('已履行行政处罚决定规定的义务'),
    hazardRectified: Joi.boolean().required().description('已纠正失信行为、完成隐患整改'),
    commitment: Joi.boolean().required().description('作出信用承诺'),
  }).required(),
  commitment: text(4000).min(10).required().description('信用承诺书内容'),
  evidence: text(4000).min(2).required().description('证明材料（名称、份数）'),
});

export const removalDecisionBody = Joi.object({
  approved: Joi.boolean().required().description('true = 准予提前移出；false = 不予提前移出'),
  decidedOn: pastDate().description('决定日期（缺省为今天）；准予的，自该日起移出'),
  reasons: text(4000).min(2).required().description('决定理由'),
});

export const revocationBody = Joi.object({
  revokedOn: pastDate().description('撤销日期（缺省为今天）；自该日起恢复列入，截止日期不变'),
  reasons: text(4000).min(4).required().description('撤销理由（如以虚假材料取得移出）'),
});

/** 复核列入依据: a cited penalty was revoked, the others remain. */
export const basisReviewBody = Joi.object({
  outcome: Joi.string().valid('uphold', 'revoke').required().description('uphold = 其余行政处罚仍足以支持列入，恢复列入（截止日期不变）；revoke = 撤销列入决定'),
  decidedOn: pastDate().description('复核决定日期（缺省为今天）'),
  reasons: text(4000).min(4).required().description('复核理由'),
});

export const basisReviewsQuery = Joi.object({ ...paginationQuery });

export const caseIdParams = idParam.messages({ 'string.length': '案件编号无效', 'string.hex': '案件编号无效' });

export const listCasesQuery = Joi.object({
  status: Joi.string().valid(...CASE_STATUSES).description('案件状态'),
  uscc: Joi.string().trim().uppercase().max(18).description('单位统一社会信用代码'),
  ground: Joi.string().trim().max(8).description('列入事由代码'),
  authority: Joi.string().trim().uppercase().max(18).description('决定机关统一社会信用代码'),
  district: Joi.string().pattern(/^\d{2,6}$/).description('行政区划代码（前缀）'),
  pendingRemoval: Joi.boolean().description('true = 只列出有待决定的提前移出申请的案件（审核人员的待办）'),
  ...paginationQuery,
});

export const checkQuery = Joi.object({
  uscc: uscc().required(),
  date: legalDate().description('查询日期（缺省为今天）'),
});

export const feedbackBody = Joi.object({
  measureCode: measureCode().required().description('实施的联合惩戒措施代码'),
  appliedOn: pastDate().required().description('实施日期'),
  caseNumber: text(128).min(1).required().description('本部门的案件编号或文书号'),
  note: text(2000).min(1).description('说明'),
});

export const listFeedbackQuery = Joi.object({
  uscc: Joi.string().trim().uppercase().max(18).description('被惩戒单位统一社会信用代码'),
  partner: text(200).min(1).description('协同部门（主体 ID）'),
  caseId: Joi.string().hex().length(24).description('名单案件编号'),
  ...paginationQuery,
});

export const feedbackSummaryQuery = Joi.object({
  by: Joi.string().valid('subject', 'partner').default('partner').description('按被惩戒主体或按协同部门汇总'),
});

export const COMPARISON_ANSWERS = ['json', 'csv'] as const;
export const comparisonQuery = Joi.object({
  date: legalDate().description('比对日期（缺省为今天）'),
  answer: Joi.string().valid(...COMPARISON_ANSWERS).default('json').description('结果格式'),
});

const isoInstant = () => Joi.date().iso().messages({ 'date.format': '时间格式应为 ISO 8601（如 2026-11-25T08:00:00+08:00）' });

export const exportQuery = Joi.object({
  format: Joi.string().valid(...EXPORT_FORMATS).default('csv').description('csv（UTF-8 带 BOM）、xlsx 或 jsonl'),
  asOf: legalDate().description('时点名单：该日在名单内的主体（缺省为今天）'),
  since: isoInstant().description('增量：此时刻之后的新增、移出和变更'),
  until: isoInstant()
    .when('since', { is: Joi.exist(), then: Joi.date().greater(Joi.ref('since')), otherwise: Joi.forbidden() })
    .messages({ 'date.greater': '截止时间须晚于起始时间', 'any.unknown': '仅增量导出（since）可指定截止时间' })
    .description('增量截止时刻（缺省为现在）'),
}).oxor('asOf', 'since');

export const exportIdParams = idParam.messages({ 'string.length': '导出编号无效', 'string.hex': '导出编号无效' });

export const listExportsQuery = Joi.object({
  origin: Joi.string().valid('api', 'job', 'cli').description('来源'),
  ...paginationQuery,
});

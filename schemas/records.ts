import Joi from 'joi';
import { legalDate, notBefore, paginationQuery, pastDate, text, uscc } from './common.js';
import {
  ID_TYPES,
  PENALTY_TYPES,
  PERMIT_CATEGORIES,
  PERMIT_STATES,
  SUBJECT_TYPES,
  inputFieldsOf,
  labelOf,
  type FieldDef,
  type RecordKind,
} from '../src/modules/records/fields.js';
import { USCC_PLACEHOLDER, usccProblem } from '../src/lib/uscc.js';
import { LIFECYCLES } from '../src/modules/records/model.js';
import { AMOUNT_MESSAGES, CONFISCATION_TYPES, FINE_TYPES, SEVERITIES, amountProblems } from '../src/modules/records/rules.js';
import { DELIVERY_STATES } from '../src/modules/publicity/outbox.js';

/**
 * Request contracts for permits (行政许可) and penalties (行政处罚), generated from the one field
 * table (src/modules/records/fields.ts) plus the conditional rules of domain.md.
 */
const ENUMS: Record<string, readonly string[]> = {
  subjectType: SUBJECT_TYPES,
  permitCategory: PERMIT_CATEGORIES,
  status: PERMIT_STATES,
  legalRepIdType: ID_TYPES,
  subjectIdType: ID_TYPES,
};

/** Money in 万元: non-negative, at most 6 decimals (reported, never silently rounded). */
const money = () =>
  Joi.number()
    .min(0)
    .max(1e9)
    .custom((v: number, h) => (Math.round(v * 1e6) / 1e6 === v ? v : h.error('number.precision', { limit: 6 })));

/** A subject's USCC: valid per GB 32100; a 个体工商户 may use the placeholder 00000000000000000X. */
const subjectUscc = () =>
  Joi.string()
    .trim()
    .uppercase()
    .custom((v: string, h) => {
      if (v === USCC_PLACEHOLDER) {
        return h.state.ancestors[0]?.subjectType === '个体工商户' ? v : h.error('uscc.placeholder');
      }
      const p = usccProblem(v);
      // A code failing only its check character is legal for an enterprise admitted with an audited override
      // (domain.md: early pilot-area codes): the caller looks those up and passes them as `context.admittedUsccs`.
      const admitted = (h.prefs.context as { admittedUsccs?: string[] } | undefined)?.admittedUsccs ?? [];
      if (p === 'checkDigit' && admitted.includes(v)) return v;
      return p ? h.error(`uscc.${p}`) : v;
    })
    .messages({ 'uscc.placeholder': '占位代码 00000000000000000X 仅适用于无统一社会信用代码的个体工商户' });

function fieldSchema(kind: RecordKind, f: FieldDef): Joi.Schema {
  let s: Joi.Schema;
  switch (f.type) {
    case 'text':
      s = text(f.max ?? 500).min(1);
      break;
    case 'date':
      s = f.name === 'decisionDate' ? pastDate() : f.name === 'validTo' ? notBefore('validFrom', '有效期自') : f.name === 'validUntil' ? notBefore('decisionDate', '处罚决定日期') : legalDate();
      break;
    case 'money':
      s = money();
      break;
    case 'enum':
      s = Joi.string().valid(...ENUMS[f.name]);
      break;
    case 'enumList':
      s = Joi.array().items(Joi.string().valid(...PENALTY_TYPES)).min(1).unique();
      break;
    case 'uscc':
      s = f.name === 'uscc' ? subjectUscc() : uscc();
      break;
    case 'boolean':
      s = Joi.boolean();
      break;
  }
  return s.description(labelOf(kind, f) + (f.code[kind] ? `（${f.code[kind]}）` : ''));
}

const REQUIRED: Record<RecordKind, string[]> = {
  permit: ['subjectName', 'subjectType', 'documentName', 'decisionNumber', 'permitCategory', 'content', 'decisionDate', 'validFrom', 'validTo', 'authorityName', 'authorityUscc', 'sourceName', 'sourceUscc'],
  penalty: ['subjectName', 'subjectType', 'decisionNumber', 'violationType', 'facts', 'legalBasis', 'penaltyTypes', 'content', 'decisionDate', 'validUntil', 'authorityName', 'authorityUscc', 'sourceName', 'sourceUscc'],
};

const hasAny = (...types: string[]) => Joi.array().items(Joi.any()).has(Joi.string().valid(...types)).required();

/** An amount field: required when its categories are present (joi reports the missing value), and otherwise checked by amountProblems. */
function amountRule(base: Joi.Schema, field: 'fineAmount' | 'confiscationAmount', types: readonly string[], required: string): Joi.Schema {
  return base
    .custom((v: number, h) => {
      const problem = amountProblems({ ...h.state.ancestors[0], [field]: v }).find((p) => p.path === field);
      return problem ? h.message({ custom: problem.message }) : v;
    })
    .when('penaltyTypes', { is: hasAny(...types), then: Joi.required().messages({ 'any.required': required }) });
}

function fieldMap(kind: RecordKind): Record<string, Joi.Schema> {
  return Object.fromEntries(inputFieldsOf(kind).map((f) => [f.name, fieldSchema(kind, f)]));
}

/** The full record: required and conditional fields. */
export function recordBody(kind: RecordKind): Joi.ObjectSchema {
  const m = fieldMap(kind);
  for (const name of REQUIRED[kind]) m[name] = m[name].required();
  // 行政相对人类别 decides which identification is needed.
  m.uscc = m.uscc.when('subjectType', {
    switch: [
      { is: '自然人', then: Joi.forbidden().messages({ 'any.unknown': '自然人不填写统一社会信用代码' }) },
      { is: Joi.valid('法人及非法人组织', '个体工商户'), then: Joi.required() },
    ],
  });
  m.legalRepresentative = m.legalRepresentative.when('subjectType', { is: '法人及非法人组织', then: Joi.required() });
  m.registrationNumber = m.registrationNumber.when('uscc', {
    is: USCC_PLACEHOLDER,
    then: Joi.required().messages({ 'any.required': '使用占位统一社会信用代码的个体工商户须填写工商注册号' }),
  });
  m.subjectIdType = m.subjectIdType.when('subjectType', { is: '自然人', then: Joi.required() });
  m.subjectIdNumber = m.subjectIdNumber.when('subjectType', { is: '自然人', then: Joi.required() });
  if (kind === 'permit') {
    m.status = m.status.default('1');
  } else {
    // Amounts ⇔ categories, both ways (records/rules.ts amountProblems: 双公示 standard CF_NR_FK "if 罚款", CF_NR_WFFF "if 没收").
    m.fineAmount = amountRule(m.fineAmount, 'fineAmount', FINE_TYPES, AMOUNT_MESSAGES.fineRequired);
    m.confiscationAmount = amountRule(m.confiscationAmount, 'confiscationAmount', CONFISCATION_TYPES, AMOUNT_MESSAGES.confiscationRequired);
    m.licenceAffected = m.licenceAffected.when('penaltyTypes', {
      is: hasAny('暂扣许可证件', '吊销许可证件'),
      then: Joi.required().messages({ 'any.required': '处罚类别含暂扣或吊销许可证件时须填写证照名称及编号' }),
    });
    m.simplifiedProcedure = m.simplifiedProcedure.default(false);
  }
  return Joi.object(m);
}

export const permitBody = recordBody('permit');
export const penaltyBody = recordBody('penalty');
export const BATCH_MAX = 1000;

export const batchBody = Joi.object({
  records: Joi.array().items(Joi.any()).min(1).max(BATCH_MAX).required().description(`最多 ${BATCH_MAX} 条`),
});

/** How a decision comes to be revoked. */
export const REVOCATION_BASES = ['行政复议', '行政诉讼', '自行纠错', '其他'] as const;

/** 更正 (a correction with its reason) or 撤销 (a revocation with the revoking decision). */
export function changeBody(kind: RecordKind): Joi.ObjectSchema {
  return Joi.object({
    action: Joi.string().valid('correct', 'revoke').required().description('correct = 更正；revoke = 撤销'),
    reason: Joi.when('action', { is: 'correct', then: text(1000).min(2).required(), otherwise: Joi.forbidden() }).description('更正原因'),
    changes: Joi.when('action', { is: 'correct', then: Joi.object(fieldMap(kind)).min(1).required(), otherwise: Joi.forbidden() }).description('更正的字段'),
    revocation: Joi.when('action', {
      is: 'revoke',
      then: Joi.object({
        decisionNumber: text(128).min(1).required().description('撤销决定文书号'),
        decisionDate: pastDate().required().description('撤销决定日期'),
        reason: text(1000).min(2).required().description('撤销原因'),
        basis: Joi.string().valid(...REVOCATION_BASES).description('撤销途径：行政复议决定撤销、人民法院判决撤销（行政诉讼）、决定机关自行纠错撤销或其他'),
      }).required(),
      otherwise: Joi.forbidden(),
    }),
  });
}

export const recordIdParams = Joi.object({ id: Joi.string().hex().length(24).required().messages({ 'string.length': '记录编号无效', 'string.hex': '记录编号无效' }) });

export function listRecordsQuery(kind: RecordKind): Joi.ObjectSchema {
  return Joi.object({
    uscc: Joi.string().trim().uppercase().max(18).description('行政相对人统一社会信用代码'),
    authority: Joi.string().trim().uppercase().max(18).description('决定机关统一社会信用代码'),
    district: Joi.string().pattern(/^\d{2,6}$/).description('行政区划代码（前缀）'),
    from: legalDate().description('决定日期自'),
    to: legalDate().description('决定日期至'),
    ...(kind === 'penalty' ? { severity: Joi.string().valid(...SEVERITIES) } : {}),
    status: Joi.string().valid(...LIFECYCLES).description('记录状态'),
    delivery: Joi.string().valid(...DELIVERY_STATES).description('任一平台的报送状态'),
    ...paginationQuery,
  });
}

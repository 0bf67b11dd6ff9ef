/**
 * The one table mapping internal field names to the national 双公示 data standard's field codes and
 * Chinese labels. Validation, import (columns by label or code, via imports/kinds.ts), templates, export
 * and the platform adapters all read it; nothing else spells a field code.
 */
export type RecordKind = 'permit' | 'penalty';
export const RECORD_KINDS: readonly RecordKind[] = ['permit', 'penalty'];
/** URL segment / platform kind for each record kind. */
export const KIND_PATH: Record<RecordKind, 'permits' | 'penalties'> = { permit: 'permits', penalty: 'penalties' };
export const KIND_LABEL: Record<RecordKind, string> = { permit: '行政许可', penalty: '行政处罚' };

export type FieldType = 'text' | 'date' | 'money' | 'enum' | 'enumList' | 'uscc' | 'boolean';

export interface FieldDef {
  /** Internal (API) name. */
  name: string;
  /** Chinese label of the standard (also accepted as an import column header). */
  label: string;
  /** Standard field code per kind; absent = not part of that kind. `null` = internal field with no code. */
  code: Partial<Record<RecordKind, string | null>>;
  type: FieldType;
  /** Sent to the platforms. ID numbers and internal fields are not. */
  published: boolean;
  /** Derived by the service, never accepted from clients. */
  derived?: boolean;
  max?: number;
}

export const SUBJECT_TYPES = ['法人及非法人组织', '自然人', '个体工商户'] as const;
export const PERMIT_CATEGORIES = ['普通', '特许', '认可', '核准', '登记', '其他'] as const;
/** 当前状态: 1 有效, 2 无效 */
export const PERMIT_STATES = ['1', '2'] as const;
/** Administrative Penalty Law (2021) art. 9 categories. */
export const PENALTY_TYPES = [
  '警告',
  '通报批评',
  '罚款',
  '没收违法所得',
  '没收非法财物',
  '暂扣许可证件',
  '降低资质等级',
  '吊销许可证件',
  '限制开展生产经营活动',
  '责令停产停业',
  '责令关闭',
  '限制从业',
  '行政拘留',
  '其他',
] as const;
export type PenaltyType = (typeof PENALTY_TYPES)[number];
export const ID_TYPES = ['身份证', '护照号', '港澳居民来往内地通行证', '台湾居民来往大陆通行证', '外国人永久居留身份证'] as const;

const both = (permit: string | null, penalty: string | null) => ({ permit, penalty });

export const RECORD_FIELDS: readonly FieldDef[] = [
  // 行政相对人 (subject)
  { name: 'subjectName', label: '行政相对人名称', code: both('XK_XDR_MC', 'CF_XDR_MC'), type: 'text', published: true, max: 200 },
  { name: 'subjectType', label: '行政相对人类别', code: both('XK_XDR_LB', 'CF_XDR_LB'), type: 'enum', published: true },
  { name: 'uscc', label: '统一社会信用代码', code: both('XK_XDR_SHXYM', 'CF_XDR_SHXYM'), type: 'uscc', published: true },
  { name: 'registrationNumber', label: '工商注册号', code: both('XK_XDR_GSZC', 'CF_XDR_GSZC'), type: 'text', published: true, max: 50 },
  { name: 'legalRepresentative', label: '法定代表人', code: both('XK_FRDB', 'CF_FRDB'), type: 'text', published: true, max: 100 },
  { name: 'legalRepIdType', label: '法定代表人证件类型', code: both('XK_FR_ZJLX', 'CF_FR_ZJLX'), type: 'enum', published: false },
  { name: 'legalRepIdNumber', label: '法定代表人证件号码', code: both('XK_FR_ZJHM', 'CF_FR_ZJHM'), type: 'text', published: false, max: 50 },
  { name: 'subjectIdType', label: '证件类型', code: both('XK_XDR_ZJLX', 'CF_XDR_ZJLX'), type: 'enum', published: false },
  { name: 'subjectIdNumber', label: '证件号码', code: both('XK_XDR_ZJHM', 'CF_XDR_ZJHM'), type: 'text', published: false, max: 50 },
  // decision
  { name: 'decisionNumber', label: '决定文书号', code: both('XK_WSH', 'CF_WSH'), type: 'text', published: true, max: 128 },
  { name: 'decisionDate', label: '决定日期', code: both('XK_JDRQ', 'CF_JDRQ'), type: 'date', published: true },
  { name: 'authorityName', label: '决定机关', code: both('XK_XKJG', 'CF_CFJG'), type: 'text', published: true, max: 200 },
  { name: 'authorityUscc', label: '决定机关统一社会信用代码', code: both('XK_XKJGDM', 'CF_CFJGDM'), type: 'uscc', published: true },
  { name: 'sourceName', label: '数据来源单位', code: both('XK_LYDW', 'CF_SJLY'), type: 'text', published: true, max: 200 },
  { name: 'sourceUscc', label: '数据来源单位统一社会信用代码', code: both('XK_LYDWDM', 'CF_SJLYDM'), type: 'uscc', published: true },
  // permit (行政许可)
  { name: 'documentName', label: '行政许可决定文书名称', code: { permit: 'XK_XKWS' }, type: 'text', published: true, max: 200 },
  { name: 'permitCategory', label: '许可类别', code: { permit: 'XK_XKLB' }, type: 'enum', published: true },
  { name: 'certificateName', label: '许可证书名称', code: { permit: 'XK_XKZS' }, type: 'text', published: true, max: 200 },
  { name: 'certificateNumber', label: '许可编号', code: { permit: 'XK_XKBH' }, type: 'text', published: true, max: 100 },
  { name: 'validFrom', label: '有效期自', code: { permit: 'XK_YXQZ' }, type: 'date', published: true },
  { name: 'validTo', label: '有效期至', code: { permit: 'XK_YXQZI' }, type: 'date', published: true },
  { name: 'status', label: '当前状态', code: { permit: 'XK_ZT' }, type: 'enum', published: true },
  // penalty (行政处罚)
  { name: 'violationType', label: '违法行为类型', code: { penalty: 'CF_WFXW' }, type: 'text', published: true, max: 500 },
  { name: 'facts', label: '违法事实', code: { penalty: 'CF_SY' }, type: 'text', published: true, max: 4000 },
  { name: 'legalBasis', label: '处罚依据', code: { penalty: 'CF_YJ' }, type: 'text', published: true, max: 2000 },
  { name: 'penaltyTypes', label: '处罚类别', code: { penalty: 'CF_CFLB' }, type: 'enumList', published: true },
  { name: 'fineAmount', label: '罚款金额（万元）', code: { penalty: 'CF_NR_FK' }, type: 'money', published: true },
  { name: 'confiscationAmount', label: '没收违法所得、没收非法财物的金额（万元）', code: { penalty: 'CF_NR_WFFF' }, type: 'money', published: true },
  { name: 'licenceAffected', label: '暂扣或吊销证照名称及编号', code: { penalty: 'CF_NR_ZKDX' }, type: 'text', published: true, max: 500 },
  { name: 'validUntil', label: '处罚有效期', code: { penalty: 'CF_YXQ' }, type: 'date', published: true },
  { name: 'publicityEndDate', label: '公示截止期', code: { penalty: 'CF_GSJZQ' }, type: 'date', published: true, derived: true },
  { name: 'simplifiedProcedure', label: '简易程序', code: { penalty: null }, type: 'boolean', published: false },
  // both: content and remarks (content codes differ)
  { name: 'content', label: '内容', code: both('XK_NR', 'CF_NR'), type: 'text', published: true, max: 4000 },
  { name: 'remarks', label: '备注', code: both('BZ', 'BZ'), type: 'text', published: true, max: 1000 },
];

/** Kind-specific labels that differ from the generic label (both accepted in imports). */
export const KIND_LABELS: Partial<Record<RecordKind, Record<string, string>>> = {
  permit: { decisionNumber: '行政许可决定文书号', decisionDate: '许可决定日期', authorityName: '许可机关', authorityUscc: '许可机关统一社会信用代码', content: '许可内容' },
  penalty: { decisionNumber: '行政处罚决定书文号', decisionDate: '处罚决定日期', authorityName: '处罚机关', authorityUscc: '处罚机关统一社会信用代码', content: '处罚内容' },
};

export function fieldsOf(kind: RecordKind): FieldDef[] {
  return RECORD_FIELDS.filter((f) => f.code[kind] !== undefined);
}

/** Input fields a client may send for a kind (derived fields excluded). */
export function inputFieldsOf(kind: RecordKind): FieldDef[] {
  return fieldsOf(kind).filter((f) => !f.derived);
}

export function labelOf(kind: RecordKind, f: FieldDef): string {
  return KIND_LABELS[kind]?.[f.name] ?? f.label;
}

/** Internal data → the standard's field codes for publication (unpublished fields dropped). */
export function toStandard(kind: RecordKind, data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fieldsOf(kind)) {
    const code = f.code[kind];
    if (!code || !f.published) continue;
    const v = data[f.name];
    if (v === undefined || v === null || v === '') continue;
    out[code] = f.type === 'enumList' && Array.isArray(v) ? v.join(';') : v;
  }
  return out;
}

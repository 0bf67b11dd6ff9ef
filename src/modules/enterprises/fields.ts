/**
 * Enterprise (企业主体) master-data fields: the one table that the schema (schemas/enterprises.ts), the
 * model, the API, the roster import's column headers and the import templates read.
 */
export const SUBJECT_TYPES = ['法人及非法人组织', '自然人', '个体工商户'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** 安全生产标准化等级 */
export const STANDARDISATION_GRADES = ['一级', '二级', '三级', '无'] as const;
export type StandardisationGrade = (typeof STANDARDISATION_GRADES)[number];

export interface EnterpriseFieldDef {
  /** Internal (API) name; also the field code accepted as an import column header. */
  name: string;
  /** Chinese label: the column header of the roster (企业名录) and its templates. */
  label: string;
  /** How the value is written (shown after the label in the API documentation). */
  note?: string;
  /** Other headers a roster may use for the column. */
  aliases?: string[];
  type: 'uscc' | 'text' | 'enum';
  /** Required when an enterprise is registered (API, batch, roster import). */
  required: boolean;
  /** A value as a clerk would write it (import templates). */
  example: string;
}

export const ENTERPRISE_FIELDS = [
  { name: 'uscc', label: '统一社会信用代码', note: '18 位，GB 32100 校验', type: 'uscc', required: true, example: '914403001922038216' },
  { name: 'name', label: '企业名称', aliases: ['单位名称'], type: 'text', required: true, example: '深圳市某某化工有限公司' },
  { name: 'subjectType', label: '行政相对人类别', type: 'enum', required: false, example: '法人及非法人组织' },
  { name: 'legalRepresentative', label: '法定代表人', type: 'text', required: true, example: '张三' },
  { name: 'districtCode', label: '行政区划代码', note: '6 位，GB/T 2260', aliases: ['区划代码'], type: 'text', required: true, example: '440305' },
  { name: 'industryCode', label: '国民经济行业代码', note: 'GB/T 4754', aliases: ['行业代码'], type: 'text', required: true, example: 'C2614' },
  { name: 'address', label: '住所', aliases: ['地址'], type: 'text', required: false, example: '深圳市南山区科技园' },
  { name: 'standardisationGrade', label: '安全生产标准化等级', aliases: ['标准化等级'], type: 'enum', required: false, example: '二级' },
  { name: 'supervisingAuthority', label: '监管机关', type: 'text', required: false, example: '深圳市南山区应急管理局' },
  { name: 'supervisingAuthorityUscc', label: '监管机关统一社会信用代码', type: 'uscc', required: false, example: '11440305MB2C921473' },
] as const satisfies readonly EnterpriseFieldDef[];

export type EnterpriseField = (typeof ENTERPRISE_FIELDS)[number]['name'];
export type EnterpriseMutableField = Exclude<EnterpriseField, 'uscc'>;

/** Fields a client may set; `uscc` is the key and cannot change after creation. */
export const ENTERPRISE_MUTABLE_FIELDS = ENTERPRISE_FIELDS.map((f) => f.name).filter((n): n is EnterpriseMutableField => n !== 'uscc');

/** A field's Chinese label, with its note: `行政区划代码（6 位，GB/T 2260）`. */
export function enterpriseFieldDescription(name: EnterpriseField): string {
  const f: EnterpriseFieldDef = ENTERPRISE_FIELDS.find((x) => x.name === name)!;
  return f.note ? `${f.label}（${f.note}）` : f.label;
}

const isBlank = (v: unknown) => v === undefined || v === null || v === '';

/**
 * The required fields an enterprise lacks. Enterprises created implicitly from a record's subject (行政相对人)
 * have no industry (国民经济行业代码): they are flagged `needsCompletion` until a clerk completes them.
 */
export function missingFields(doc: Partial<Record<EnterpriseField, unknown>>): EnterpriseField[] {
  return ENTERPRISE_FIELDS.filter((f) => f.required && isBlank(doc[f.name])).map((f) => f.name);
}

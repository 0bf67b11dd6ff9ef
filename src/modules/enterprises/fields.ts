/** Enterprise (企业主体) master-data fields: one list that the schema, model and API read. */
export const SUBJECT_TYPES = ['法人及非法人组织', '自然人', '个体工商户'] as const;
export type SubjectType = (typeof SUBJECT_TYPES)[number];

/** 安全生产标准化等级 */
export const STANDARDISATION_GRADES = ['一级', '二级', '三级', '无'] as const;
export type StandardisationGrade = (typeof STANDARDISATION_GRADES)[number];

/** Fields a client may set; `uscc` is the key and cannot change after creation. */
export const ENTERPRISE_MUTABLE_FIELDS = [
  'name',
  'subjectType',
  'legalRepresentative',
  'districtCode',
  'industryCode',
  'address',
  'standardisationGrade',
  'supervisingAuthority',
  'supervisingAuthorityUscc',
] as const;

/**
 * What a bulk import brings in, and the columns of each kind — read from the field tables, never spelled
 * here: permits and penalties from src/modules/records/fields.ts (the 双公示 standard's labels and codes),
 * the enterprise roster (企业名录) from src/modules/enterprises/fields.ts. Header mapping, cell conversion,
 * error reports and templates read these columns. Pure data; no database.
 */
import { KIND_LABEL, KIND_PATH, RECORD_KINDS, inputFieldsOf, labelOf, type FieldType, type RecordKind } from '../records/fields.js';
import { ENTERPRISE_FIELDS, type EnterpriseFieldDef } from '../enterprises/fields.js';

export type ImportKind = RecordKind | 'enterprise';
export const IMPORT_KIND_LIST: readonly ImportKind[] = [...RECORD_KINDS, 'enterprise'];
/** The kind as the API names it (`?kind=`, template paths). */
export type ImportKindParam = 'permits' | 'penalties' | 'enterprises';
export const IMPORT_KIND_PATH: Record<ImportKind, ImportKindParam> = { ...KIND_PATH, enterprise: 'enterprises' };
export const IMPORT_KIND_LABEL: Record<ImportKind, string> = { ...KIND_LABEL, enterprise: '企业名录' };

export function kindOfParam(param: ImportKindParam): ImportKind {
  return IMPORT_KIND_LIST.find((k) => IMPORT_KIND_PATH[k] === param)!;
}

/** One column an import reads: a field of the kind's table. */
export interface ImportField {
  /** Internal (API) name. */
  name: string;
  /** The header templates write, and error reports name when a file lacks the column. */
  label: string;
  /** The field code (also accepted as the header). */
  code: string;
  /** Every header naming this field (compared after normaliseHeader). */
  headers: string[];
  type: FieldType;
  /** Whether error reports may repeat the cell (ID numbers are never repeated). */
  published: boolean;
  /** How the value is written, beyond its type (a division code's digits, say). */
  note?: string;
  /** A value as a clerk would write it. */
  example?: string;
}

export interface ImportTable {
  kind: ImportKind;
  fields: ImportField[];
  /** What the headers follow, for messages: 《双公示》数据标准 / 企业名录字段表. */
  standard: string;
  /** The field named in the example of the "no recognisable column" message. */
  keyField: string;
}

function recordTable(kind: RecordKind): ImportTable {
  const fields = inputFieldsOf(kind).map((f) => {
    const code = f.code[kind];
    return { name: f.name, label: labelOf(kind, f), code: code ?? f.name, headers: [...(code ? [code] : []), labelOf(kind, f), f.label, f.name], type: f.type, published: f.published };
  });
  return { kind, fields, standard: '《双公示》数据标准', keyField: 'decisionNumber' };
}

function enterpriseTable(): ImportTable {
  const fields = ENTERPRISE_FIELDS.map((f: EnterpriseFieldDef) => ({
    name: f.name,
    label: f.label,
    code: f.name,
    headers: [f.label, f.name, ...(f.aliases ?? [])],
    type: f.type,
    published: true,
    note: f.note,
    example: f.example,
  }));
  return { kind: 'enterprise', fields, standard: '企业名录字段表', keyField: 'uscc' };
}

const tables = new Map<ImportKind, ImportTable>();

/** The columns of an import kind. */
export function importTable(kind: ImportKind): ImportTable {
  let t = tables.get(kind);
  if (!t) tables.set(kind, (t = kind === 'enterprise' ? enterpriseTable() : recordTable(kind)));
  return t;
}

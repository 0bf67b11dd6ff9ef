import { fieldsOf, labelOf, type RecordKind } from '../../src/modules/records/index.js';

/** How a file names its columns: the standard's Chinese labels or its field codes. */
export type Naming = 'label' | 'code';

/** The header of a field as a user would write it. */
export function headerOf(kind: RecordKind, name: string, naming: Naming): string {
  const f = fieldsOf(kind).find((x) => x.name === name)!;
  return naming === 'label' ? labelOf(kind, f) : f.code[kind]!;
}

/** A record value as written in a spreadsheet cell (处罚类别 joined with ；). */
export function cellOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join('；');
  return String(v);
}

const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One CSV line (CRLF-terminated) of the cells of `names`. */
export function csvLine(names: string[], record: Record<string, unknown>): string {
  return `${names.map((n) => quote(cellOf(record[n]))).join(',')}\r\n`;
}

export function csvHeader(kind: RecordKind, names: string[], naming: Naming = 'label'): string {
  return `${names.map((n) => quote(headerOf(kind, n, naming))).join(',')}\r\n`;
}

/** A CSV of records given by internal names (the columns: every key met). */
export function csvOf(kind: RecordKind, records: Record<string, unknown>[], naming: Naming = 'label'): string {
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return csvHeader(kind, names, naming) + records.map((r) => csvLine(names, r)).join('');
}

/**
 * The export's unit of data, pure: a ledger entry is one dated stretch (span) of one listing, with
 * what partners receive about it — the unit and its listed persons (ID numbers already masked: the
 * ledger never holds a full one), ground, decision, period, measures and its dated events. Entries
 * are stored packed, many to a ledger page (ledger.ts), so an export reads a few large documents
 * instead of one document per listing. Rows are what an export writes: one per subject and entry.
 */
import type { LegalDate } from '../../lib/calendar.js';
import { maskIdNumber } from '../../lib/mask.js';
import { PERSON_ROLE_LABELS, groundOf, measuresFor, spanCovers, type DishonestyRules, type PersonRole } from './rules.js';

/**
 * What happened to a listing at an instant: listed, restored (removal revoked, or upheld after a review of its
 * basis), removed when its period ended or early, changed, suspended (a cited penalty was revoked, review
 * pending) or revoked (its basis is gone). Encoded by index: append new types, never reorder.
 */
export const EVENT_TYPES = ['listed', 'restored', 'expired', 'removedEarly', 'changed', 'suspended', 'revoked'] as const;
export type LedgerEventType = (typeof EVENT_TYPES)[number];

export const CHANGE_TYPE: Record<LedgerEventType, 'addition' | 'removal' | 'change'> = {
  listed: 'addition',
  restored: 'addition',
  expired: 'removal',
  removedEarly: 'removal',
  changed: 'change',
  suspended: 'removal',
  revoked: 'removal',
};
export const CHANGE_TYPE_LABELS = { addition: '新增', removal: '移出', change: '变更' } as const;
export const EVENT_LABELS: Record<LedgerEventType, string> = {
  listed: '列入',
  restored: '撤销移出决定，恢复列入',
  expired: '列入期限届满移出',
  removedEarly: '提前移出',
  changed: '列入信息变更',
  suspended: '据以列入的行政处罚被撤销，暂停列入待复核',
  revoked: '据以列入的行政处罚被撤销，列入决定撤销',
};

export interface LedgerPerson {
  role: PersonRole;
  name: string;
  /** Always masked. */
  idNumber: string;
}

export interface LedgerEntry {
  caseId: string;
  /** Index of the span in the case. */
  span: number;
  /** First and last day of this stretch on the list. */
  from: LegalDate;
  to: LegalDate;
  /** First day of the listing (the decision's), whatever stretch this is. */
  start: LegalDate;
  groundCode: string;
  decisionNumber: string;
  decisionDate: LegalDate;
  authorityName: string;
  authorityUscc: string;
  uscc: string;
  subjectName: string;
  subjectType: string;
  persons: LedgerPerson[];
  measures: string[];
  events: { type: LedgerEventType; at: number }[];
  /** The unit itself is listed (false: the principal person only, MEM Order 11 art. 6(5)); absent = true. */
  unitListed?: boolean;
}

const FORMAT = 1;

/** Compact, versioned encoding (a JSON array): the ledger's bytes are what an export scans. */
export function encodeEntry(e: LedgerEntry): string {
  return JSON.stringify([
    FORMAT,
    e.caseId,
    e.span,
    e.from,
    e.to,
    e.start,
    e.groundCode,
    e.decisionNumber,
    e.decisionDate,
    e.authorityName,
    e.authorityUscc,
    e.uscc,
    e.subjectName,
    e.subjectType,
    e.persons.map((p) => [p.role === 'principal' ? 1 : 2, p.name, maskIdNumber(p.idNumber)]),
    e.measures,
    e.events.map((ev) => [EVENT_TYPES.indexOf(ev.type), ev.at]),
    e.unitListed === false ? 0 : 1,
  ]);
}

/** The entry of an encoded string; null for an empty (reserved, not yet written) slot. */
export function decodeEntry(s: string): LedgerEntry | null {
  if (!s) return null;
  const a = JSON.parse(s) as unknown[];
  if (a[0] !== FORMAT) throw new Error(`unknown ledger entry format ${String(a[0])}`);
  return {
    caseId: a[1] as string,
    span: a[2] as number,
    from: a[3] as string,
    to: a[4] as string,
    start: a[5] as string,
    groundCode: a[6] as string,
    decisionNumber: a[7] as string,
    decisionDate: a[8] as string,
    authorityName: a[9] as string,
    authorityUscc: a[10] as string,
    uscc: a[11] as string,
    subjectName: a[12] as string,
    subjectType: a[13] as string,
    persons: (a[14] as [number, string, string][]).map(([r, name, idNumber]) => ({ role: r === 1 ? 'principal' : 'responsible', name, idNumber })),
    measures: a[15] as string[],
    events: (a[16] as [number, number][]).map(([t, at]) => ({ type: EVENT_TYPES[t], at })),
    // Entries written before the field existed list the unit.
    unitListed: a[17] !== 0,
  };
}

/** One exported row: one subject (the unit, or a listed person) of one entry. */
export interface ExportRow {
  listingId: string;
  subjectName: string;
  /** 法人及非法人组织 / 个体工商户 / 自然人 */
  subjectType: string;
  /** 单位 / 主要负责人 / 其他责任人员 */
  role: string;
  uscc: string;
  /** Masked; empty for the unit. */
  idNumber: string;
  /** The unit a listed person belongs to. */
  unitName: string;
  groundCode: string;
  ground: string;
  decisionNumber: string;
  decisionDate: LegalDate;
  listingStart: LegalDate;
  listingEnd: LegalDate;
  measures: { code: string; text: string }[];
  authorityName: string;
  authorityUscc: string;
  changeType?: 'addition' | 'removal' | 'change';
  changeReason?: LedgerEventType;
  changedAt?: string;
}

export type RowQuery = { asOf: LegalDate } | { since: Date; until: Date };

type MeasureCell = { code: string; text: string };

/** The lookups of one export (ground texts; measures per code list and subject), each computed once. */
export class RowContext {
  private readonly grounds = new Map<string, string>();
  private readonly measureLists = new Map<string, MeasureCell[]>();

  constructor(readonly rules: DishonestyRules) {}

  ground(code: string): string {
    let text = this.grounds.get(code);
    if (text === undefined) this.grounds.set(code, (text = groundOf(code, this.rules)?.text ?? ''));
    return text;
  }

  measures(codes: readonly string[], subject: 'unit' | 'person'): MeasureCell[] {
    const key = `${subject}:${codes.join(',')}`;
    let list = this.measureLists.get(key);
    if (!list) this.measureLists.set(key, (list = measuresFor(codes, subject, this.rules).map((m) => ({ code: m.code, text: m.text }))));
    return list;
  }
}

function row(e: LedgerEntry, ctx: RowContext, subject: { name: string; type: string; role: string; idNumber: string; unitName: string }, measures: MeasureCell[], change?: { type: LedgerEventType; at: number }): ExportRow {
  const r: ExportRow = {
    listingId: e.caseId,
    subjectName: subject.name,
    subjectType: subject.type,
    role: subject.role,
    uscc: e.uscc,
    idNumber: subject.idNumber,
    unitName: subject.unitName,
    groundCode: e.groundCode,
    ground: ctx.ground(e.groundCode),
    decisionNumber: e.decisionNumber,
    decisionDate: e.decisionDate,
    listingStart: e.start,
    listingEnd: e.to,
    measures,
    authorityName: e.authorityName,
    authorityUscc: e.authorityUscc,
  };
  if (change) {
    r.changeType = CHANGE_TYPE[change.type];
    r.changeReason = change.type;
    r.changedAt = new Date(change.at).toISOString();
  }
  return r;
}

function rowsOfSubjects(e: LedgerEntry, ctx: RowContext, out: ExportRow[], change?: { type: LedgerEventType; at: number }): void {
  if (e.unitListed !== false) out.push(row(e, ctx, { name: e.subjectName, type: e.subjectType, role: '单位', idNumber: '', unitName: '' }, ctx.measures(e.measures, 'unit'), change));
  for (const p of e.persons) {
    out.push(row(e, ctx, { name: p.name, type: '自然人', role: PERSON_ROLE_LABELS[p.role], idNumber: maskIdNumber(p.idNumber), unitName: e.subjectName }, ctx.measures(e.measures, 'person'), change));
  }
}

/**
 * The rows an entry contributes (appended to `out`, also returned): for `asOf`, its subjects when the
 * stretch covers that day; for a delta, its subjects once per event in (since, until], with the change
 * type and time.
 */
export function rowsOfEntry(e: LedgerEntry, q: RowQuery, rules: DishonestyRules | RowContext, out: ExportRow[] = []): ExportRow[] {
  const ctx = rules instanceof RowContext ? rules : new RowContext(rules);
  if ('asOf' in q) {
    if (spanCovers(e, q.asOf)) rowsOfSubjects(e, ctx, out);
    return out;
  }
  const since = q.since.getTime();
  const until = q.until.getTime();
  for (const ev of e.events) if (ev.at > since && ev.at <= until) rowsOfSubjects(e, ctx, out, ev);
  return out;
}

/**
 * The full ID number behind a masked one, from the case's persons (the ledger and spans hold masked numbers only);
 * the masked value when none matches. For partners with full ID numbers under a data-sharing agreement.
 */
export function fullIdNumber(masked: string, name: string, persons: readonly { name: string; idNumber: string }[]): string {
  return persons.find((p) => p.name === name && maskIdNumber(p.idNumber) === masked)?.idNumber ?? masked;
}

/** Rows with full ID numbers of listed persons (`personsOf` the case's persons, by listing id). Returns how many were unmasked. */
export function unmaskRows(rows: ExportRow[], personsOf: (listingId: string) => readonly { name: string; idNumber: string }[]): number {
  let n = 0;
  for (const r of rows) {
    if (!r.idNumber) continue;
    const full = fullIdNumber(r.idNumber, r.subjectName, personsOf(r.listingId));
    if (full !== r.idNumber) {
      r.idNumber = full;
      n++;
    }
  }
  return n;
}

/** Columns of CSV and XLSX, in order, with their Chinese headers. JSONL uses the keys. */
export const EXPORT_COLUMNS: { key: keyof ExportRow; label: string; delta?: true }[] = [
  { key: 'subjectName', label: '主体名称' },
  { key: 'subjectType', label: '主体类别' },
  { key: 'role', label: '身份' },
  { key: 'uscc', label: '统一社会信用代码' },
  { key: 'idNumber', label: '证件号码' },
  { key: 'unitName', label: '所属单位' },
  { key: 'groundCode', label: '列入事由代码' },
  { key: 'ground', label: '列入事由' },
  { key: 'decisionNumber', label: '列入决定书文号' },
  { key: 'decisionDate', label: '列入决定日期' },
  { key: 'listingStart', label: '列入日期' },
  { key: 'listingEnd', label: '列入截止日期' },
  { key: 'measures', label: '惩戒措施' },
  { key: 'authorityName', label: '决定机关' },
  { key: 'authorityUscc', label: '决定机关统一社会信用代码' },
  { key: 'listingId', label: '名单编号' },
  { key: 'changeType', label: '变更类型', delta: true },
  { key: 'changeReason', label: '变更说明', delta: true },
  { key: 'changedAt', label: '变更时间', delta: true },
];

export function columnsFor(q: RowQuery): typeof EXPORT_COLUMNS {
  return 'asOf' in q ? EXPORT_COLUMNS.filter((c) => !c.delta) : EXPORT_COLUMNS;
}

const joinedMeasures = new WeakMap<readonly MeasureCell[], string>();
/** Measures as one cell; the lists are shared per export (RowContext), so each is joined once. */
function measureText(list: readonly MeasureCell[]): string {
  let text = joinedMeasures.get(list);
  if (text === undefined) joinedMeasures.set(list, (text = list.map((m) => m.text).join('；')));
  return text;
}

/** A row as the cells of a table (CSV, XLSX): measures joined, change codes in Chinese. */
export function cellsOf(row: ExportRow, columns: typeof EXPORT_COLUMNS): string[] {
  const cells = new Array<string>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    const key = columns[i].key;
    if (key === 'measures') cells[i] = measureText(row.measures);
    else if (key === 'changeType') cells[i] = row.changeType ? CHANGE_TYPE_LABELS[row.changeType] : '';
    else if (key === 'changeReason') cells[i] = row.changeReason ? EVENT_LABELS[row.changeReason] : '';
    else {
      const v = row[key];
      cells[i] = v === undefined || v === null ? '' : String(v);
    }
  }
  return cells;
}

/** One JSONL line: the row as JSON (V8's fast path: no replacer; measured faster than splicing cached parts). */
export function jsonLine(row: ExportRow): string {
  return JSON.stringify(row);
}

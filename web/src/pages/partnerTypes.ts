/** What the partner screens read from the API (GET /dishonesty-list/check, POST /dishonesty-list/comparisons, /exports). */
import { api } from '../api.js';

export interface Measure {
  code: string;
  text: string;
}

export interface Listing {
  listingId: string;
  subjectName: string;
  uscc: string;
  ground: { code: string; text: string };
  decisionNumber: string;
  decisionDate: string;
  listingStart: string;
  listingEnd: string;
  authorityName: string;
  measures: Measure[];
  persons: { role: string; roleLabel: string; name: string; idNumber: string | null }[];
  unitListed: boolean;
  reason: string;
}

export interface CheckAnswer {
  uscc: string;
  date: string;
  subjectName: string | null;
  listed: boolean;
  listings: Listing[];
  message: string;
}

export type ComparisonResultCode = 'listed' | 'not_listed' | 'invalid';

export interface ComparisonRow {
  row: number;
  input: string;
  result: ComparisonResultCode;
  matchedBy: 'uscc' | 'idNumber' | 'name' | null;
  listed: boolean;
  listings: (Listing & { subject: { name: string; role: string; idNumber: string | null } })[];
  message: string;
}

export interface ComparisonAnswer {
  date: string;
  summary: { rows: number; listed: number; notListed: number; invalid: number };
  results: ComparisonRow[];
}

export const RESULT_LABELS: Record<ComparisonResultCode, string> = { listed: '在名单内', not_listed: '不在名单内', invalid: '格式无效' };
export const RESULT_TONES: Record<ComparisonResultCode, 'bad' | 'ok' | 'warn'> = { listed: 'bad', not_listed: 'ok', invalid: 'warn' };
export const MATCH_LABELS: Record<NonNullable<ComparisonRow['matchedBy']>, string> = { uscc: '统一社会信用代码', idNumber: '证件号码', name: '单位名称' };

export const COMPARISON_TYPES: Record<string, string> = {
  csv: 'text/csv',
  txt: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Batch comparison of a file (CSV or XLSX) as it is; `answer=json` (results) or `csv` (the answer file). */
export function compareFile(body: Blob, type: string, date: string | undefined): Promise<ComparisonAnswer> {
  return api<ComparisonAnswer>('/dishonesty-list/comparisons', { method: 'POST', raw: { body, type }, query: { date, answer: 'json' } });
}

/** Looks like a resident ID number (18 characters, or an old 15-digit one), not a USCC. */
export function looksLikeIdNumber(v: string): boolean {
  return /^(\d{17}[\dX]|\d{15})$/i.test(v);
}

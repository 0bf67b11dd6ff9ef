/** Pure rules of credit commitments (信用承诺): no database, no clock — callers pass `today`. */
import type { LegalDate } from '../../lib/calendar.js';

/** 告知承诺 (made for a permit), 信用修复 (made for a credit repair), 安全生产承诺 (general safety commitment). */
export const COMMITMENT_TYPES = ['告知承诺', '信用修复', '安全生产承诺'] as const;
export type CommitmentType = (typeof COMMITMENT_TYPES)[number];

/** active = in its term (or not yet started) without breach; kept = term ended without breach; broken = a breach recorded. */
export const COMMITMENT_STATES = ['active', 'kept', 'broken'] as const;
export type CommitmentState = (typeof COMMITMENT_STATES)[number];

export interface CommitmentTerms {
  signedDate: LegalDate;
  termEnd: LegalDate;
  breachDate?: LegalDate | null;
}

export function commitmentState(c: CommitmentTerms, today: LegalDate): CommitmentState {
  if (c.breachDate && c.breachDate <= today) return 'broken';
  return c.termEnd < today ? 'kept' : 'active';
}

/** In force on `today`: signed, term not ended, not breached. */
export function commitmentInForce(c: CommitmentTerms, today: LegalDate): boolean {
  return c.signedDate <= today && commitmentState(c, today) === 'active';
}

import type { RecordKind } from '../../records/fields.js';
import type { DeliveryOp } from '../outbox.js';

/** One record version to deliver, with internal field names (the adapter maps them to the standard's codes). */
export interface SubmitEntry {
  recordId: string;
  version: number;
  op: DeliveryOp;
  /** For upserts: the record's data (internal names) plus derived fields the standard carries (publicityEndDate). */
  data?: Record<string, unknown>;
  /** For withdrawals: 信用修复 | 撤销 | 公示期满 | 更正 */
  reason?: string;
}

export type EntryStatus = 'accepted' | 'duplicate' | 'stale' | 'rejected';

export interface EntryResult {
  recordId: string;
  version: number;
  status: EntryStatus;
  receiptId?: string;
  code?: string;
  field?: string;
  message?: string;
}

export interface SubmitResult {
  batchId: string;
  results: EntryResult[];
}

export interface FeedbackItem {
  recordId: string;
  version: number;
  receiptId?: string;
  status: 'published' | 'rejected';
  code?: string;
  message?: string;
  at: string;
}

/**
 * Why a call failed as a whole (nothing per record):
 * - retryAfter: 429/503 with Retry-After — nothing in the batch was stored; wait `retryAfterMs`.
 * - transient: 5xx, time-out, reset, network — the batch may or may not have been stored; back off.
 * - auth: credentials refused even after one token refresh.
 * - badRequest: 400/413 — our batch is malformed (a bug); nothing stored.
 */
export type PlatformErrorKind = 'retryAfter' | 'transient' | 'auth' | 'badRequest';

export class PlatformError extends Error {
  constructor(
    public readonly kind: PlatformErrorKind,
    message: string,
    public readonly status?: number,
    public readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'PlatformError';
  }
}

/** A credit platform's reporting interface (platform-api.md). */
export interface PlatformAdapter {
  readonly id: string;
  readonly configured: boolean;
  submit(kind: RecordKind, entries: SubmitEntry[]): Promise<SubmitResult>;
  feedback(cursor: string | null, limit: number): Promise<{ items: FeedbackItem[]; nextCursor: string | null }>;
  /** Releases keep-alive connections (graceful shutdown, tests). */
  close?(): void;
}

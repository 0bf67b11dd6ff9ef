import mongoose, { Schema } from 'mongoose';
import type { RecordKind } from './fields.js';
import type { DeliveryState, DeliveryOp, WithdrawReason } from '../publicity/outbox.js';
import { platformIds } from '../publicity/platforms.js';
import { tallied } from '../../db/tally.js';

/** Lifecycle of a record (what its latest version says). */
export const LIFECYCLES = ['active', 'revoked', 'expired', 'withdrawn'] as const;
export type Lifecycle = (typeof LIFECYCLES)[number];

export const VERSION_ACTIONS = ['create', 'correct', 'revoke', 'expire', 'withdraw', 'list', 'delist', 'restore'] as const;
export type VersionAction = (typeof VERSION_ACTIONS)[number];

export interface RecordVersion {
  version: number;
  action: VersionAction;
  /** What the platforms receive for this version. */
  op: DeliveryOp;
  withdrawReason?: WithdrawReason | null;
  data: Record<string, unknown>;
  derived: Record<string, unknown>;
  contentHash: string;
  /** 更正 reason, 撤销 decision, or why it was withdrawn. */
  reason?: string | null;
  /** basis: how the decision came to be revoked (行政复议 / 行政诉讼 / 自行纠错 / 其他), when given. */
  revocation?: { decisionNumber: string; decisionDate: string; reason: string; basis?: string } | null;
  at: Date;
  by: string;
  /**
   * The `_id` of this version's one audit entry (`<kind>.create` for version 1, else `<kind>.<action>`), stored
   * with the version: a request that finds the entry missing (its writer stopped before auditing) writes it.
   * Absent on versions stored before entries had fixed ids.
   */
  auditId?: mongoose.Types.ObjectId;
}

/**
 * A permit (行政许可) or penalty (行政处罚). Every version is kept in `versions` (nothing is ever
 * overwritten or deleted); `data`/`derived` mirror the latest version for queries; `delivery` is the
 * embedded outbox, one state per platform.
 */
export interface RecordDoc {
  kind: RecordKind;
  /** Natural key: (authorityUscc, decisionNumber) per kind. */
  authorityUscc: string;
  decisionNumber: string;
  uscc?: string | null;
  subjectName: string;
  districtCode: string;
  decisionDate: string;
  version: number;
  lifecycle: Lifecycle;
  data: Record<string, unknown>;
  derived: Record<string, unknown>;
  contentHash: string;
  versions: RecordVersion[];
  delivery: Record<string, DeliveryState>;
  /** Set when this record has a pending effect on the enterprise grade (grading sweeps it). */
  createdBy: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
  /** Source of the record: api, batch, or an import id. */
  source?: string;
}

const recordSchema = new Schema<RecordDoc>(
  {
    kind: { type: String, required: true },
    authorityUscc: { type: String, required: true },
    decisionNumber: { type: String, required: true },
    uscc: String,
    subjectName: { type: String, required: true },
    districtCode: { type: String, required: true },
    decisionDate: { type: String, required: true },
    version: { type: Number, required: true },
    lifecycle: { type: String, required: true },
    data: { type: Schema.Types.Mixed, required: true },
    derived: { type: Schema.Types.Mixed, required: true },
    contentHash: { type: String, required: true },
    versions: { type: Schema.Types.Mixed, required: true },
    delivery: { type: Schema.Types.Mixed, required: true },
    createdBy: { type: String, required: true },
    updatedBy: { type: String, required: true },
    source: String,
  },
  { timestamps: true, collection: 'records', versionKey: false, minimize: false },
);
// The natural key (deciding authority, 决定文书号) per kind: creating a record is one insert, a second one
// of the same key fails with a duplicate-key error (then `unchanged` or 409, see createRecords).
recordSchema.index({ kind: 1, authorityUscc: 1, decisionNumber: 1 }, { unique: true });
// One index per list shape (listRecords: filter, then newest first by (decisionDate, _id)).
recordSchema.index({ kind: 1, decisionDate: -1, _id: -1 }); // newest first, and by decision date range
recordSchema.index({ uscc: 1, decisionDate: -1, _id: -1 }); // one enterprise's records
recordSchema.index({ districtCode: 1, decisionDate: -1, _id: -1 }); // by district
recordSchema.index({ authorityUscc: 1, decisionDate: -1, _id: -1 }); // by deciding authority
recordSchema.index({ 'derived.severity': 1 });
recordSchema.index({ updatedAt: 1 }); // the oldest version waiting for delivery, within the hour its summary gives
recordSchema.index({ 'derived.publicityDeadline': 1 }); // the delivery status's overdue list, one day at a time
// The delivery engine's due query, per platform (equality state, kind; range due time): due pending
// states, and expired leases (state + kind, lease time checked on those few rows).
for (const p of platformIds()) {
  recordSchema.index({ [`delivery.${p}.state`]: 1, kind: 1, [`delivery.${p}.nextAttemptAt`]: 1 });
  recordSchema.index({ [`delivery.${p}.review.status`]: 1 }); // the delivery status's rejections after review
}
// Delivery and 及时率 summaries are kept with each write (publicity/summaries.ts, db/tally.ts).
recordSchema.plugin(tallied);

export const RecordModel = mongoose.model<RecordDoc>('Record', recordSchema);


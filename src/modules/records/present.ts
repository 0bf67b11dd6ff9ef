import type { RecordDoc, RecordVersion } from './model.js';
import type { RecordKind } from './fields.js';
import type { Principal } from '../auth/index.js';
import type { DeliveryState } from '../publicity/outbox.js';
import { provisionalPaths } from '../../lib/calendar.js';

/**
 * API shape of a record: the standard's fields under their internal names, the derived legal
 * dates, and the delivery state per platform. ID numbers are masked for roles that do not need them
 * by the response filter of src/http/security.ts (field names ending in IdNumber).
 */
export function presentDelivery(d: DeliveryState | undefined) {
  if (!d) return null;
  return {
    state: d.state,
    version: d.version,
    op: d.op,
    reason: d.reason ?? null,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt ?? null,
    receiptId: d.receiptId ?? null,
    deliveredVersion: d.deliveredVersion ?? null,
    deliveredAt: d.deliveredAt ?? null,
    firstDeliveredAt: d.firstDeliveredAt ?? null,
    lastError: d.lastError ?? null,
    review: d.review ?? null,
  };
}

export function presentRecord(doc: RecordDoc & { _id: unknown }, _principal?: Principal) {
  const d = doc.derived ?? {};
  return {
    id: String(doc._id),
    kind: doc.kind,
    version: doc.version,
    lifecycle: doc.lifecycle,
    ...doc.data,
    districtCode: doc.districtCode,
    publicityDeadline: d.publicityDeadline ?? null,
    // The 双公示 deadline counts working days from the decision date: 暂定 while a year it runs through has no official schedule.
    provisionalDates: provisionalPaths([['publicityDeadline', doc.decisionDate, d.publicityDeadline as string | undefined]]),
    published: d.published ?? null,
    ...(doc.kind === 'penalty'
      ? {
          severity: d.severity ?? null,
          severityReasons: d.severityReasons ?? [],
          repairEarliestDate: d.repairEarliestDate ?? null,
          publicityEndDate: d.publicityEndDate ?? null,
          ruleVersion: d.ruleVersion ?? null,
        }
      : {}),
    delivery: Object.fromEntries(Object.entries(doc.delivery ?? {}).map(([p, s]) => [p, presentDelivery(s)])),
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    updatedBy: doc.updatedBy,
    updatedAt: doc.updatedAt,
  };
}

export function presentVersion(kind: RecordKind, v: RecordVersion, _principal?: Principal) {
  return {
    version: v.version,
    action: v.action,
    op: v.op,
    withdrawReason: v.withdrawReason ?? null,
    reason: v.reason ?? null,
    revocation: v.revocation ?? null,
    at: v.at,
    by: v.by,
    contentHash: v.contentHash,
    data: v.data,
    derived: v.derived,
    kind,
  };
}

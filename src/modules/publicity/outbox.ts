/**
 * The embedded outbox (design.md): each record document carries one delivery state per platform,
 * set in the same single-document update that creates or changes the record.
 * Pure functions here; the engine (engine.ts) claims and settles states with conditional updates.
 */
/** `inflight`: only on records of engines before partition leases (engine.ts puts them back to pending). */
export const DELIVERY_STATES = ['pending', 'inflight', 'delivered', 'rejected', 'failed', 'superseded', 'skipped'] as const;
export type DeliveryStateName = (typeof DELIVERY_STATES)[number];
export type DeliveryOp = 'upsert' | 'withdraw';
/** Withdrawal reasons of the platform contract. */
export const WITHDRAW_REASONS = ['信用修复', '撤销', '公示期满', '更正'] as const;
export type WithdrawReason = (typeof WITHDRAW_REASONS)[number];

export interface DeliveryState {
  state: DeliveryStateName;
  /** The record version this state is about. */
  version: number;
  op: DeliveryOp;
  reason?: WithdrawReason | null;
  attempts: number;
  nextAttemptAt: Date | null;
  /** Only on records left `inflight` by engines before partition leases (put back in the queue on takeover). */
  leaseOwner?: string | null;
  leaseUntil?: Date | null;
  receiptId?: string | null;
  lastError?: { code?: string; field?: string; message: string; at: Date } | null;
  /** Highest version the platform accepted, and when. */
  deliveredVersion?: number | null;
  deliveredAt?: Date | null;
  /** First successful delivery of any version: used for 及时率 (on time = by publicityDeadline). */
  firstDeliveredAt?: Date | null;
  /** Platform review result (feedback endpoint) for deliveredVersion. */
  review?: { status: 'published' | 'rejected'; code?: string; message?: string; at: Date } | null;
}

/**
 * `$set` entries that put a new record version in each platform's queue.
 * `publish`: whether this version must be public (false for 轻微 by default).
 */
export function deliveryMarks(
  platforms: string[],
  current: Record<string, DeliveryState> | undefined,
  version: number,
  op: DeliveryOp,
  reason: WithdrawReason | null,
  publish: boolean,
  now: Date,
): Record<string, unknown> {
  const set: Record<string, unknown> = {};
  for (const p of platforms) {
    const prev = current?.[p];
    const everQueued = prev !== undefined && prev.state !== 'skipped';
    let next: Pick<DeliveryState, 'state' | 'op' | 'reason'>;
    if (op === 'upsert' && publish) next = { state: 'pending', op: 'upsert', reason: null };
    else if (op === 'upsert' && !publish) next = everQueued ? { state: 'pending', op: 'withdraw', reason: '更正' } : { state: 'skipped', op: 'upsert', reason: null };
    else next = everQueued ? { state: 'pending', op: 'withdraw', reason } : { state: 'skipped', op: 'withdraw', reason };
    const base = `delivery.${p}`;
    set[`${base}.state`] = next.state;
    set[`${base}.op`] = next.op;
    set[`${base}.reason`] = next.reason;
    set[`${base}.version`] = version;
    set[`${base}.attempts`] = 0;
    set[`${base}.nextAttemptAt`] = next.state === 'pending' ? now : null;
    set[`${base}.lastError`] = null;
  }
  return set;
}

/** The full initial delivery object of a new record (for inserts). */
export function initialDelivery(platforms: string[], publish: boolean, now: Date): Record<string, DeliveryState> {
  const out: Record<string, DeliveryState> = {};
  for (const p of platforms) {
    out[p] = {
      state: publish ? 'pending' : 'skipped',
      version: 1,
      op: 'upsert',
      reason: null,
      attempts: 0,
      nextAttemptAt: publish ? now : null,
      lastError: null,
      receiptId: null,
      deliveredVersion: null,
      deliveredAt: null,
      firstDeliveredAt: null,
      review: null,
    };
  }
  return out;
}

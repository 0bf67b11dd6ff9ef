import { isDuplicateKey } from '../db/errors.js';
import mongoose, { Schema } from 'mongoose';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/**
 * A lease in the database so that only one instance runs a given sweep at a time across instances.
 * Acquired with one conditional upsert; renewed while the work runs; released at the end.
 * A crashed holder's lease simply expires.
 */
export interface LockDoc {
  _id: string;
  owner: string;
  until: Date;
  acquiredAt: Date;
  /** What the holder is doing under the lease right now (e.g. the delivery batch in flight); null when idle. */
  work?: unknown;
}

const lockSchema = new Schema<LockDoc>({ _id: String, owner: String, until: Date, acquiredAt: Date, work: { type: Schema.Types.Mixed, default: null } }, { collection: 'jobLocks', versionKey: false });
export const JobLockModel = mongoose.model<LockDoc>('JobLock', lockSchema);

/** Lease length of cross-instance job locks (renewed every third of it while the job runs). JOB_LEASE_MS, validated in config.ts. */
export const JOB_LEASE_MS = Number(process.env.JOB_LEASE_MS) || 30_000;

export const INSTANCE_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

/**
 * Takes (or renews) the lease `name` when it is free, expired or already ours: one conditional upsert.
 * `previous` is the lease document as it was before (null when it did not exist): a previous holder
 * other than `owner` whose `work` is not null died (or stalled past its lease) in the middle of that work.
 */
export async function acquireLease(name: string, ttlMs: number, owner = INSTANCE_ID): Promise<{ acquired: boolean; previous: LockDoc | null }> {
  const now = new Date();
  try {
    const previous = await JobLockModel.findOneAndUpdate(
      { _id: name, $or: [{ until: { $lt: now } }, { owner }] },
      { $set: { owner, until: new Date(now.getTime() + ttlMs), acquiredAt: now } },
      { upsert: true, new: false },
    ).lean();
    return { acquired: true, previous: (previous as LockDoc | null) ?? null };
  } catch (err) {
    // Another instance holds it (the upsert collided with its document).
    if (isDuplicateKey(err)) return { acquired: false, previous: null };
    throw err;
  }
}

export async function tryAcquire(name: string, ttlMs: number, owner = INSTANCE_ID): Promise<boolean> {
  return (await acquireLease(name, ttlMs, owner)).acquired;
}

/**
 * Extends a lease this owner still holds and records the work it is about to do under it, in one write
 * conditioned on the owner (a fence: false once another holder took the lease over).
 */
export async function renewLease(name: string, ttlMs: number, owner: string, work: unknown): Promise<boolean> {
  const res = await JobLockModel.updateOne({ _id: name, owner }, { $set: { until: new Date(Date.now() + ttlMs), work } });
  return res.matchedCount === 1;
}

export async function release(name: string, owner = INSTANCE_ID): Promise<void> {
  await JobLockModel.updateOne({ _id: name, owner }, { $set: { until: new Date(0), work: null } });
}

/** Runs `fn` only if this instance gets the lease; renews it every ttl/3 while `fn` runs. */
export async function withJobLock<T>(name: string, ttlMs: number, fn: () => Promise<T>): Promise<{ ran: true; result: T } | { ran: false }> {
  if (!(await tryAcquire(name, ttlMs))) return { ran: false };
  const timer = setInterval(() => void tryAcquire(name, ttlMs).catch(() => undefined), Math.max(1000, Math.floor(ttlMs / 3)));
  timer.unref();
  try {
    return { ran: true, result: await fn() };
  } finally {
    clearInterval(timer);
    await release(name).catch(() => undefined);
  }
}

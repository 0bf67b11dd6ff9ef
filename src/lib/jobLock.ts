import { isDuplicateKey } from '../db/errors.js';
import mongoose, { Schema } from 'mongoose';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

/**
 * A lease in the database so that only one instance runs a given sweep at a time across instances.
 * Acquired with one conditional upsert; renewed while the work runs; released at the end.
 * A crashed holder's lease simply expires.
 */
interface LockDoc {
  _id: string;
  owner: string;
  until: Date;
  acquiredAt: Date;
}

const lockSchema = new Schema<LockDoc>({ _id: String, owner: String, until: Date, acquiredAt: Date }, { collection: 'jobLocks', versionKey: false });
export const JobLockModel = mongoose.model<LockDoc>('JobLock', lockSchema);

/** Lease length of cross-instance job locks (renewed every third of it while the job runs). JOB_LEASE_MS, validated in config.ts. */
export const JOB_LEASE_MS = Number(process.env.JOB_LEASE_MS) || 30_000;

export const INSTANCE_ID = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

export async function tryAcquire(name: string, ttlMs: number, owner = INSTANCE_ID): Promise<boolean> {
  const now = new Date();
  try {
    const doc = await JobLockModel.findOneAndUpdate(
      { _id: name, $or: [{ until: { $lt: now } }, { owner }] },
      { $set: { owner, until: new Date(now.getTime() + ttlMs), acquiredAt: now } },
      { upsert: true, new: true },
    ).lean();
    return doc?.owner === owner;
  } catch (err) {
    // Another instance holds it (the upsert collided with its document).
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

export async function release(name: string, owner = INSTANCE_ID): Promise<void> {
  await JobLockModel.updateOne({ _id: name, owner }, { $set: { until: new Date(0) } });
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

import mongoose, { Schema } from 'mongoose';
import { INSTANCE_ID } from '../lib/jobLock.js';
import { logger } from '../lib/logger.js';
import { insertNew } from './bulk.js';

/**
 * Per-document write locks, for servers whose single-document updates are not atomic.
 *
 * FerretDB 1.x (the embedded default) executes `update`/`findAndModify` as a read, then a write of
 * the whole document (internal/handler/msg_update.go: Query → UpdateDocument → UpdateAll), without
 * a transaction around both. Two concurrent writers to one document can therefore lose an update —
 * including conditional ones, which both match the same old snapshot. MongoDB does not have this
 * problem, so on MongoDB only the in-process queue is used.
 *
 * The one atomic primitive FerretDB has is a unique-key insert: a lock is a document `{ _id: key }`
 * in `docLocks`, taken with insertMany (a duplicate key = held elsewhere) and deleted on release.
 * Locks carry an expiry so a crashed holder cannot block a document for long.
 */
interface LockDoc {
  _id: string;
  owner: string;
  until: Date;
}
const lockSchema = new Schema<LockDoc>({ _id: String, owner: String, until: Date }, { collection: 'docLocks', versionKey: false });
export const DocLockModel = mongoose.model<LockDoc>('DocLock', lockSchema);

/** Locks are held only for the duration of one database write: a short expiry frees a dead holder's locks fast. */
const LOCK_TTL_MS = 5_000;
let crossProcess = false;

/** Called after connecting: cross-process locks are needed on FerretDB, not on MongoDB. */
export async function configureDocLocks(): Promise<void> {
  const info = await mongoose.connection.db!.admin().command({ buildInfo: 1 });
  crossProcess = Boolean(info.ferretdbVersion ?? info.ferretdbFeatures ?? /ferret/i.test(JSON.stringify(info)));
  logger.info('document write locks', { crossProcess });
}

export function docLocksCrossProcess(): boolean {
  return crossProcess;
}

/** In-process queue per key: writers of one document in this process run one after another. */
const local = new Map<string, Promise<void>>();

async function localLock(keys: string[]): Promise<() => void> {
  const sorted = [...new Set(keys)].sort();
  const releases: (() => void)[] = [];
  for (const key of sorted) {
    const prev = local.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const chained = prev.then(() => mine);
    local.set(key, chained);
    await prev;
    releases.push(() => {
      release();
      if (local.get(key) === chained) local.delete(key);
    });
  }
  return () => releases.forEach((r) => r());
}

async function acquireRemote(keys: string[], owner: string): Promise<{ got: string[]; busy: string[] }> {
  if (keys.length === 0) return { got: [], busy: [] };
  const until = new Date(Date.now() + LOCK_TTL_MS);
  const busy = new Set((await insertNew(mongoose.connection.db!.collection<LockDoc>('docLocks'), keys.map((k) => ({ _id: k, owner, until })))).map((i) => keys[i]));
  return { got: keys.filter((k) => !busy.has(k)), busy: [...busy] };
}

async function releaseRemote(keys: string[], owner: string): Promise<void> {
  if (keys.length) await DocLockModel.deleteMany({ _id: { $in: keys }, owner });
}

/** Removes expired locks (their holder died). */
async function breakStale(keys: string[]): Promise<void> {
  await DocLockModel.deleteMany({ _id: { $in: keys }, until: { $lt: new Date() } });
}

/** How often a process removes every expired lock (a dead holder's locks on documents nobody touches again). */
const SWEEP_EVERY_MS = 10_000;
let lastSweep = 0;

async function sweepExpired(): Promise<void> {
  if (Date.now() - lastSweep < SWEEP_EVERY_MS) return;
  lastSweep = Date.now();
  await DocLockModel.deleteMany({ until: { $lt: new Date() } }).catch((err: unknown) => logger.warn('sweeping expired document locks failed', { err }));
}

/**
 * Runs `fn` holding the write locks of the given documents. `fn` receives the ids it holds:
 * with `all: true` (default) it waits (bounded) until it holds every one; with `all: false` it runs
 * with the ones free now and skips the others (a claimer simply takes other work).
 */
export async function withDocLocks<T>(ns: string, ids: string[], fn: (held: string[]) => Promise<T>, opts: { all?: boolean; waitMs?: number } = {}): Promise<T> {
  const all = opts.all ?? true;
  const keyOf = (id: string) => `${ns}:${id}`;
  const releaseLocal = await localLock(ids.map(keyOf));
  const owner = `${INSTANCE_ID}:${Math.random().toString(36).slice(2, 10)}`;
  let held: string[] = [];
  try {
    if (!crossProcess) return await fn(ids);
    await sweepExpired();
    const deadline = Date.now() + (opts.waitMs ?? 10_000);
    const want = ids.map(keyOf);
    for (let round = 0; ; round++) {
      const { got, busy } = await acquireRemote(want, owner);
      held = got;
      if (busy.length === 0) break;
      if (!all) {
        // Skip the busy ones now, but free those whose holder died, or they are skipped forever.
        await breakStale(busy);
        break;
      }
      // All-or-nothing: give back what we got so two waiters never hold parts of each other's sets.
      await releaseRemote(held, owner);
      held = [];
      if (Date.now() > deadline) throw new Error(`document locks busy: ${busy.slice(0, 3).join(', ')}`);
      await breakStale(busy);
      await new Promise((r) => setTimeout(r, Math.min(200, 5 * 2 ** round) + Math.random() * 5));
    }
    const prefix = `${ns}:`;
    return await fn(held.map((k) => k.slice(prefix.length)));
  } finally {
    await releaseRemote(held, owner).catch((err) => logger.warn('releasing document locks failed (they expire)', { err }));
    releaseLocal();
  }
}

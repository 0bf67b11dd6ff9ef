import { randomUUID } from 'node:crypto';
import mongoose, { Schema } from 'mongoose';
import { LRUCache } from 'lru-cache';
import { logger } from '../lib/logger.js';

/**
 * A read-through cache for expensive list queries that stays exact across instances.
 *
 * Every write to a cached collection is followed by `touch(collection)`, which sets a fresh random
 * token in `changeTokens` (one document per collection, written by `_id`). A cached answer is used
 * only while the token it was computed under is still the current one, checked with one point read
 * per request. Why that is exact without locks: a writer changes its data first and the token after,
 * to a value nobody has seen, so any answer computed before that write finished was stored under an
 * older token and is never used again, however the writers' token updates interleave. Writers await
 * the token before they answer, so their own clients read their writes on every instance. A process
 * that dies between its write and its token leaves other instances' answers in use at most about
 * `readCacheOptions.maxAgeMs` (30 s) (an answer that old is refreshed in the background while it is still served).
 *
 * Why: on the embedded FerretDB every list request reads and decodes the whole collection (~0.6 ms
 * per 2.6 KB record), so repeated identical list requests (dashboards, consoles, the first page) are
 * served from here; on MongoDB it saves the query for the price of one point read.
 */
interface TokenDoc {
  _id: string;
  token: string;
  at: Date;
}
const tokenSchema = new Schema<TokenDoc>({ _id: String, token: { type: String, required: true }, at: Date }, { collection: 'changeTokens', versionKey: false });
export const ChangeTokenModel = mongoose.model<TokenDoc>('ChangeToken', tokenSchema);

/** Backstop for a writer that died between its write and its token (tests shorten it). */
export const readCacheOptions = { maxAgeMs: 30_000 };

interface Entry {
  token: string;
  /** When it was computed: past readCacheOptions.maxAgeMs it is still answered once, while a fresh one is computed. */
  at: number;
  /** This process's own writes invalidate at once, before their token reaches the database. */
  localGen: number;
  value: unknown;
}

const cache = new LRUCache<string, Entry>({ max: 500 });
const inflight = new Map<string, Promise<unknown>>();
const localGen = new Map<string, number>();

/** Call after every write to `collection` (awaited before answering the writer's request). */
export async function touch(collection: string): Promise<void> {
  localGen.set(collection, (localGen.get(collection) ?? 0) + 1);
  const set = { $set: { token: randomUUID(), at: new Date() } };
  try {
    await ChangeTokenModel.updateOne({ _id: collection }, set, { upsert: true });
  } catch (err) {
    // Two first writers racing to create the token document: the loser simply updates it.
    if ((err as { code?: number }).code !== 11000) throw err;
    await ChangeTokenModel.updateOne({ _id: collection }, set);
  }
}

async function currentToken(collection: string): Promise<string> {
  return (await ChangeTokenModel.findById(collection, { token: 1 }).lean())?.token ?? 'none';
}

/** Answers `compute()` for this key, reusing an answer computed under the collection's current token. */
export async function cachedRead<T>(collection: string, key: string, compute: () => Promise<T>): Promise<T> {
  const token = await currentToken(collection);
  const gen = localGen.get(collection) ?? 0;
  const fullKey = `${mongoose.connection.name}.${collection}\u0000${key}`;
  // Concurrent computations of one key under one token are shared.
  const flightKey = `${fullKey}\u0000${token}\u0000${gen}`;
  const run = (): Promise<T> => {
    let p = inflight.get(flightKey) as Promise<T> | undefined;
    if (!p) {
      const at = Date.now();
      p = compute().then((value) => {
        if ((localGen.get(collection) ?? 0) === gen) cache.set(fullKey, { token, at, localGen: gen, value });
        return value;
      });
      p.finally(() => inflight.delete(flightKey)).catch((err: unknown) => logger.warn('cached read failed', { collection, err }));
      inflight.set(flightKey, p);
    }
    return p;
  };
  const hit = cache.get(fullKey);
  if (hit && hit.token === token && hit.localGen === gen) {
    // Same token: exact. Past the backstop age it is answered while a fresh answer is computed (a writer
    // that died before its token could otherwise keep it forever).
    if (Date.now() - hit.at >= readCacheOptions.maxAgeMs) void run().catch(() => undefined);
    return hit.value as T;
  }
  return run();
}

/** Tests and operators: forget everything cached in this process. */
export function clearReadCache(): void {
  cache.clear();
}

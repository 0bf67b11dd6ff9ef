import { createHash } from 'node:crypto';
import mongoose from 'mongoose';

/**
 * A deterministic `_id` from a natural key (a USCC, "grade:<uscc>", …): the first 12 bytes of its sha256.
 *
 * Documents looked up by a natural key get this `_id`, so the lookup is a point read by `_id` and a second
 * insert of the same key fails as a duplicate key (11000). Kept for the documents stored with such ids
 * (enterprises, grades, API keys); a unique index on the natural key would serve as well.
 */
export function keyId(key: string): mongoose.Types.ObjectId {
  return new mongoose.Types.ObjectId(createHash('sha256').update(key).digest().subarray(0, 12));
}

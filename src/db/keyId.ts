import { createHash } from 'node:crypto';
import mongoose from 'mongoose';

/**
 * A deterministic `_id` from a natural key (a USCC, "grade:<uscc>", …): the first 12 bytes of its sha256.
 *
 * Documents looked up by a natural key get this `_id`, so the lookup is a point read by `_id` — the one
 * filter FerretDB 1.x (the embedded database) serves from an index; any other filter scans the whole
 * collection. On MongoDB it is simply a unique key. A second insert of the same key fails with 11000.
 */
export function keyId(key: string): mongoose.Types.ObjectId {
  return new mongoose.Types.ObjectId(createHash('sha256').update(key).digest().subarray(0, 12));
}

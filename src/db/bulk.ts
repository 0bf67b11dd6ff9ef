import { isDuplicateKey } from './errors.js';

/** Native collections are typed with ObjectId ids; ours also use string ids, so this is typed loosely. */
type Insertable = { insertMany(docs: any[], options: { ordered: boolean }): Promise<unknown> };

/**
 * Inserts `docs` (unordered) where their unique key is new; returns the indexes of those whose key already
 * existed (a duplicate key is "already there", not a failure). Any other failure throws.
 */
export async function insertNew(coll: Insertable, docs: object[]): Promise<number[]> {
  if (docs.length === 0) return [];
  try {
    await coll.insertMany(docs, { ordered: false });
    return [];
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { index: number; code: number }[] }).writeErrors;
    if (!writeErrors || writeErrors.some((w) => !isDuplicateKey(w))) throw err;
    return writeErrors.map((w) => w.index);
  }
}

/**
 * Bulk reads and writes shaped for the embedded FerretDB 1.x, correct on MongoDB too:
 *  - point reads by `_id` (the only filter FerretDB serves from an index; a `$in` on `_id` scans);
 *  - inserts that treat duplicate keys as "already there" (a unique-key insert is FerretDB's one atomic primitive);
 *  - updates in commands of at most UPDATE_CHUNK statements.
 */

/** Native collections are typed with ObjectId ids; ours also use string ids, so these are typed loosely. */
type Insertable = { insertMany(docs: any[], options: { ordered: boolean }): Promise<unknown> };
type BulkWritable = { bulkWrite(ops: any[], options: { ordered: boolean }): Promise<unknown> };
type PointReadable = { findOne(filter: any, options: { projection?: object }): Promise<any> };

/**
 * FerretDB 1.x deadlocks on an `update` command of 100 or more statements: each statement's read cursor
 * stays open until the command ends and the SQLite pool runs dry. Updates go in commands of at most this many.
 */
export const UPDATE_CHUNK = 50;

export async function bulkUpdate(coll: BulkWritable, ops: object[]): Promise<void> {
  for (let i = 0; i < ops.length; i += UPDATE_CHUNK) await coll.bulkWrite(ops.slice(i, i + UPDATE_CHUNK), { ordered: false });
}

/** Inserts `docs` (unordered); returns the indexes of those whose key already existed. Any other failure throws. */
export async function insertNew(coll: Insertable, docs: object[]): Promise<number[]> {
  if (docs.length === 0) return [];
  try {
    await coll.insertMany(docs, { ordered: false });
    return [];
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { index: number; code: number }[] }).writeErrors;
    if (!writeErrors || writeErrors.some((w) => w.code !== 11000)) throw err;
    return writeErrors.map((w) => w.index);
  }
}

/** Reads documents by `_id`, 8 at a time, in no particular order; missing ids are skipped. */
export async function pointReads<T = Record<string, unknown>>(coll: PointReadable, ids: unknown[], projection?: object): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(8, ids.length) }, async () => {
      while (next < ids.length) {
        const doc = (await coll.findOne({ _id: ids[next++] }, { projection })) as T | null;
        if (doc) out.push(doc);
      }
    }),
  );
  return out;
}

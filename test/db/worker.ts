/**
 * One client process of the database-level concurrency tests (test/db/atomicity.test.ts): its own
 * MongoDB driver connection, M operations in flight at once. Prints one JSON line with what it did.
 *
 * Usage: node --import tsx test/db/worker.ts '<json Task>'
 */
import mongoose from 'mongoose';

export type Task =
  | { mode: 'inc'; uri: string; db: string; coll: string; ids: string[]; m: number }
  | { mode: 'claim'; uri: string; db: string; coll: string; ids: string[]; me: string }
  | { mode: 'closeOrDelete'; uri: string; db: string; coll: string; ids: string[] }
  | { mode: 'bulk'; uri: string; db: string; coll: string; ids: string[]; commands: number }
  | { mode: 'unique'; uri: string; db: string; coll: string; ids: string[]; me: string };

interface Item {
  _id?: string;
  key?: string;
  nat?: string;
  hits?: number;
  by?: string;
  n?: number;
  claimedBy?: string | null;
  state?: string;
}

const task = JSON.parse(process.argv[2]!) as Task;
const client = new mongoose.mongo.MongoClient(task.uri, { directConnection: true, maxPoolSize: 200 });
await client.connect();
const coll = client.db(task.db).collection<Item>(task.coll);
let out: unknown;

switch (task.mode) {
  case 'inc': {
    // m concurrent increments spread over the ids, alternating update, findAndModify and upsert
    await Promise.all(
      Array.from({ length: task.m }, (_, i) => {
        const _id = task.ids[i % task.ids.length]!;
        if (i % 3 === 0) return coll.updateOne({ _id }, { $inc: { n: 1 } });
        if (i % 3 === 1) return coll.findOneAndUpdate({ _id }, { $inc: { n: 1 } });
        return coll.updateOne({ _id: `${_id}-upserted` }, { $inc: { n: 1 } }, { upsert: true });
      }),
    );
    out = { done: task.m };
    break;
  }
  case 'claim': {
    // every id at once; even ids by findOneAndUpdate, odd ids by updateOne: each with the condition claimedBy: null
    const won = await Promise.all(
      task.ids.map(async (_id, i) => {
        if (i % 2 === 0) {
          const before = await coll.findOneAndUpdate({ _id, claimedBy: null }, { $set: { claimedBy: task.me } });
          return before ? _id : null;
        }
        const r = await coll.updateOne({ _id, claimedBy: null }, { $set: { claimedBy: task.me } });
        return r.modifiedCount === 1 ? _id : null;
      }),
    );
    out = { won: won.filter((x): x is string => x !== null) };
    break;
  }
  case 'closeOrDelete': {
    // for each open item: close it (conditional update) and delete it if still open (conditional delete), concurrently
    const results = await Promise.all(
      task.ids.flatMap((_id) => [
        coll.updateOne({ _id, state: 'open' }, { $set: { state: 'closed' } }).then((r) => ({ _id, closed: r.modifiedCount })),
        coll.deleteOne({ _id, state: 'open' }).then((r) => ({ _id, deleted: r.deletedCount })),
      ]),
    );
    out = { results };
    break;
  }
  case 'bulk': {
    // `commands` update commands at once, each carrying one statement per id (statements in flight >> pool size)
    const ops = task.ids.map((_id) => ({ updateOne: { filter: { _id }, update: { $inc: { n: 1 } } } }));
    await Promise.all(Array.from({ length: task.commands }, () => coll.bulkWrite(ops, { ordered: false })));
    out = { statements: task.commands * task.ids.length };
    break;
  }
  case 'unique': {
    // every natural key at once: a plain insert (unique index on `key`), then an upsert by `nat` (unique index) in `<coll>_upsert`
    const inserted = await Promise.all(
      task.ids.map((k) =>
        coll.insertOne({ key: k, by: task.me }).then(
          () => k,
          (e: { code?: number }) => {
            if (e.code !== 11000) throw e;
            return null;
          },
        ),
      ),
    );
    const upserts = client.db(task.db).collection<Item>(`${task.coll}_upsert`);
    await Promise.all(task.ids.map((k) => upserts.updateOne({ nat: k }, { $setOnInsert: { by: task.me }, $inc: { hits: 1 } }, { upsert: true })));
    out = { inserted: inserted.filter((x): x is string => x !== null) };
    break;
  }
}
process.stdout.write(`${JSON.stringify(out)}\n`);
await client.close();

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import type { Task } from './worker.js';

/**
 * MongoDB single-document atomicity on the embedded database for several CLIENT PROCESSES at once
 * (patch 0001), and no lock-up with more update statements in flight than the pool has connections.
 * Each worker (test/db/worker.ts) is its own process with its own driver connection pool, as
 * several service instances and the CLI are. Also runs unchanged against MongoDB (MONGODB_URI).
 */
const N = 4; // processes

function runWorker(task: Task): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/db/worker.ts', JSON.stringify(task)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim().split('\n').pop()!)) : reject(new Error(`worker ${task.mode} exited ${code}: ${stderr}`))));
  });
}

describe('embedded database: atomic single-document writes across processes', function () {
  this.timeout(120_000);
  const uri = () => process.env.TEST_MONGODB_URI!;
  const db = `t_db_atomic_${randomBytes(3).toString('hex')}`;
  let client: InstanceType<typeof mongoose.mongo.MongoClient>;

  before(async () => {
    client = new mongoose.mongo.MongoClient(uri(), { directConnection: true });
    await client.connect();
  });
  after(async () => {
    await client.db(db).dropDatabase().catch(() => undefined);
    await client.close();
  });

  it(`${N} processes × 60 concurrent $inc (update, findAndModify, upsert) on the same documents give exact totals`, async () => {
    const coll = client.db(db).collection<{ _id: string; n: number }>('counters');
    const ids = ['a', 'b', 'c', 'd'];
    await coll.insertMany(ids.map((_id) => ({ _id, n: 0 })));
    const m = 60;
    await Promise.all(Array.from({ length: N }, () => runWorker({ mode: 'inc', uri: uri(), db, coll: 'counters', ids, m })));
    const docs = await coll.find({}).toArray();
    const total = (id: string) => docs.find((d) => d._id === id)?.n ?? 0;
    // per process: op i goes to ids[i % 4] as kind i % 3 (update, findAndModify, upsert into `${id}-upserted`)
    for (const [k, id] of ids.entries()) {
      let direct = 0;
      let upserted = 0;
      for (let i = 0; i < m; i++) {
        if (i % ids.length !== k) continue;
        if (i % 3 === 2) upserted++;
        else direct++;
      }
      expect(total(id), id).to.equal(N * direct);
      expect(total(`${id}-upserted`), `${id}-upserted`).to.equal(N * upserted);
    }
    // one upserted document per key: concurrent upserts never create two
    expect(docs).to.have.length(ids.length * 2);
    expect(docs.reduce((s, d) => s + d.n, 0)).to.equal(N * m);
  });

  it(`${N} processes claiming the same 60 items at once with conditional findOneAndUpdate/updateOne: each item claimed exactly once`, async () => {
    const coll = client.db(db).collection<{ _id: string; claimedBy: string | null }>('items');
    const ids = Array.from({ length: 60 }, (_, i) => `item-${i}`);
    await coll.insertMany(ids.map((_id) => ({ _id, claimedBy: null })));
    const results = (await Promise.all(Array.from({ length: N }, (_, p) => runWorker({ mode: 'claim', uri: uri(), db, coll: 'items', ids, me: `p${p}` })))) as { won: string[] }[];
    const won = results.flatMap((r, p) => r.won.map((id) => ({ id, p: `p${p}` })));
    expect(won.map((w) => w.id).sort()).to.deep.equal([...ids].sort()); // every item once, none twice
    const stored = await coll.find({}).toArray();
    for (const w of won) expect(stored.find((d) => d._id === w.id)?.claimedBy, w.id).to.equal(w.p); // the winner is who the database says
  });

  it('a conditional delete racing a conditional update of the same documents: exactly one of them wins each', async () => {
    const coll = client.db(db).collection<{ _id: string; state: string }>('tasks');
    const ids = Array.from({ length: 40 }, (_, i) => `task-${i}`);
    await coll.insertMany(ids.map((_id) => ({ _id, state: 'open' })));
    const results = (await Promise.all(Array.from({ length: N }, () => runWorker({ mode: 'closeOrDelete', uri: uri(), db, coll: 'tasks', ids })))) as {
      results: { _id: string; closed?: number; deleted?: number }[];
    }[];
    const stored = new Map((await coll.find({}).toArray()).map((d) => [d._id, d.state]));
    for (const id of ids) {
      const mine = results.flatMap((r) => r.results.filter((x) => x._id === id));
      const closed = mine.reduce((s, x) => s + (x.closed ?? 0), 0);
      const deleted = mine.reduce((s, x) => s + (x.deleted ?? 0), 0);
      expect(closed + deleted, id).to.equal(1);
      expect(stored.get(id), id).to.equal(closed === 1 ? 'closed' : undefined);
    }
  });

  it(`${N} processes inserting and upserting the same natural keys on unique indexes: one document per key, every upsert counted`, async () => {
    const coll = client.db(db).collection<{ key?: string; nat?: string; hits?: number }>('natural');
    const upserts = client.db(db).collection<{ nat: string; hits: number }>('natural_upsert');
    await coll.createIndex({ key: 1 }, { unique: true });
    await upserts.createIndex({ nat: 1 }, { unique: true });
    const ids = Array.from({ length: 30 }, (_, i) => `k${i}`);
    const results = (await Promise.all(Array.from({ length: N }, (_, p) => runWorker({ mode: 'unique', uri: uri(), db, coll: 'natural', ids, me: `p${p}` })))) as { inserted: string[] }[];
    expect(results.flatMap((r) => r.inserted).sort()).to.deep.equal([...ids].sort()); // each key inserted by exactly one process
    expect(await coll.countDocuments({ key: { $in: ids } })).to.equal(ids.length);
    const upserted = await upserts.find({}).toArray();
    expect(upserted).to.have.length(ids.length);
    expect(upserted.every((d) => d.hits === N)).to.equal(true);
  });

  it('update commands with 1,200 statements in flight (pool: 100 connections) complete and the database still answers writes', async () => {
    const coll = client.db(db).collection<{ _id: string; n: number }>('bulk');
    const ids = Array.from({ length: 150 }, (_, i) => `row-${i}`);
    await coll.insertMany(ids.map((_id) => ({ _id, n: 0 })));
    const commands = 4;
    await Promise.all(Array.from({ length: 2 }, () => runWorker({ mode: 'bulk', uri: uri(), db, coll: 'bulk', ids, commands })));
    const docs = await coll.find({}).toArray();
    expect(docs.every((d) => d.n === 2 * commands)).to.equal(true);
    const after = await coll.updateOne({ _id: 'row-0' }, { $inc: { n: 1 } }, { maxTimeMS: 5000 });
    expect(after.modifiedCount).to.equal(1);
  });
});

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import mongoose from 'mongoose';
import { sameAsScan } from '../support/ownServer.js';

/**
 * Sort pushdown of the embedded database (patch 0005): a `find` with a sort on declared-index fields
 * and a limit reads rows in index order and stops after the limit, when SQLite's order of the index
 * expression is exactly the BSON order for every row of the collection (dates of one digit count,
 * ObjectIds, plain strings, missing fields); otherwise it sorts in Go as before.
 *
 * The property test compares every sorted, limited answer with the same query run as a full scan
 * (a comment containing `ferretdb:nopushdown` turns pushdown off for one query).
 */
const { Double, Long, ObjectId } = mongoose.mongo;
type Doc = { _id: unknown; [field: string]: unknown };
type Explain = { queryPlanner?: { SQL?: string; Plan?: string[]; winningPlan?: unknown } };
const embedded = !process.env.MONGODB_URI;

function sqlOf(explain: Explain): { sql: string; plan: string } {
  const qp = explain.queryPlanner ?? {};
  return { sql: qp.SQL ?? '', plan: (qp.Plan ?? []).join('\n') };
}

describe('embedded database: a sort with a limit on indexed fields reads the index in order', function () {
  this.timeout(60_000);
  const db = `t_db_sort_${randomBytes(3).toString('hex')}`;
  let client: InstanceType<typeof mongoose.mongo.MongoClient>;
  let coll: mongoose.mongo.Collection<Doc>;
  const base = Date.UTC(2026, 0, 1);

  before(async () => {
    client = new mongoose.mongo.MongoClient(process.env.TEST_MONGODB_URI!, { directConnection: true });
    await client.connect();
    coll = client.db(db).collection<Doc>('records');
    await coll.createIndex({ decisionDate: -1, _id: -1 });
    await coll.createIndex({ kind: 1, decisionDate: -1, _id: -1 });
    await coll.createIndex({ name: 1 });
    await coll.insertMany(
      Array.from({ length: 300 }, (_, i) => ({
        _id: new ObjectId(),
        kind: i % 3 === 0 ? 'license' : 'penalty',
        decisionDate: new Date(base + (i % 100) * 86_400_000),
        name: `企业${String(i).padStart(3, '0')}`,
        note: `n${i % 7}`,
      })),
    );
  });
  after(async () => {
    await client.db(db).dropDatabase().catch(() => undefined);
    await client.close();
  });

  const sorted = (docs: Doc[], key: string, dir: 1 | -1) =>
    [...docs].sort((a, b) => {
      const x = (a[key] as Date).getTime() - (b[key] as Date).getTime();
      return (x !== 0 ? x : String(a._id) < String(b._id) ? -1 : String(a._id) > String(b._id) ? 1 : 0) * dir;
    });

  it('newest first, _id as tie-breaker: ORDER BY through the index, no temporary sort, the right rows', async () => {
    const cursor = () => coll.find({}).sort({ decisionDate: -1, _id: -1 }).limit(20);
    if (embedded) {
      const { sql, plan } = sqlOf((await cursor().explain()) as Explain);
      expect(sql).to.match(/ORDER BY _ferretdb_sjson->"decisionDate" DESC, _ferretdb_sjson->"_id" DESC/);
      expect(plan).to.match(/SCAN \S+ USING INDEX \S+decisionDate/);
      expect(plan).not.to.include('TEMP B-TREE');
    }
    const all = await coll.find({}).toArray();
    const want = sorted(all, 'decisionDate', -1).slice(0, 20).map((d) => String(d._id));
    expect((await cursor().toArray()).map((d) => String(d._id))).to.deep.equal(want);
  });

  it('a keyset page (range on the sort field, then _id) is read in index order too', async () => {
    const all = sorted(await coll.find({}).toArray(), 'decisionDate', -1);
    const last = all[29]!;
    const v = last.decisionDate as Date;
    const filter = { $or: [{ decisionDate: { $lt: v } }, { decisionDate: v, _id: { $lt: last._id } }] } as mongoose.mongo.Filter<Doc>;
    const cursor = () => coll.find(filter).sort({ decisionDate: -1, _id: -1 }).limit(21);
    if (embedded) {
      const { sql, plan } = sqlOf((await cursor().explain()) as Explain);
      expect(sql).to.include('ORDER BY');
      expect(plan).not.to.include('TEMP B-TREE FOR ORDER BY');
    }
    expect((await cursor().toArray()).map((d) => String(d._id))).to.deep.equal(all.slice(30, 51).map((d) => String(d._id)));
  });

  it('an equality on the first key of a compound index, sorted by the next keys', async () => {
    const cursor = () => coll.find({ kind: 'license' }).sort({ decisionDate: 1, _id: 1 }).limit(10);
    if (embedded) {
      const { sql, plan } = sqlOf((await cursor().explain()) as Explain);
      // the census knows `kind` holds no array: a plain equality, an index range already in order
      expect(sql).to.include('WHERE _ferretdb_sjson->"kind" = ? ORDER BY _ferretdb_sjson->"decisionDate", _ferretdb_sjson->"_id"');
      expect(plan).to.match(/SEARCH \S+ USING INDEX \S+kind_1_decisionDate/);
      expect(plan).not.to.include('TEMP B-TREE');
    }
    const want = sorted(await coll.find({ kind: 'license' }).toArray(), 'decisionDate', 1).slice(5, 15).map((d) => String(d._id));
    expect((await cursor().skip(5).toArray()).map((d) => String(d._id))).to.deep.equal(want);
  });

  it('strings sort by their bytes; an unindexed sort field and a sort without a limit are not pushed', async () => {
    const names = (await coll.find({}).sort({ name: -1 }).limit(3).toArray()).map((d) => d.name);
    expect(names).to.deep.equal(['企业299', '企业298', '企业297']);
    if (embedded) {
      expect(sqlOf((await coll.find({}).sort({ name: 1 }).limit(3).explain()) as Explain).sql).to.include('ORDER BY');
      expect(sqlOf((await coll.find({}).sort({ note: 1 }).limit(3).explain()) as Explain).sql).not.to.include('ORDER BY');
      expect(sqlOf((await coll.find({}).sort({ decisionDate: -1 }).explain()) as Explain).sql).not.to.include('ORDER BY');
    }
  });

  it('queries arriving together on a fresh collection (one census pass) and writes in flight answer right', async () => {
    const c2 = client.db(db).collection<Doc>('fresh');
    await c2.createIndex({ decisionDate: -1, _id: -1 });
    await c2.insertMany(Array.from({ length: 500 }, (_, i) => ({ _id: new ObjectId(), decisionDate: new Date(base + (i % 40) * 86_400_000) })));
    const want = sorted(await c2.find({}).toArray(), 'decisionDate', -1).slice(0, 10).map((d) => String(d._id));
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        i % 2
          ? c2.insertOne({ _id: new ObjectId(), decisionDate: new Date(base - 86_400_000) }).then(() => want)
          : c2.find({}).sort({ decisionDate: -1, _id: -1 }).limit(10).toArray().then((r) => r.map((d) => String(d._id))),
      ),
    );
    for (const a of answers) expect(a).to.deep.equal(want);
    if (embedded) expect(sqlOf((await c2.find({}).sort({ decisionDate: -1, _id: -1 }).limit(10).explain()) as Explain).sql).to.include('ORDER BY');
  });

  it('one document out of class (a number in a date field) turns the pushdown off, answers stay right', async () => {
    const odd = await coll.insertOne({ _id: new ObjectId(), kind: 'penalty', decisionDate: 99_999_999_999_999 as unknown as Date, name: 'x' });
    try {
      if (embedded) expect(sqlOf((await coll.find({}).sort({ decisionDate: -1, _id: -1 }).limit(5).explain()) as Explain).sql).not.to.include('ORDER BY');
      // numbers sort before dates: the newest date still comes first
      const first = await coll.find({}).sort({ decisionDate: -1, _id: -1 }).limit(1).toArray();
      expect(first[0]!.decisionDate).to.be.instanceOf(Date);
    } finally {
      await coll.deleteOne({ _id: odd.insertedId });
    }
  });
});

describe('embedded database: sorted, limited answers equal a full scan (property)', function () {
  this.timeout(600_000);
  const db = `t_db_sortprop_${randomBytes(3).toString('hex')}`;
  let client: InstanceType<typeof mongoose.mongo.MongoClient>;
  let run = 0;

  before(async () => {
    client = new mongoose.mongo.MongoClient(process.env.TEST_MONGODB_URI!, { directConnection: true });
    await client.connect();
  });
  after(async () => {
    await client.db(db).dropDatabase().catch(() => undefined);
    await client.close();
  });

  // Clean values (the classes pushed down) and values that break SQLite's text order.
  const cleanDate = fc.date({ min: new Date('2001-09-10T00:00:00Z'), max: new Date('2286-01-01T00:00:00Z'), noInvalidDate: true });
  const anyDate = fc.oneof(
    fc.date({ min: new Date('1960-01-01T00:00:00Z'), max: new Date('2300-01-01T00:00:00Z'), noInvalidDate: true }),
    fc.constantFrom(new Date(0), new Date(999_999_999_999), new Date(1_000_000_000_000), new Date(9_999_999_999_999), new Date(10_000_000_000_000)),
  );
  const cleanStr = fc.oneof(fc.constantFrom('a', 'ab', 'abc', 'b', 'B', '区1', '区10', '区2', 'é', 'z9'), fc.stringMatching(/^[a-c区]{0,3}$/));
  const anyStr = fc.oneof(cleanStr, fc.constantFrom('', 'ab ', 'ab!', 'a"b', 'a\\b', '<&>', '\u2028', 'e\u0301', '9', 'null'), fc.string({ maxLength: 3 }));
  const num = fc.oneof(
    fc.integer({ min: -3, max: 30 }),
    fc.integer({ min: -3, max: 30 }).map((n) => new Double(n)),
    fc.integer({ min: -3, max: 30 }).map((n) => Long.fromNumber(n)),
    fc.constantFrom(0.5, 9.5, 1e21, -0, 1_700_000_000_000),
  );
  const odd = fc.oneof(num, anyDate, anyStr, fc.boolean(), fc.constant(null), fc.array(fc.oneof(cleanDate, cleanStr, num), { maxLength: 3 }));
  /** A column of values: clean of one class (pushed down) or with some odd values (not pushed). */
  const column = (clean: fc.Arbitrary<unknown>) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.option(clean, { nil: undefined, freq: 6 }) },
      { weight: 1, arbitrary: fc.oneof(clean, odd) },
    );
  const docShape = fc.tuple(fc.boolean(), fc.boolean()).chain(([dirtyD, dirtyS]) =>
    fc.array(
      fc.record({
        d: dirtyD ? column(cleanDate) : fc.option(cleanDate, { nil: undefined, freq: 8 }),
        s: dirtyS ? column(cleanStr) : fc.option(cleanStr, { nil: undefined, freq: 8 }),
        k: fc.constantFrom('x', 'y'),
      }),
      { minLength: 1, maxLength: 40 },
    ),
  );
  const sortArb = fc.oneof(
    fc.constantFrom(1, -1).map((o) => ({ d: o, _id: o })),
    fc.constantFrom(1, -1).map((o) => ({ s: o, _id: o })),
    fc.constantFrom(1, -1).map((o) => ({ k: 1, d: o, _id: o })),
    fc.constantFrom(1, -1).map((o) => ({ _id: o })),
    fc.constantFrom(1, -1).map((o) => ({ d: o, _id: -o })),
  );
  const filterArb = fc.oneof(
    fc.constant({}),
    fc.constantFrom('x', 'y').map((k) => ({ k })),
    cleanDate.map((v) => ({ d: { $lt: v } })),
    cleanDate.map((v) => ({ d: { $gte: v } })),
    cleanStr.map((v) => ({ s: { $gt: v } })),
    fc.tuple(cleanDate, fc.nat()).map(([v]) => ({ $or: [{ d: { $lt: v } }, { d: v }] })),
  );

  it('random documents (dates, strings, numbers, nulls, missing fields, arrays) × sorts × filters × skip/limit', async () => {
    let pushed = 0;
    await fc.assert(
      fc.asyncProperty(
        docShape,
        fc.array(fc.tuple(sortArb, filterArb, fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 12 })), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        async (ds, queries, oidIds) => {
          const coll = client.db(db).collection<Doc>(`c${run++}`);
          await coll.createIndex({ d: -1, _id: -1 });
          await coll.createIndex({ s: 1 });
          await coll.createIndex({ k: 1, d: -1, _id: -1 });
          await coll.insertMany(ds.map((d, i) => ({ ...d, _id: oidIds ? new ObjectId() : `p${String(i).padStart(2, '0')}` })));
          for (const [sort, filter, skip, limit] of queries) {
            const ask = (options: { comment?: string }) =>
              coll
                .find(filter as mongoose.mongo.Filter<Doc>, options)
                .sort(sort as Record<string, 1 | -1>)
                .skip(skip)
                .limit(limit)
                .project({ _id: 1 })
                .toArray()
                .then((r) => r.map((d) => String(d._id)));
            await sameAsScan(ask, JSON.stringify({ sort, filter, skip, limit }));
            if (embedded) {
              const ex = (await coll.find(filter as mongoose.mongo.Filter<Doc>).sort(sort as Record<string, 1 | -1>).limit(limit).explain()) as Explain;
              if (sqlOf(ex).sql.includes('ORDER BY')) pushed++;
            }
          }
          await coll.drop();
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 60) },
    );
    // the property exercised the pushed-down order, not only Go sorts
    if (embedded) expect(pushed).to.be.greaterThan(40);
  });
});

import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import mongoose from 'mongoose';
import { sameAsScan } from '../support/ownServer.js';

/**
 * Index use and exactness of the embedded database's query pushdown (patches 0002, 0003, 0005, 0007–0009).
 *
 * The patched FerretDB's explain reports the SQL the same find runs and SQLite's EXPLAIN QUERY PLAN
 * of it (queryPlanner.SQL / queryPlanner.Plan); on MongoDB (MONGODB_URI) the winning plan is read.
 * The property test compares every pushed-down answer with the same query run as a full scan
 * (a comment containing `ferretdb:nopushdown` turns pushdown off for one query).
 */
const { Double, Long } = mongoose.mongo;
type Doc = { _id: string; [field: string]: unknown };
type Explain = { queryPlanner?: { SQL?: string; Plan?: string[]; winningPlan?: unknown } };

/** The index the plan searches, or null for a full scan. */
function indexUsed(explain: Explain): string | null {
  const qp = explain.queryPlanner ?? {};
  if (qp.SQL !== undefined) {
    // FerretDB names the SQLite index of a declared index `<table>_<index name>`
    const table = /FROM "([^"]+)"/.exec(qp.SQL)?.[1] ?? '';
    const hit = (qp.Plan ?? []).map((row) => /USING INDEX (\S+) \(/.exec(row)?.[1]).find(Boolean);
    return hit ? hit.slice(table.length + 1) : null;
  }
  const m = /"indexName":"([^"]+)"/.exec(JSON.stringify(qp.winningPlan));
  return m ? m[1]! : null;
}

describe('embedded database: queries use the declared indexes', function () {
  this.timeout(60_000);
  const db = `t_db_push_${randomBytes(3).toString('hex')}`;
  let client: InstanceType<typeof mongoose.mongo.MongoClient>;
  let coll: mongoose.mongo.Collection<Doc>;

  before(async () => {
    client = new mongoose.mongo.MongoClient(process.env.TEST_MONGODB_URI!, { directConnection: true });
    await client.connect();
    coll = client.db(db).collection<Doc>('records');
    await coll.createIndex({ district: 1 });
    await coll.createIndex({ issuedAt: -1 });
    await coll.createIndex({ score: 1 });
    await coll.createIndex({ 'meta.level': 1 });
    const docs = Array.from({ length: 400 }, (_, i) => ({
      _id: `r${i}`,
      district: `区${i % 20}`,
      issuedAt: new Date(Date.UTC(2026, 0, 1) + i * 3_600_000),
      score: i % 100,
      note: `n${i % 7}`,
      meta: i % 50 === 0 ? [{ level: 'L1' }, { level: 'L9' }] : { level: `L${i % 4}` },
    }));
    await coll.insertMany(docs);
  });
  after(async () => {
    await client.db(db).dropDatabase().catch(() => undefined);
    await client.close();
  });

  const from = new Date(Date.UTC(2026, 0, 2));
  const to = new Date(Date.UTC(2026, 0, 3));
  const shapes: { name: string; filter: mongoose.mongo.Filter<Doc>; index: string; count: number }[] = [
    { name: '_id equality', filter: { _id: 'r7' }, index: '_id_', count: 1 },
    { name: '_id equality with further conditions', filter: { _id: 'r7', district: '区7', note: 'n0' }, index: '_id_', count: 1 },
    { name: '_id $in of 3', filter: { _id: { $in: ['r1', 'r2', 'r399', 'missing'] } }, index: '_id_', count: 3 },
    { name: 'equality on an indexed field', filter: { district: '区3' }, index: 'district_1', count: 20 },
    { name: '$in on an indexed field', filter: { district: { $in: ['区3', '区4'] } }, index: 'district_1', count: 40 },
    { name: 'date range on an indexed field', filter: { issuedAt: { $gte: from, $lt: to } }, index: 'issuedAt_-1', count: 24 },
    { name: 'number range on an indexed field', filter: { score: { $gt: 10, $lte: 12 } }, index: 'score_1', count: 8 },
    { name: '$or of indexed conditions', filter: { $or: [{ district: '区3' }, { district: '区4', score: { $gte: 1, $lt: 50 } }] }, index: 'district_1', count: 32 },
    { name: 'equality on an indexed dotted path (arrays of subdocuments included)', filter: { 'meta.level': 'L1' }, index: 'meta.level_1', count: 108 },
    { name: 'indexed equality with an unindexed condition', filter: { district: '区3', note: { $ne: 'x' } }, index: 'district_1', count: 20 },
  ];
  it('a literal $regex on an indexed field is a substring test in SQLite (patch 0007; unanchored: its substring index, 0017) and answers exactly', async () => {
    const filter = { district: { $regex: '区1', $options: 'i' } };
    const anchored = { district: { $regex: '^区1' } };
    const sqlOf = async (f: object) => ((await coll.find(f).explain()) as Explain).queryPlanner?.SQL;
    const [any, prefix] = [await sqlOf(filter), await sqlOf(anchored)];
    if (any !== undefined) expect(any).to.include('_substr_');
    if (prefix !== undefined) expect(prefix).to.include('instr(');
    // 区1 and 区10…区19: 11 of the 20 districts, 20 documents each
    expect(await coll.countDocuments(filter)).to.equal(220);
    expect(await coll.countDocuments(anchored)).to.equal(220);
    expect(await coll.countDocuments({ district: { $regex: '区1$' } })).to.equal(20);
  });
  for (const s of shapes) {
    it(`${s.name} searches index ${s.index} and answers exactly`, async () => {
      const explain = (await coll.find(s.filter).explain()) as Explain;
      expect(indexUsed(explain), JSON.stringify(explain.queryPlanner)).to.equal(s.index);
      expect(await coll.countDocuments(s.filter)).to.equal(s.count);
    });
  }

  it('a dotted path lets through only rows where a prefix is an array, not those where it is missing or null (patch 0008)', async () => {
    const explain = (await coll.find({ 'meta.level': 'L1' }).explain()) as Explain;
    if (explain.queryPlanner?.SQL !== undefined) expect(explain.queryPlanner.SQL).to.include("json_type(_ferretdb_sjson, '$.meta') = 'array'");
    expect(await coll.countDocuments({ 'meta.level': 'L1' })).to.equal(108);
  });

  it('$in with no values matches nothing and reads no row, on any field (patch 0009)', async () => {
    for (const filter of [{ district: { $in: [] } }, { note: { $in: [] } }, { _id: { $in: [] } }, { $or: [{ district: '区3' }, { note: { $in: [] } }] }] as mongoose.mongo.Filter<Doc>[]) {
      const explain = (await coll.find(filter).explain()) as Explain;
      if (explain.queryPlanner?.SQL !== undefined) expect(explain.queryPlanner.SQL, JSON.stringify(filter)).to.match(/WHERE .*\b0\b/);
    }
    expect(await coll.countDocuments({ district: { $in: [] } })).to.equal(0);
    expect(await coll.countDocuments({ note: { $in: [] } })).to.equal(0);
    expect(await coll.countDocuments({ $or: [{ district: '区3' }, { note: { $in: [] } }] })).to.equal(20);
  });

  it('a condition on an unindexed field is a full scan (the plan says so)', async () => {
    const explain = (await coll.find({ note: 'n1' }).explain()) as Explain;
    expect(indexUsed(explain)).to.equal(null);
    expect(await coll.countDocuments({ note: 'n1' })).to.equal(57);
  });
});

describe('embedded database: pushed-down queries answer exactly like a full scan (property)', function () {
  this.timeout(300_000);
  const db = `t_db_prop_${randomBytes(3).toString('hex')}`;
  let client: InstanceType<typeof mongoose.mongo.MongoClient>;
  let coll: mongoose.mongo.Collection<Doc>;
  const FIELDS = ['s', 'n', 'd', 'm', 'o.x', 'o.x.z'] as const; // all indexed; m holds anything; o is a document, an array of documents, a scalar, null or missing; o.x may hold documents (o.x.z: three levels, patch 0008)

  before(async () => {
    client = new mongoose.mongo.MongoClient(process.env.TEST_MONGODB_URI!, { directConnection: true });
    await client.connect();
    coll = client.db(db).collection<Doc>('props');
    for (const f of FIELDS) await coll.createIndex({ [f]: f === 'd' ? -1 : 1 });
  });
  after(async () => {
    await client.db(db).dropDatabase().catch(() => undefined);
    await client.close();
  });

  const tricky = fc.constantFrom('', 'a', 'A', 'ab', 'ab ', 'a"b', 'a\\b', '<&>', '区1', '区10', 'é', 'e\u0301', '\u2028', 'z', '[x]', '9', '10', 'null', 'true', '\u212A', 'ſ', 'k', 'S');
  const str = fc.oneof(tricky, fc.string({ maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 3 }));
  const int = fc.oneof(fc.integer({ min: -3, max: 30 }), fc.constantFrom(0, 1, 9, 10, 99, 100, 999, 1000, 2 ** 31 - 1, -(2 ** 31)));
  const num = fc.oneof(
    int,
    int.map((n) => new Double(n)), // integer-valued double
    int.map((n) => Long.fromNumber(n)),
    fc.double({ min: -50, max: 2000, noNaN: true }),
    fc.constantFrom(0.5, 9.5, 10.25, 1e-7, 1e21, 2 ** 53, -0),
  );
  const date = fc.oneof(
    fc.date({ min: new Date('1960-01-01T00:00:00Z'), max: new Date('2300-01-01T00:00:00Z'), noInvalidDate: true }),
    fc.constantFrom(new Date(0), new Date(999_999_999_999), new Date(1_000_000_000_000), new Date(9_999_999_999_999), new Date(10_000_000_000_000)),
  );
  const scalar = fc.oneof(str, num, date, fc.boolean(), fc.constant(null));
  const value = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) });
  const deep = fc.oneof(fc.record({ z: scalar }, { requiredKeys: [] }), fc.array(fc.record({ z: value }, { requiredKeys: [] }), { maxLength: 2 }));
  const sub = fc.oneof(fc.record({ x: value }, { requiredKeys: [] }), fc.record({ x: deep }), fc.record({ y: scalar }));
  const nested = fc.oneof(sub, fc.array(sub, { maxLength: 3 }), scalar);
  const doc = fc.record({ s: fc.oneof(str, value), n: fc.oneof(num, value), d: fc.oneof(date, value), m: value, o: nested }, { requiredKeys: [] });
  const docs = fc.array(doc, { minLength: 1, maxLength: 40 });

  type Filter = Record<string, unknown>;
  const field = fc.constantFrom(...FIELDS);
  const cond: fc.Arbitrary<Filter> = fc.oneof(
    fc.tuple(field, scalar).map(([f, v]) => ({ [f]: v })),
    fc.tuple(field, scalar).map(([f, v]) => ({ [f]: { $eq: v } })),
    fc.tuple(field, fc.array(scalar, { minLength: 0, maxLength: 4 })).map(([f, vs]) => ({ [f]: { $in: vs } })), // $in: [] too (patch 0009)
    fc
      .tuple(field, fc.constantFrom('$gt', '$gte'), fc.oneof(num, date), fc.option(fc.tuple(fc.constantFrom('$lt', '$lte'), fc.oneof(num, date)), { nil: undefined }))
      .map(([f, lop, lo, hi]) => ({ [f]: hi ? { [lop]: lo, [hi[0]]: hi[1] } : { [lop]: lo } })),
    fc.tuple(field, fc.constantFrom('$lt', '$lte'), fc.oneof(num, date)).map(([f, op, v]) => ({ [f]: { [op]: v } })),
    // $regex (patch 0007): literals (escaped as the service escapes a search), anchored or not, case-folded or not, and real patterns
    fc
      .tuple(field, fc.oneof(tricky, fc.string({ maxLength: 3 }), fc.constantFrom('A', 'a', 'É', 'ß', 'Σ', '区', '"')), fc.boolean(), fc.constantFrom('', 'i', 'm', 'is'))
      .map(([f, lit, anchored, options]) => ({ [f]: { $regex: `${anchored ? '^' : ''}${lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, ...(options ? { $options: options } : {}) } })),
    fc.tuple(field, fc.constantFrom('a.', '^a?', '\\d', 'a|b', '[ab]', '区\\b', '\\\\', '\\"')).map(([f, pattern]) => ({ [f]: { $regex: pattern } })),
  );
  const query: fc.Arbitrary<(ids: string[]) => Filter> = fc.oneof(
    cond.map((c) => () => c),
    fc.tuple(cond, cond).map(([a, b]) => () => ({ $and: [a, b] })),
    fc.array(cond, { minLength: 1, maxLength: 3 }).map((bs) => () => ({ $or: bs })),
    fc.tuple(fc.nat(), cond).map(([i, c]) => (ids: string[]) => ({ _id: ids[i % ids.length], ...c })),
    fc.array(fc.nat(), { minLength: 1, maxLength: 5 }).map((is) => (ids: string[]) => ({ _id: { $in: [...is.map((i) => ids[i % ids.length]), 'nope'] } })),
  );

  it('random documents (arrays, missing fields, nulls, int/long/double, dates, non-ASCII strings) × random filters', async () => {
    let pushedQueries = 0;
    await fc.assert(
      fc.asyncProperty(docs, fc.array(query, { minLength: 1, maxLength: 12 }), async (ds, qs) => {
        await coll.deleteMany({});
        const ids = ds.map((_, i) => `p${i}`);
        await coll.insertMany(ds.map((d, i) => ({ ...d, _id: ids[i]! })));
        for (const q of qs) {
          const filter = q(ids);
          const ask = (options: { comment?: string }) =>
            coll
              .find(filter, options)
              .project({ _id: 1 })
              .toArray()
              .then((r) => r.map((d) => String(d._id)).sort())
              .catch((e: Error) => {
                throw new Error(`${JSON.stringify(filter)}: ${e.message}`);
              });
          await sameAsScan(ask, JSON.stringify(filter));
          const sql = ((await coll.find(filter).explain()) as Explain).queryPlanner?.SQL;
          if (sql?.includes('WHERE')) pushedQueries++;
        }
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 100) },
    );
    // the property exercised pushdown, not only scans (on MongoDB there is no SQL to look at)
    if (!process.env.MONGODB_URI) expect(pushedQueries).to.be.greaterThan(100);
  });
});

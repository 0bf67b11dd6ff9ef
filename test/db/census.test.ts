import { expect } from 'chai';
import mongoose from 'mongoose';
import { ownServer, planOf, sameAsScan } from '../support/ownServer.js';
import { waitFor } from '../support/process.js';

/**
 * The sort census of the embedded database (patch 0005: which order class every row of an indexed field
 * holds) is computed ahead of the queries that use it (patch 0012): for a new collection as soon as its
 * indexes are created, and for every collection on disk when the server starts. Seen through explain:
 * with the census known, an equality and a date range on indexed fields are exact SQL conditions (one
 * index range); without it, they carry the array terms a field that might hold arrays needs. No sorted
 * query is made here, which is what computed the census before.
 * Runs its own server in its own directory (it restarts it).
 */
/** The ids a filter finds, checked equal to a full scan's (no pushdown); returns how many. */
async function countSameAsScan(coll: mongoose.mongo.Collection, filter: mongoose.mongo.Filter<mongoose.mongo.Document>): Promise<number> {
  const ids = await sameAsScan(async (options) => (await coll.find(filter, options).toArray()).map((x) => String(x._id)).sort(), JSON.stringify(filter));
  return ids.length;
}

describe('embedded database: the sort census is ready before the first sorted query', function () {
  this.timeout(60_000);
  let own: ReturnType<typeof ownServer>;

  beforeEach(() => {
    own = ownServer('credit-census-', 'census');
  });
  afterEach(() => own.dispose());

  const open = async () => (await own.open()).collection('records');
  const sqlOf = async (coll: mongoose.mongo.Collection) => (await planOf(coll.find({ kind: 'k1', decidedAt: { $gte: new Date(Date.UTC(2026, 0, 5)) } }))).sql;
  const exact = (sql: string) => / WHERE _ferretdb_sjson->"kind" = \? AND \(_ferretdb_sjson->"decidedAt" >= \?\)$/.test(sql);

  it('a new indexed collection at once, and every collection on disk after a restart', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string'); // no embedded server on MongoDB
    let coll = await open();
    await coll.createIndex({ kind: 1, decidedAt: -1 });
    await coll.insertMany(Array.from({ length: 40 }, (_, i) => ({ kind: `k${i % 3}`, decidedAt: new Date(Date.UTC(2026, 0, 1 + i)) })));
    let sql = '';
    await waitFor(async () => exact((sql = await sqlOf(coll))), 10_000, 'exact conditions on the new collection');
    expect(await coll.countDocuments({ kind: 'k1', decidedAt: { $gte: new Date(Date.UTC(2026, 0, 5)) } })).to.equal(12);

    coll = await open();
    await waitFor(async () => exact((sql = await sqlOf(coll))), 10_000, `exact conditions after a restart (last: ${sql})`);
    expect(await coll.countDocuments({ kind: 'k1', decidedAt: { $gte: new Date(Date.UTC(2026, 0, 5)) } })).to.equal(12);
  });

  it('an `_id` equality or $in drives the query; the other conditions cannot pick an index', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    const coll = await open();
    await coll.createIndex({ kind: 1, decidedAt: -1 });
    await coll.insertMany(Array.from({ length: 300 }, (_, i) => ({ kind: `k${i % 2}`, decidedAt: new Date(Date.UTC(2026, 0, 1 + (i % 28))) })));
    await waitFor(async () => exact(await sqlOf(coll)), 10_000, 'the census');
    const ids = (await coll.find({}, { projection: { _id: 1 } }).limit(40).toArray()).map((d) => d._id);
    for (const filter of [{ _id: { $in: ids }, kind: 'k1' }, { $and: [{ _id: ids[3] }, { kind: 'k1' }] }]) {
      const { sql, plan } = await planOf(coll.find(filter));
      expect(plan, JSON.stringify(filter)).to.match(/USING INDEX \S+__id_ /);
      expect(sql).to.include('(+_ferretdb_sjson)->"kind"');
      await countSameAsScan(coll, filter);
    }
  });

  it('dotted index paths have a census too: exact conditions pick the delivery index, until a prefix holds an array', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    let coll = await open();
    await coll.createIndex({ kind: 1, decidedAt: -1 });
    await coll.createIndex({ 'd.p.state': 1, kind: 1, 'd.p.due': 1 });
    const now = new Date(Date.UTC(2026, 5, 1));
    await coll.insertMany([
      ...Array.from({ length: 60 }, (_, i) => ({
        kind: `k${i % 2}`,
        decidedAt: new Date(Date.UTC(2026, 0, 1 + (i % 28))),
        d: { p: i % 3 === 0 ? { state: 'pending', due: new Date(now.getTime() - (i % 5) * 60_000 + (i % 4 === 0 ? 3_600_000 : 0)) } : { state: 'delivered', due: null } },
      })),
      { kind: 'k1', decidedAt: now }, // no `d`: the path is missing
      { kind: 'k1', decidedAt: now, d: null }, // a null prefix
      { kind: 'k1', decidedAt: now, d: { p: 'x' } }, // a scalar prefix
    ]);
    const filter = { 'd.p.state': 'pending', kind: 'k1', 'd.p.due': { $lte: now } };
    const plan = () => planOf(coll.find(filter));
    const exactState = (sql: string) => sql.includes('_ferretdb_sjson->"d"->"p"->"state" = ?') && !sql.includes('json_type');
    let got = { sql: '', plan: '' };
    await waitFor(async () => exactState((got = await plan()).sql), 10_000, 'exact dotted conditions on the new collection');
    expect(got.plan).to.match(/USING INDEX \S*d\.p\.state/);
    const due = await countSameAsScan(coll, filter);
    expect(due).to.be.greaterThan(0);

    // after a restart, the census of the dotted paths is computed from the stored documents
    coll = await open();
    await waitFor(async () => exactState((got = await plan()).sql), 10_000, `exact dotted conditions after a restart (last: ${got.sql})`);
    expect(got.plan).to.match(/USING INDEX \S*d\.p\.state/);
    expect(await countSameAsScan(coll, filter)).to.equal(due);

    // an array prefix: MongoDB matches its elements' fields, which the path expression cannot show
    await coll.insertOne({ kind: 'k1', decidedAt: now, d: [{ p: { state: 'pending', due: now } }] });
    expect(exactState((await plan()).sql)).to.equal(false);
    expect(await countSameAsScan(coll, filter)).to.equal(due + 1);
    coll = await open();
    await new Promise((r) => setTimeout(r, 1000));
    expect(exactState((await plan()).sql)).to.equal(false);
    expect(await countSameAsScan(coll, filter)).to.equal(due + 1);
  });

  it('a window on the leading key of a pushed-down sort drives the query; other exact conditions cannot pick an index', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    const coll = await open();
    await coll.createIndex({ updatedAt: 1 });
    await coll.createIndex({ 'd.state': 1, kind: 1, 'd.due': 1 });
    const t0 = Date.UTC(2026, 5, 1);
    await coll.insertMany(Array.from({ length: 400 }, (_, i) => ({ kind: `k${i % 2}`, updatedAt: new Date(t0 + ((i * 7919) % 36_000) * 1000), d: { state: i % 5 ? 'pending' : 'delivered', due: new Date(t0) } })));
    const hour = (h: number) => new Date(t0 + h * 3_600_000);
    const window = { $and: [{ updatedAt: { $gte: hour(3), $lt: hour(4) } }, { 'd.state': { $in: ['pending'] } }] };
    const oneSided = { $and: [{ updatedAt: { $gte: hour(3) } }, { 'd.state': { $in: ['pending'] } }] };
    const explainOf = (filter: object) => planOf(coll.find(filter).sort({ updatedAt: 1 }).limit(1));
    let got = { sql: '', plan: '' };
    await waitFor(async () => (got = await explainOf(window)).sql.includes('ORDER BY') && got.sql.includes('->"state" IN (?)'), 10_000, 'the census (sort pushed down, exact state)');
    expect(got.plan).to.match(/USING INDEX \S*updatedAt/);
    expect(got.plan).not.to.include('TEMP B-TREE');
    expect(got.sql).to.include('(+_ferretdb_sjson)->"d"->"state"');
    // a one-sided range is no window: the conditions keep their indexes
    expect((await explainOf(oneSided)).sql).not.to.include('(+');
    for (const filter of [window, oneSided]) {
      const first = await sameAsScan(async (options) => (await coll.find(filter, options).sort({ updatedAt: 1 }).limit(1).toArray()).map((x) => x.updatedAt.toISOString()), JSON.stringify(filter));
      expect(first).to.have.length(1);
    }
  });

  it('an $or beside an exact equality or $in on a leading index field does not drive the query', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    const coll = await open();
    await coll.createIndex({ day: 1 });
    await coll.createIndex({ 'd.a.state': 1 });
    await coll.createIndex({ 'd.b.state': 1 });
    const day = (i: number) => `2026-06-${String(1 + (i % 30)).padStart(2, '0')}`;
    await coll.insertMany(Array.from({ length: 600 }, (_, i) => ({ day: day(i), d: { a: { state: i % 4 ? 'pending' : 'delivered' }, b: { state: i % 3 ? 'pending' : 'failed' } } })));
    const states = ['pending', 'failed'];
    const either = { $or: [{ 'd.a.state': { $in: states } }, { 'd.b.state': { $in: states } }] };
    const beside = { $and: [{ day: { $in: Array.from({ length: 20 }, (_, i) => day(i)) }, ...either }] };
    const explainOf = (filter: object) => planOf(coll.find(filter));
    let got = { sql: '', plan: '' };
    await waitFor(async () => (got = await explainOf(beside)).sql.includes('->"day" IN ('), 10_000, 'the census (exact conditions)');
    expect(got.sql).to.include('(+_ferretdb_sjson)->"d"->"a"->"state" IN (');
    expect(got.plan).to.match(/USING INDEX \S*day_1/);
    expect(got.plan).not.to.include('MULTI-INDEX OR');
    // alone, the $or may still be answered as a union of index searches
    expect((await explainOf(either)).sql).not.to.include('(+');
    for (const filter of [beside, either]) expect(await countSameAsScan(coll, filter)).to.be.greaterThan(0);
  });

  it('without an index the census is not computed: the conditions stay for the Go filter', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    const coll = await open();
    await coll.insertMany(Array.from({ length: 10 }, (_, i) => ({ kind: `k${i % 3}`, decidedAt: new Date(Date.UTC(2026, 0, 1 + i)) })));
    await new Promise((r) => setTimeout(r, 500));
    expect(await sqlOf(coll)).to.not.include('WHERE');
    expect(await coll.countDocuments({ kind: 'k1', decidedAt: { $gte: new Date(Date.UTC(2026, 0, 5)) } })).to.equal(2);
  });
});

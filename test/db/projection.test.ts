import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { sameAsScan } from '../support/ownServer.js';

/**
 * A find with an inclusion projection reads only the fields it needs (patch 0019): the embedded database
 * cuts each stored document to the projection's, the filter's and the sort's top-level fields (and `_id`)
 * before decoding it. Every answer is compared with the same find run without pushdown
 * (`ferretdb:nopushdown`, whole documents), over values of every type the embedded database stores and
 * field names SQL and JSON paths must quote; explain shows which finds are cut.
 */
const { Double, Long, Int32, Binary, ObjectId, Timestamp, BSONRegExp } = mongoose.mongo;
type Explain = { queryPlanner?: { SQL?: string } };

describe('embedded database: a find decodes only the fields its projection, filter and sort read', function () {
  this.timeout(60_000);
  const dbName = `t_db_proj_${randomBytes(3).toString('hex')}`;
  let client: InstanceType<typeof mongoose.mongo.MongoClient>;
  let coll: mongoose.mongo.Collection;

  before(async () => {
    client = new mongoose.mongo.MongoClient(process.env.TEST_MONGODB_URI!, { directConnection: true, promoteValues: false, promoteLongs: false });
    await client.connect();
    coll = client.db(dbName).collection('records');
    await coll.createIndex({ k: 1 });
    await coll.insertMany([
      {
        _id: 1 as never,
        k: 'a',
        d: new Double(0.1 + 0.2),
        third: new Double(1 / 3),
        tiny: new Double(5e-324),
        huge: new Double(1.7976931348623157e308),
        neg0: new Double(-0),
        big: Long.fromString('9007199254740993'),
        i: new Int32(7),
        t: true,
        f: false,
        n: null,
        s: 'it\'s "quoted" 键 \\ /',
        arr: [1, 'x', { y: new Double(2.5) }, { z: [] }],
        nested: { a: { b: new Double(1e-300) }, c: [] },
        'a b': 1,
        "x'y": 2,
        键: 4,
        bin: new Binary(Buffer.from([1, 2, 3])),
        oid: new ObjectId('65a0c0ffee0000000000abcd'),
        date: new Date(1234567890123),
        ts: new Timestamp({ t: 5, i: 6 }),
        re: new BSONRegExp('a.*b', 'i'),
        delivery: { city: { state: 'failed', attempts: new Int32(3) }, nation: { state: 'delivered' } },
      },
      { _id: 2 as never, k: 'b', d: new Double(2), nested: {}, delivery: { city: { state: 'pending' } } },
      { _id: 3 as never, k: 'c', t: false },
    ]);
  });
  after(async () => {
    await client.db(dbName).dropDatabase();
    await client.close();
  });

  const projections: Record<string, number | boolean>[] = [
    { d: 1, third: 1, tiny: 1, huge: 1, neg0: 1, big: 1, i: 1 },
    { s: 1, arr: 1, 'nested.a.b': 1 },
    { 'a b': 1, "x'y": 1, 键: 1, _id: 0 },
    { bin: true, oid: 1, date: 1, ts: 1, re: 1, t: 1, f: 1, n: 1 },
    { 'delivery.city.state': 1, k: 1 },
    { missing: 1 },
  ];
  const filters: object[] = [{}, { k: { $in: ['a', 'b'] } }, { $or: [{ d: { $gt: 1 } }, { t: true }] }, { 'nested.a.b': { $exists: true } }, { 'delivery.city.state': 'failed' }, { $nor: [{ k: 'a' }] }];
  const sorts = [undefined, { k: -1 }, { d: 1, _id: -1 }];

  it('answers every projection, filter and sort as the whole documents do', async () => {
    let compared = 0;
    for (const projection of projections)
      for (const filter of filters)
        for (const sort of sorts) {
          const ask = (options: { comment?: string }) => coll.find(filter, { projection, ...(sort ? { sort: sort as never } : {}), ...options }).toArray();
          await sameAsScan(ask, JSON.stringify({ projection, filter, sort }));
          compared++;
        }
    expect(compared).to.equal(108);
  });

  it('cuts the documents only when the fields read are known: an inclusion projection, a filter of fields', async function () {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string'); // SQL is the embedded database's
    const sql = async (filter: object, projection?: object) => ((await coll.find(filter, projection ? { projection } : {}).explain()) as Explain).queryPlanner?.SQL ?? '';
    const cut = await sql({ k: 'a' }, { d: 1 });
    expect(cut).to.include('json_each(_ferretdb_sjson)').and.include("IN ('_id', 'd', 'k')");
    expect(await sql({ k: 'a' }, { 'delivery.city.state': 1 })).to.include("IN ('_id', 'delivery', 'k')");
    expect(await sql({ k: 'a' })).not.to.include('json_each');
    expect(await sql({ k: 'a' }, { d: 0 }), 'an exclusion projection').not.to.include('json_each');
    expect(await sql({ k: 'a' }, { arr: { $slice: 1 } }), 'a projection operator').not.to.include('json_each');
    expect(await sql({ $expr: '$t' }, { d: 1 }), 'a filter that may read any field').not.to.include('json_each');
    expect(await coll.find({ $expr: '$t' }, { projection: { d: 1 } }).toArray()).to.deep.equal([{ _id: new Int32(1), d: new Double(0.1 + 0.2) }]);
  });
});

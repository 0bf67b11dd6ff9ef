import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';

/**
 * An update that would break a unique index answers duplicate key (11000), as on MongoDB — for update,
 * findAndModify and upsert alike (patch 0006) — and changes nothing.
 */
describe('embedded database: an update breaking a unique index is a duplicate key error', function () {
  this.timeout(60_000);
  const db = `t_db_dup_${randomBytes(3).toString('hex')}`;
  let client: InstanceType<typeof mongoose.mongo.MongoClient>;
  let coll: mongoose.mongo.Collection<{ _id: string; number: string; n?: number }>;

  before(async () => {
    client = new mongoose.mongo.MongoClient(process.env.TEST_MONGODB_URI!, { directConnection: true });
    await client.connect();
    coll = client.db(db).collection('keys');
    await coll.createIndex({ number: 1 }, { unique: true });
    await coll.insertMany([
      { _id: 'a', number: 'N-1' },
      { _id: 'b', number: 'N-2' },
    ]);
  });
  after(async () => {
    await client.db(db).dropDatabase();
    await client.close();
  });

  const codeOf = async (p: Promise<unknown>) => p.then(() => null, (err: { code?: number }) => err.code ?? -1);

  it('updateOne, findOneAndUpdate and an upsert each answer 11000 and leave the documents as they were', async () => {
    expect(await codeOf(coll.updateOne({ _id: 'b' }, { $set: { number: 'N-1' } }))).to.equal(11000);
    expect(await codeOf(coll.findOneAndUpdate({ _id: 'b' }, { $set: { number: 'N-1' } }))).to.equal(11000);
    expect(await codeOf(coll.updateOne({ _id: 'c' }, { $set: { number: 'N-2' } }, { upsert: true }))).to.equal(11000);
    expect(await coll.find({}).sort({ _id: 1 }).toArray()).to.deep.equal([
      { _id: 'a', number: 'N-1' },
      { _id: 'b', number: 'N-2' },
    ]);
    // A non-conflicting update still works.
    expect((await coll.updateOne({ _id: 'b' }, { $set: { number: 'N-3' } })).modifiedCount).to.equal(1);
  });
});

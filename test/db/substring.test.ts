import { expect } from 'chai';
import mongoose from 'mongoose';
import { ownServer, planOf, sameAsScan } from '../support/ownServer.js';

/**
 * Substring indexes of the embedded database (patch 0017). A search for any part of a name
 * (`{name: {$regex: <escaped text>, $options: 'i'}}`, as the enterprise list asks) is answered from an
 * FTS5 trigram table FerretDB builds the first time a field some declared index has as a key is searched
 * that way, and keeps with triggers. Seen through explain (the SQL run and SQLite's plan); every answer is
 * compared with the same query run as a full scan (`ferretdb:nopushdown`), after inserts, renames,
 * deletes, a restart, a full compaction, and the index or the collection dropped and made again.
 * Runs its own server in its own directory (it restarts it).
 */
type Doc = { _id: string; uscc: string; name?: unknown; district?: string; n?: number };

/** A search as the service writes it: the text escaped, any case. */
const search = (text: string, options = 'i') => ({ name: { $regex: text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), ...(options ? { $options: options } : {}) } });

const NAMES = ['化工', '建材', '机械', 'Alpha Trading', 'beta_tech', '100%纯', '物流'];
const docs = (n: number, tag = ''): Doc[] =>
  Array.from({ length: n }, (_, i) => ({
    _id: `e${tag}${i}`,
    uscc: `9${tag || '1'}${String(i).padStart(16, '0')}`,
    name: i % 97 === 0 ? [`${tag}集团${i}`, `分公司${NAMES[i % NAMES.length]}`] : i % 89 === 0 ? 42 : `${tag}某某${NAMES[i % NAMES.length]}有限公司${i}`,
    district: `3201${String(i % 12).padStart(2, '0')}`,
  }));

describe('embedded database: substring indexes answer a search for any part of a name', function () {
  this.timeout(120_000);
  const own = ownServer('credit-substr-', 'substr');
  let db: mongoose.mongo.Db;
  after(() => own.dispose());

  const open = async () => (db = await own.open()).collection<Doc>('enterprises');

  /** The ids a filter finds (sorted by uscc, optionally limited), checked equal to a full scan's; returns them. */
  const idsLikeScan = async (coll: mongoose.mongo.Collection<Doc>, filter: mongoose.mongo.Filter<Doc>, limit = 0) => {
    const ask = (options: { comment?: string }) =>
      coll
        .find(filter, options)
        .sort({ uscc: 1 })
        .limit(limit)
        .toArray()
        .then((r) => r.map((d) => d._id));
    return sameAsScan(ask, JSON.stringify(filter));
  };
  const texts = ['化工', '某某机械', 'alpha', 'ALPHA TRAD', 'Beta_', '_', '100%', '%纯', '集团', '公司', '工', 'nothing here', '有限公司1234'];
  const allSameAsScan = async (coll: mongoose.mongo.Collection<Doc>) => {
    let found = 0;
    for (const t of texts) {
      for (const options of ['i', '']) found += (await idsLikeScan(coll, search(t, options))).length;
      found += (await idsLikeScan(coll, { $and: [{ district: '320103' }, search(t)] }, 20)).length;
    }
    return found;
  };

  it('built at the first search, used by every later one, and exact', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string'); // no embedded server on MongoDB
    const coll = await open();
    await coll.createIndex({ uscc: 1 }, { unique: true });
    await coll.createIndex({ name: 1 });
    await coll.createIndex({ district: 1, uscc: 1 });
    await coll.insertMany(docs(3000));

    const one = await idsLikeScan(coll, search('有限公司1234'));
    expect(one).to.deep.equal(['e1234']);
    const unsorted = await planOf(coll.find(search('有限公司1234')));
    expect(unsorted.sql).to.match(/\(rowid IN \(SELECT rowid FROM "enterprises_[0-9a-f]{8}_substr_[0-9a-f]{8}" WHERE v MATCH \?\)\)/);
    expect(unsorted.plan, 'the trigram table drives').to.match(/VIRTUAL TABLE INDEX/);
    // under 3 characters there is no trigram to look up: a LIKE over the trigram table's texts, still exact
    expect((await planOf(coll.find(search('公司')))).sql).to.include('WHERE v LIKE ?');
    expect(await idsLikeScan(coll, search('工'))).to.have.length.greaterThan(400);

    // a page of a sorted list walks the sort's index, the substring search filtering (no sort of every match)
    const sorted = await planOf(coll.find(search('公司')).sort({ uscc: 1 }).limit(21));
    expect(sorted.sql).to.include('(+rowid IN (SELECT rowid FROM');
    expect(sorted.plan).to.match(/USING INDEX enterprises_[0-9a-f]{8}_uscc_1/);
    expect(sorted.plan).not.to.include('USE TEMP B-TREE FOR ORDER BY');

    // an anchored prefix and a real pattern are not substring searches
    expect((await planOf(coll.find({ name: { $regex: '^某某' } }))).sql).not.to.include('_substr_');
    expect((await planOf(coll.find({ name: { $regex: '化.' } }))).sql).not.to.include('_substr_');
    // a field no index has as a key gets none
    expect((await planOf(coll.find({ note: { $regex: 'x' } }))).sql).not.to.include('_substr_');

    expect(await allSameAsScan(coll)).to.be.greaterThan(3000);
  });

  it('kept by inserts, renames, deletes and arrays; kept over a restart and a full compaction', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    let coll = await open();
    await coll.insertMany(docs(200, 'n'));
    await coll.updateMany({ _id: { $in: ['e7', 'e14', 'e21'] } }, { $set: { name: '新名称ALPHA Trading' } });
    await coll.updateOne({ _id: 'e1' }, { $set: { name: ['数组名化工', 7] } });
    await coll.updateOne({ _id: 'e2' }, { $unset: { name: '' } });
    await coll.updateOne({ _id: 'e3' }, { $set: { district: '320199' } }); // the name unchanged
    await coll.deleteMany({ _id: { $in: ['e1234', 'e1235'] } });
    expect(await idsLikeScan(coll, search('有限公司1234'))).to.deep.equal([]);
    expect(await idsLikeScan(coll, search('新名称alpha'))).to.deep.equal(['e7', 'e14', 'e21']);
    expect(await idsLikeScan(coll, search('数组名'))).to.deep.equal(['e1']);
    const before = await allSameAsScan(coll);

    coll = await open();
    expect((await planOf(coll.find(search('化工')))).sql, 'kept on disk').to.include('_substr_');
    expect(await allSameAsScan(coll)).to.equal(before);

    await db.command({ compact: 'enterprises', force: true });
    expect(await allSameAsScan(coll)).to.equal(before);
    await coll.insertOne({ _id: 'late', uscc: '92000000000000000X', name: '压实后新增化工' });
    expect(await idsLikeScan(coll, search('压实后'))).to.deep.equal(['late']);
  });

  it('dropped with the last index on the field, and with the collection: a new one never reads old rows', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    let coll = await open();
    await coll.dropIndex('name_1');
    expect((await planOf(coll.find(search('化工')))).sql).not.to.include('_substr_');
    await coll.insertOne({ _id: 'unindexed', uscc: '93000000000000000X', name: '无索引期间化工' });
    await coll.createIndex({ name: 1 });
    expect(await idsLikeScan(coll, search('无索引期间'))).to.deep.equal(['unindexed']);
    expect((await planOf(coll.find(search('化工')))).sql).to.include('_substr_');

    await coll.drop();
    coll = db.collection<Doc>('enterprises');
    await coll.createIndex({ name: 1 });
    await coll.insertMany(docs(300, 'r'));
    expect(await idsLikeScan(coll, search('无索引期间'))).to.deep.equal([]);
    expect(await idsLikeScan(coll, search('r某某化工'))).to.have.length.greaterThan(30);
    expect(await allSameAsScan(coll)).to.be.greaterThan(300);
  });

  it('concurrent writes to a searched collection never fail with "database is locked" (patch 0018)', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    // A pooled connection connects the trigram table (reading its configuration) when it next prepares a
    // statement on the table after any schema change. Inside a deferred transaction that read made the write
    // that followed an upgrade, refused at once while another connection wrote: 10 of 1,000 writes failed.
    if (!db) await open(); // when run alone
    const coll = db.collection<Doc>('busy');
    await coll.createIndex({ name: 1 });
    await coll.insertMany(Array.from({ length: 20 }, (_, i) => ({ _id: `b${i}`, uscc: `b${i}`, name: `企业${i}`, n: 0 })));
    expect(await coll.countDocuments(search('业1'))).to.equal(11); // builds the trigram table
    const failures: string[] = [];
    for (let round = 0; round < 20; round++) {
      await db.createCollection(`schema_change_${round}`);
      const writes = await Promise.allSettled([
        ...Array.from({ length: 20 }, (_, i) => coll.updateOne({ _id: `b${i}` }, { $inc: { n: 1 } })),
        ...Array.from({ length: 10 }, (_, i) => coll.insertOne({ _id: `r${round}-${i}`, uscc: `r${round}-${i}`, name: `新企业${round}-${i}`, n: 0 })),
        ...Array.from({ length: 20 }, (_, i) => db.collection('other_writes').insertOne({ round, i })),
      ]);
      for (const w of writes) if (w.status === 'rejected') failures.push(String(w.reason));
    }
    expect(failures.slice(0, 3)).to.deep.equal([]);
    const counts = await coll.find({ _id: { $regex: '^b' } }).toArray();
    expect(counts.map((d) => d.n)).to.deep.equal(Array(20).fill(20));
    expect(await idsLikeScan(coll, search('新企业19-'))).to.have.length(10);
  });
});

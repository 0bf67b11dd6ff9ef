import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { connectMongoose } from '../../src/db/connection.js';
import { checkTally, readTally, recountTally, sweepTally, TallyModel, TallyStateModel, type SweepOptions } from '../../src/db/tally.js';
import { ItemModel, randomWrite, seeded } from './tallyItems.js';

/**
 * Summaries kept with each write (src/db/tally.ts) on the real database: every write path marks its
 * document; a sweep counts it once; a worker stopped after any step (or SIGKILLed in a child process) loses
 * nothing and counts nothing twice; a recount repairs summaries and documents written around the model.
 */
describe('summaries kept with each write (tally)', function () {
  this.timeout(300_000);
  const dbName = `t_tally_${randomBytes(3).toString('hex')}`;

  before(async () => {
    await connectMongoose(process.env.TEST_MONGODB_URI!, dbName);
  });
  after(async () => {
    await mongoose.connection.dropDatabase();
    await mongoose.disconnect();
  });
  beforeEach(async () => {
    await ItemModel.deleteMany({});
    await TallyModel.deleteMany({});
    await TallyStateModel.deleteMany({});
  });

  const counts = async (family: string) =>
    Object.fromEntries((await readTally('items', family)).rows.map((r) => [Object.values(r.dims).join('/'), r.n]).sort(([a], [b]) => String(a).localeCompare(String(b))));
  const expectExact = async () => {
    const check = await checkTally('items');
    expect(check.differences, JSON.stringify(check.differences)).to.deep.equal([]);
    return check;
  };

  it('marks every write made through the model: create, insertMany, updateOne, updateMany, findOneAndUpdate, bulkWrite', async () => {
    const [a] = await ItemModel.insertMany([{ colour: 'red', size: 1 }]);
    const b = await ItemModel.create({ colour: 'blue', size: 1 });
    await sweepTally('items');
    expect(await ItemModel.countDocuments({ tallyDirty: true })).to.equal(0);
    const writes: [string, () => Promise<unknown>][] = [
      ['updateOne', () => ItemModel.updateOne({ _id: a._id }, { $set: { size: 2 } })],
      ['updateMany', () => ItemModel.updateMany({ _id: b._id }, { size: 2 })],
      ['findOneAndUpdate', () => ItemModel.findOneAndUpdate({ _id: a._id }, { $inc: { size: 1 } })],
      ['bulkWrite', () => ItemModel.bulkWrite([{ updateOne: { filter: { _id: b._id }, update: { $set: { colour: 'green' } } } }])],
    ];
    for (const [what, write] of writes) {
      await write();
      expect(await ItemModel.countDocuments({ tallyDirty: true }), what).to.equal(1);
      await sweepTally('items');
    }
    const inserted = await ItemModel.bulkWrite([{ insertOne: { document: { colour: 'red', size: 0 } } }]);
    expect(inserted.insertedCount).to.equal(1);
    expect(await ItemModel.countDocuments({ tallyDirty: true })).to.equal(1);
    expect(await counts('itemsBySize')).to.deep.equal({ 'green/2': 1, 'red/0': 1, 'red/3': 1 });
    expect(await counts('itemsByColour')).to.deep.equal({ green: 1, red: 2 });
    await expectExact();
    // Labels are kept with the summary; a replacement (which would drop the document's keys) is refused.
    expect((await readTally('items', 'itemsByColour')).rows.find((r) => r.dims.colour === 'red')?.labels).to.deep.equal({ name: 'RED' });
    let refused: unknown;
    await ItemModel.bulkWrite([{ replaceOne: { filter: { _id: a._id }, replacement: { colour: 'red', size: 0 } } }]).catch((err: unknown) => (refused = err));
    expect(String(refused)).to.match(/replaceOne/);
  });

  it('a key value holding the separator stays one dimension value', async () => {
    await ItemModel.create({ colour: 'a|b', size: 0 });
    expect(await counts('itemsByColour')).to.deep.equal({ 'a/b': 1 });
    await expectExact();
  });

  for (const step of ['noted', 'applied', 'keysStored'] as const satisfies SweepOptions['crashAfter'][]) {
    it(`a worker stopped after "${step}" loses nothing and counts nothing twice; the next sweep finishes its operation`, async () => {
      const rnd = seeded(step.length * 7919);
      for (let i = 0; i < 30; i++) await randomWrite(rnd);
      await sweepTally('items');
      for (let i = 0; i < 30; i++) await randomWrite(rnd);
      const stopped = await sweepTally('items', { batchSize: 7, crashAfter: step });
      expect(stopped.batches).to.equal(0);
      expect((await TallyStateModel.findById('items').lean())?.op, 'the operation is left noted').to.not.equal(undefined);
      // Writes keep coming in meanwhile, also to the documents of the stopped operation.
      for (let i = 0; i < 20; i++) await randomWrite(rnd);
      await sweepTally('items', { batchSize: 5 });
      expect((await TallyStateModel.findById('items').lean())?.op).to.equal(undefined);
      expect(await ItemModel.countDocuments({ tallyDirty: true })).to.equal(0);
      const check = await expectExact();
      expect(check.documents).to.be.greaterThan(20);
    });
  }

  it('a document written between the worker reading it and storing its keys stays dirty and is counted by its new content', async () => {
    const docs = await ItemModel.insertMany(Array.from({ length: 6 }, (_, i) => ({ colour: 'red', size: i % 3 })));
    await sweepTally('items', { crashAfter: 'applied' });
    const noted = (await TallyStateModel.findById('items').lean())?.op as { docs: { id: unknown }[] } | undefined;
    expect(noted?.docs).to.have.length(6);
    // The write lands after the worker read the batch and counted it, before it stored the keys.
    await ItemModel.updateOne({ _id: docs[0]!._id }, { $set: { colour: 'blue' } });
    expect((await ItemModel.findById(docs[0]!._id).lean())?.tallyRev).to.equal(1);
    await sweepTally('items');
    expect(await counts('itemsByColour')).to.deep.equal({ blue: 1, red: 5 });
    await expectExact();
  });

  it('random writes with a worker stopped at random steps: summaries equal a recount at the end', async () => {
    const rnd = seeded(20261201);
    const steps = [undefined, 'noted', 'applied', 'keysStored'] as const;
    for (let round = 0; round < 40; round++) {
      await Promise.all(Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => randomWrite(rnd)));
      if (rnd() < 0.6) await sweepTally('items', { batchSize: 1 + Math.floor(rnd() * 8), crashAfter: steps[Math.floor(rnd() * steps.length)] });
    }
    await sweepTally('items');
    await expectExact();
  });

  it('the recount repairs a drifted summary and a document written around the model', async () => {
    for (let i = 0; i < 10; i++) await ItemModel.create({ colour: i % 2 ? 'red' : 'blue', size: i % 3 });
    await sweepTally('items');
    await TallyModel.updateOne({ _id: 'itemsByColour|red' }, { $inc: { n: 5 } });
    await ItemModel.collection.updateOne({ colour: 'blue' }, { $set: { colour: 'green' } }); // no mark
    expect((await checkTally('items')).differences).to.have.length.greaterThan(0);
    const r = await recountTally('items');
    expect(r).to.include({ ran: true, documents: 10, marked: 1 });
    await sweepTally('items');
    await expectExact();
    expect(await counts('itemsByColour')).to.deep.equal({ blue: 4, green: 1, red: 5 });
  });

  it('a source never recounted (documents written before summaries existed) is counted by its first sweep', async () => {
    await ItemModel.collection.insertMany([
      { colour: 'red', size: 1 },
      { colour: 'red', size: 2 },
    ]);
    expect(await counts('itemsByColour')).to.deep.equal({ red: 2 });
    expect((await TallyStateModel.findById('items').lean())?.recountedAt).to.be.instanceOf(Date);
  });

  it('writers and sweepers in several processes, each SIGKILLed at a random moment: summaries equal a recount at the end', async () => {
    const uri = process.env.TEST_MONGODB_URI!;
    const kills = 6;
    const rnd = seeded(4242);
    const run = (seed: number, ms: number) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/db/tallyWorker.ts', uri, dbName, String(seed)], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, JOB_LEASE_MS: '1500', LOG_LEVEL: 'error' },
        });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.stdout.once('data', () => setTimeout(() => child.kill('SIGKILL'), ms));
        child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`worker exited ${code}: ${stderr}`))));
      });
    // Two at a time, so that one's lease is taken over from the other after a kill.
    for (let i = 0; i < kills; i += 2) await Promise.all([run(i + 1, 1500 + Math.floor(rnd() * 2500)), run(i + 2, 1500 + Math.floor(rnd() * 2500))]);
    await new Promise((r) => setTimeout(r, 1600)); // the last holder's lease expires
    const swept = await sweepTally('items');
    expect(swept.ran).to.equal(true);
    const check = await expectExact();
    expect(check.documents).to.be.greaterThan(20);
  });
});

import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { startTestApp, type TestApp } from '../support/app.js';
import { penaltyBody, permitBody } from '../support/fixtures.js';
import { startFakes, fastConfigs, engineFor, engineWithHook } from '../support/publicity.js';
import type { FakePlatform } from '../support/fakePlatform.js';
import { RecordModel } from '../../src/modules/records/index.js';
import { DeliveryAttemptModel, DeliveryEngine, createAdapter } from '../../src/modules/publicity/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PLATFORMS = ['municipal', 'national'] as const;

/** One engine in its own process (a second service instance): connects, says "ready", sweeps on "go", prints its sweep. */
const ENGINE_PROCESS = `
import { connectMongoose } from './src/db/connection.js';
import { DeliveryEngine, createAdapter } from './src/modules/publicity/index.js';
await connectMongoose(process.env.ENGINE_URI, process.env.ENGINE_DB);
const engine = new DeliveryEngine({ owner: process.env.ENGINE_OWNER, platforms: JSON.parse(process.env.ENGINE_CONFIGS).map((config) => ({ config, adapter: createAdapter(config) })) });
process.stdout.write('ready\\n');
await new Promise((r) => process.stdin.once('data', r));
const sweeps = [];
for (let i = 0; i < 5; i++) {
  const r = await engine.sweep({ budgetMs: 30000 });
  sweeps.push(r);
  if (r.every((s) => s.sent === 0)) break;
}
process.stdout.write('result ' + JSON.stringify(sweeps.flat()) + '\\n');
engine.shutdown();
process.exit(0);
`;

/**
 * Two service instances = two engines with their own lease owners, sharing nothing but the database.
 * Partition leases and settlements are single conditional writes, so the races below are decided by the database.
 */
describe('publicity: engines of two instances racing, corrections landing mid-batch', function () {
  this.timeout(120_000);
  let t: TestApp;
  let clerk: string;
  let fakes: Awaited<ReturnType<typeof startFakes>>;
  let n = 0;
  const engines: DeliveryEngine[] = [];

  before(async () => {
    t = await startTestApp('publicity_race');
    clerk = await t.key(['clerk']);
    fakes = await startFakes();
  });
  afterEach(async () => {
    engines.splice(0).forEach((e) => e.shutdown());
    await fakes.municipal.faults.clear();
    await fakes.national.faults.clear();
    // Each test starts from an empty queue.
    await RecordModel.updateMany({}, { $set: Object.fromEntries(PLATFORMS.map((p) => [`delivery.${p}.state`, 'delivered'])) });
  });
  after(async () => {
    await fakes.stop();
    await t.close();
  });

  const create = async (kind: 'penalties' | 'permits') => {
    n++;
    const res = await t.request.post(`/api/v1/${kind}`).set('X-API-Key', clerk).send(kind === 'penalties' ? penaltyBody(50_000 + n) : permitBody(50_000 + n));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body.id as string;
  };
  const correct = async (id: string, remarks: string) => {
    const res = await t.request.patch(`/api/v1/penalties/${id}`).set('X-API-Key', clerk).send({ action: 'correct', reason: '更正备注', changes: { remarks } });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.version as number;
  };
  const platformOf = (p: (typeof PLATFORMS)[number]): FakePlatform => fakes[p];
  const track = (e: DeliveryEngine) => (engines.push(e), e);

  it('two engines at once: a (platform, kind) partition is sent by one engine at a time; one dying mid-batch is taken over after its lease, its batch resent once and counted', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await create('penalties'));
    const cfg = fastConfigs(fakes.env, { batchSize: 5, leaseMs: 2500 }).find((c) => c.id === 'municipal')!;
    // Instance a sends its first batch, then freezes before settling it (a process stalled or dead mid-batch).
    let gate!: () => void;
    const frozen = new Promise<void>((r) => (gate = r));
    let firstBatch: string[] = [];
    const adapter = createAdapter(cfg);
    const a = track(
      new DeliveryEngine({
        owner: 'instance-a',
        platforms: [
          {
            config: cfg,
            adapter: {
              ...adapter,
              configured: adapter.configured,
              submit: async (kind, entries) => {
                const result = await adapter.submit(kind, entries);
                if (firstBatch.length) return result;
                firstBatch = entries.map((x) => x.recordId);
                await frozen;
                throw new Error('instance a died mid-batch');
              },
            },
          },
        ],
      }),
    );
    const aSweep = a.sweep({ budgetMs: 20_000 });
    while (!firstBatch.length) await sleep(20);
    // Instance b while a holds the partition: it sends none of it.
    const b = track(engineFor([cfg], 'instance-b'));
    const held = await b.sweep({ budgetMs: 5000 });
    expect(held[0]).to.include({ sent: 0 });
    expect(held[0].heldElsewhere).to.deep.equal(['penalty']);
    // Once a's lease has expired, b takes the partition over: a's batch goes out again, its attempt counted.
    await sleep(2600);
    const took = await b.sweep({ budgetMs: 20_000 });
    expect(took[0].sent).to.equal(ids.length);
    for (const id of ids) {
      // a's batch reached the platform before a froze: b's resend of it is answered duplicate.
      expect(fakes.municipal.receivedCount(id, 1), id).to.equal(firstBatch.includes(id) ? 2 : 1);
      expect(fakes.municipal.acceptedCount(id, 1)).to.equal(1);
      const st = (await RecordModel.findById(id).lean())!.delivery.municipal;
      expect(st, id).to.include({ state: 'delivered', deliveredVersion: 1, attempts: firstBatch.includes(id) ? 2 : 1 });
    }
    expect(firstBatch).to.have.length(5);
    // a wakes up and settles its batch as failed: its settlement (for attempt 1) matches nothing now.
    gate();
    await aSweep;
    for (const id of firstBatch) expect((await RecordModel.findById(id).lean())!.delivery.municipal, id).to.include({ state: 'delivered', attempts: 2 });
  });

  it('a correction landing between claim and settle: the new version ends pending, then delivered; the old settle changes nothing', async () => {
    const id = await create('penalties');
    const cfgs = fastConfigs(fakes.env).filter((c) => c.id === 'municipal');
    let seenMidBatch: Record<string, unknown> | undefined;
    const e = track(
      engineWithHook(cfgs, 'instance-a', async (_platform, _kind, entries) => {
        if (!entries.some((x) => x.recordId === id && x.version === 1)) return;
        // Another instance serves this PATCH while version 1 is out at the platform.
        expect(await correct(id, '批次在途时更正')).to.equal(2);
        seenMidBatch = { ...(await RecordModel.findById(id).lean())!.delivery.municipal };
      }),
    );
    const first = await e.sweep({ budgetMs: 10_000, maxBatches: 1 });
    expect(first[0]).to.include({ sent: 1, delivered: 1 });
    expect(seenMidBatch).to.include({ version: 2, state: 'pending' });
    // The platform accepted version 1, but its settlement was for version 1 under the old lease: no match.
    expect(fakes.municipal.acceptedCount(id, 1)).to.equal(1);
    const after1 = (await RecordModel.findById(id).lean())!;
    expect(after1.version).to.equal(2);
    expect(after1.delivery.municipal).to.include({ version: 2, state: 'pending' });
    expect(after1.delivery.municipal.deliveredVersion ?? null).to.equal(null);
    await e.sweep({ budgetMs: 10_000 });
    const after2 = (await RecordModel.findById(id).lean())!;
    expect(after2.delivery.municipal).to.include({ version: 2, state: 'delivered', deliveredVersion: 2 });
    expect(fakes.municipal.latestVersion(id)).to.equal(2);
    for (const v of [1, 2]) {
      expect(fakes.municipal.receivedCount(id, v), `v${v}`).to.equal(1);
      expect(fakes.municipal.acceptedCount(id, v), `v${v}`).to.equal(1);
    }
    const attempts = await DeliveryAttemptModel.find({ recordId: after2._id, platform: 'municipal' }).sort({ at: 1, _id: 1 }).lean();
    expect(attempts.map((a) => [a.version, a.outcome])).to.deep.equal([
      [1, 'accepted'],
      [2, 'accepted'],
    ]);
  });

  it('two engines sweeping while corrections land at random: every latest version delivered once, nothing lost, nothing sent twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await create(i % 3 === 2 ? 'permits' : 'penalties'));
    const penalties = ids.filter((_, i) => i % 3 !== 2);
    fakes.municipal.faults.latency(15);
    fakes.national.faults.latency(15);
    const cfgs = fastConfigs(fakes.env, { batchSize: 4 });
    const e1 = track(engineFor(cfgs, 'instance-a'));
    const e2 = track(engineFor(cfgs, 'instance-b'));
    const corrections = (async () => {
      for (let i = 0; i < 16; i++) {
        await sleep(5 + Math.floor(Math.random() * 30));
        await correct(penalties[Math.floor(Math.random() * penalties.length)], `第${i}次更正`);
      }
    })();
    await Promise.all([e1.sweep({ budgetMs: 30_000 }), e2.sweep({ budgetMs: 30_000 }), corrections]);
    // Whatever the corrections queued after the sweeps ended goes out with the next sweeps, by either instance.
    for (let i = 0; i < 10; i++) {
      const r = await Promise.all([e1.sweep({ budgetMs: 10_000 }), e2.sweep({ budgetMs: 10_000 })]);
      if (r.flat().every((s) => s.sent === 0)) break;
    }
    for (const id of ids) {
      const doc = (await RecordModel.findById(id).lean())!;
      for (const p of PLATFORMS) {
        const fake = platformOf(p);
        expect(doc.delivery[p], `${p} ${id}`).to.include({ state: 'delivered', version: doc.version, deliveredVersion: doc.version });
        expect(fake.latestVersion(id), `${p} ${id}`).to.equal(doc.version);
        expect(fake.acceptedCount(id, doc.version)).to.equal(1);
        // No lease expired here, so no version went out twice (superseded versions at most once).
        for (let v = 1; v <= doc.version; v++) expect(fake.receivedCount(id, v), `${p} ${id}@${v}`).to.be.at.most(1);
      }
    }
    expect(await RecordModel.countDocuments({ _id: { $in: ids }, $or: PLATFORMS.map((p) => ({ [`delivery.${p}.state`]: { $ne: 'delivered' } })) })).to.equal(0);
  });

  it('two engines in two processes (two instances) racing over the same records while corrections land: each version sent once, the latest delivered', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await create(i % 3 === 2 ? 'permits' : 'penalties'));
    const penalties = ids.filter((_, i) => i % 3 !== 2);
    fakes.municipal.faults.latency(20);
    fakes.national.faults.latency(20);
    const configs = JSON.stringify(fastConfigs(fakes.env, { batchSize: 3, leaseMs: 30_000 }));
    const out = ['', ''];
    const children: ChildProcess[] = ['instance-a', 'instance-b'].map((owner, i) => {
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', ENGINE_PROCESS], {
        env: { ...process.env, LOG_LEVEL: 'error', ENGINE_URI: process.env.TEST_MONGODB_URI, ENGINE_DB: t.dbName, ENGINE_OWNER: owner, ENGINE_CONFIGS: configs },
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      child.stdout!.on('data', (b: Buffer) => (out[i] += b.toString()));
      return child;
    });
    const exited = children.map((c) => new Promise<number | null>((r) => c.on('exit', r)));
    try {
      while (!out.every((o) => o.includes('ready'))) await sleep(100);
      children.forEach((c) => c.stdin!.write('go\n'));
      for (let i = 0; i < 12; i++) {
        await sleep(10 + Math.floor(Math.random() * 40));
        await correct(penalties[Math.floor(Math.random() * penalties.length)], `并发第${i}次更正`);
      }
      expect(await Promise.all(exited)).to.deep.equal([0, 0]);
    } finally {
      children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
    }
    const sweeps = out.map((o) => JSON.parse(o.split('result ')[1]) as { sent: number; heldElsewhere?: string[] }[]);
    // Each instance took part: it sent partitions of its own, or found them held by the other.
    for (const [i, mine] of sweeps.entries()) expect(mine.some((x) => x.sent > 0 || x.heldElsewhere?.length), `instance ${i} took part`).to.equal(true);
    // Corrections that landed after both processes finished go out with one more sweep here.
    const e = track(engineFor(fastConfigs(fakes.env), 'instance-c'));
    await e.sweep({ budgetMs: 20_000 });
    for (const id of ids) {
      const doc = (await RecordModel.findById(id).lean())!;
      for (const p of PLATFORMS) {
        const fake = platformOf(p);
        expect(doc.delivery[p], `${p} ${id}`).to.include({ state: 'delivered', version: doc.version, deliveredVersion: doc.version });
        expect(fake.acceptedCount(id, doc.version)).to.equal(1);
        for (let v = 1; v <= doc.version; v++) expect(fake.receivedCount(id, v), `${p} ${id}@${v}`).to.be.at.most(1);
      }
    }
  });
});

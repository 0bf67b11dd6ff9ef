import { addDays, todayInShanghai } from '../../src/lib/calendar.js';
import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/app.js';
import { penaltyBody, permitBody } from '../support/fixtures.js';
import { startFakes, fastConfigs, engineFor } from '../support/publicity.js';
import type { FakePlatform } from '../support/fakePlatform.js';
import { RecordModel } from '../../src/modules/records/index.js';
import { setEngine, type DeliveryEngine } from '../../src/modules/publicity/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('publicity: the delivery engine against local fake platforms', function () {
  this.timeout(60_000);
  let t: TestApp;
  let clerk: string;
  let admin: string;
  let regulator: string;
  let fakes: Awaited<ReturnType<typeof startFakes>>;
  let engine: DeliveryEngine;
  let n = 0;

  before(async () => {
    t = await startTestApp('publicity');
    clerk = await t.key(['clerk']);
    admin = await t.key(['admin']);
    regulator = await t.key(['regulator']);
    fakes = await startFakes();
  });
  beforeEach(async () => {
    await fakes.municipal.faults.clear();
    await fakes.national.faults.clear();
    engine = engineFor(fastConfigs(fakes.env));
    setEngine(engine);
  });
  afterEach(() => setEngine(undefined));
  after(async () => {
    await fakes.stop();
    await t.close();
  });

  const create = async (kind: 'penalties' | 'permits', over: Record<string, unknown> = {}) => {
    n++;
    const res = await t.request.post(`/api/v1/${kind}`).set('X-API-Key', clerk).send(kind === 'penalties' ? penaltyBody(10_000 + n, over) : permitBody(10_000 + n, over));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: string; version: number };
  };
  const record = async (id: string) => (await RecordModel.findById(id).lean())!;
  const drain = async (e = engine, rounds = 20) => {
    for (let i = 0; i < rounds; i++) {
      const r = await e.sweep({ budgetMs: 10_000 });
      if (r.every((p) => p.sent === 0)) return;
    }
  };
  const onBoth = (f: (p: FakePlatform) => void) => [fakes.municipal, fakes.national].forEach(f);

  it('delivers new records to both platforms once, keeps receipts, never sends a 轻微 penalty', async () => {
    const a = await create('penalties');
    const b = await create('permits');
    const minor = await create('penalties', { penaltyTypes: ['警告'], fineAmount: undefined });
    // No body at all: every field of the run's body has a default.
    const res = await t.request.post('/api/v1/publicity/run').set('X-API-Key', admin);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.ran).to.equal(true);
    onBoth((p) => {
      expect(p.acceptedCount(a.id, 1)).to.equal(1);
      expect(p.acceptedCount(b.id, 1)).to.equal(1);
      expect(p.receivedCount(minor.id, 1)).to.equal(0);
    });
    const doc = await record(a.id);
    for (const p of ['municipal', 'national']) {
      expect(doc.delivery[p].state).to.equal('delivered');
      expect(doc.delivery[p].receiptId).to.be.a('string');
      expect(doc.delivery[p].firstDeliveredAt).to.be.instanceOf(Date);
    }
    const stored = fakes.municipal.store.get(`${a.id}@1`)!;
    expect(stored.data).to.include({ CF_WSH: penaltyBody(10_000 + 1).decisionNumber, CF_GSJZQ: '2027-11-02' });
    expect(stored.data).to.include({ CF_CFLB: '罚款' });
    expect(fakes.national.counters.unpublishedFieldsReceived).to.equal(0);
    const deliveries = await t.request.get(`/api/v1/penalties/${a.id}/deliveries`).set('X-API-Key', regulator);
    expect(deliveries.body.items.map((x: { outcome: string }) => x.outcome)).to.deep.equal(['accepted', 'accepted']);
    const shown = await t.request.get(`/api/v1/penalties/${a.id}`).set('X-API-Key', regulator);
    expect(shown.body.delivery.national.state).to.equal('delivered');
  });

  it('a correction goes out as version 2; a revocation as a withdrawal (撤销) version 3', async () => {
    const a = await create('penalties');
    await drain();
    await t.request.patch(`/api/v1/penalties/${a.id}`).set('X-API-Key', clerk).send({ action: 'correct', reason: '金额有误', changes: { fineAmount: 2 } });
    await drain();
    onBoth((p) => expect(p.latestVersion(a.id)).to.equal(2));
    await t.request.patch(`/api/v1/penalties/${a.id}`).set('X-API-Key', clerk).send({ action: 'revoke', revocation: { decisionNumber: '撤〔2026〕9号', decisionDate: '2026-11-20', reason: '复议撤销' } });
    await drain();
    onBoth((p) => {
      const v3 = p.store.get(`${a.id}@3`)!;
      expect(v3.op).to.equal('withdraw');
      expect(v3.reason).to.equal('撤销');
    });
    expect((await record(a.id)).delivery.national).to.include({ state: 'delivered', deliveredVersion: 3 });
  });

  it('a rejected record is shown with the platform code, field and message; a corrected version goes out again', async () => {
    const a = await create('penalties', { remarks: 'REJECT-ME' });
    const reject = (entry: { data?: Record<string, unknown> }) => (entry.data?.BZ === 'REJECT-ME' ? { code: 'E_FIELD', field: 'BZ', message: '备注含非法内容' } : null);
    const cfgs = fastConfigs(fakes.env);
    const fakeRejecting = await (await import('../support/fakePlatform.js')).startFakePlatform({ auth: 'token', reject });
    try {
      const e = engineFor(cfgs.map((c) => (c.id === 'municipal' ? { ...c, url: fakeRejecting.url, appId: fakeRejecting.appId, appSecret: fakeRejecting.appSecret } : c)));
      await drain(e);
      const doc = await record(a.id);
      expect(doc.delivery.municipal.state).to.equal('rejected');
      expect(doc.delivery.municipal.lastError).to.include({ code: 'E_FIELD', field: 'BZ', message: '备注含非法内容' });
      const status = await t.request.get('/api/v1/publicity/status').set('X-API-Key', clerk);
      const m = status.body.platforms.find((p: { platform: string }) => p.platform === 'municipal');
      expect(m.rejected.map((r: { id: string }) => r.id)).to.include(a.id);
      await t.request.patch(`/api/v1/penalties/${a.id}`).set('X-API-Key', clerk).send({ action: 'correct', reason: '删除备注', changes: { remarks: '已更正' } });
      await drain(e);
      expect(fakeRejecting.acceptedCount(a.id, 2)).to.equal(1);
      expect((await record(a.id)).delivery.municipal.state).to.equal('delivered');
      e.shutdown();
    } finally {
      await fakeRejecting.stop();
    }
  });

  it('429 with Retry-After: nothing counted as an attempt, retried after the wait', async () => {
    const a = await create('penalties');
    fakes.municipal.faults.next(1, { status: 429, retryAfterSec: 1 });
    const before = Date.now();
    await engine.sweep({ budgetMs: 5000, maxBatches: 1 });
    const doc = await record(a.id);
    expect(doc.delivery.municipal.state).to.equal('pending');
    expect(doc.delivery.municipal.attempts).to.equal(0);
    expect(doc.delivery.municipal.nextAttemptAt!.getTime()).to.be.at.least(before + 900);
    expect(doc.delivery.national.state).to.equal('delivered');
    await sleep(1100);
    await drain();
    expect(fakes.municipal.acceptedCount(a.id, 1)).to.equal(1);
  });

  it('a 500 after storing: the resend is answered duplicate and delivered once', async () => {
    const a = await create('penalties');
    fakes.national.faults.next(1, { status: 500, storeBeforeFailing: true });
    await engine.sweep({ budgetMs: 5000, maxBatches: 1 });
    expect((await record(a.id)).delivery.national.state).to.equal('pending');
    await sleep(250);
    await drain();
    expect(fakes.national.acceptedCount(a.id, 1)).to.equal(1);
    expect(fakes.national.receivedCount(a.id, 1)).to.equal(2);
    const doc = await record(a.id);
    expect(doc.delivery.national.state).to.equal('delivered');
    expect(doc.delivery.national.receiptId).to.equal(fakes.national.store.get(`${a.id}@1`)!.receiptId);
  });

  it('outage then recovery: backs off, opens the circuit, probes later, delivers everything', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create('penalties')).id);
    await fakes.municipal.faults.outage(true, 'refuse');
    for (let i = 0; i < 6 && engine.circuitState('municipal') !== 'open'; i++) {
      await engine.sweep({ budgetMs: 2000, maxBatches: 1 });
      await sleep(250);
    }
    expect(engine.circuitState('municipal')).to.equal('open');
    const during = fakes.municipal.counters.requests;
    const skipped = await engine.sweep({ budgetMs: 2000 });
    expect(skipped.find((s) => s.platform === 'municipal')!.skipped).to.equal('circuit-open');
    expect(fakes.municipal.counters.requests).to.equal(during);
    for (const id of ids) expect((await record(id)).delivery.municipal.state).to.equal('pending');
    await fakes.municipal.faults.outage(false);
    await sleep(500);
    await drain();
    for (const id of ids) expect(fakes.municipal.acceptedCount(id, 1)).to.equal(1);
    expect(engine.circuitState('municipal')).to.equal('closed');
  });

  it('gives up after the configured attempts: failed, logged, listed', async () => {
    const a = await create('penalties');
    const e = engineFor(fastConfigs(fakes.env, { maxAttempts: 2, circuit: { failureThreshold: 100, openMs: 100 } }));
    fakes.municipal.faults.next(5, { status: 500 });
    for (let i = 0; i < 4; i++) {
      await e.sweep({ budgetMs: 2000 });
      await sleep(250);
    }
    const doc = await record(a.id);
    expect(doc.delivery.municipal.state).to.equal('failed');
    expect(doc.delivery.municipal.attempts).to.equal(2);
    const status = await t.request.get('/api/v1/publicity/status').set('X-API-Key', regulator);
    const m = status.body.platforms.find((p: { platform: string }) => p.platform === 'municipal');
    expect(m.failed.map((r: { id: string }) => r.id)).to.include(a.id);
    expect(m.counts.failed).to.be.at.least(1);
    // limit: 0 gives the counts without any list (the console's dashboard); 1 at most one per list; 501 is refused.
    const counts = await t.request.get('/api/v1/publicity/status').query({ limit: 0 }).set('X-API-Key', regulator);
    const c = counts.body.platforms.find((p: { platform: string }) => p.platform === 'municipal');
    expect(c.counts).to.deep.equal(m.counts);
    expect(c.overdueCount).to.equal(m.overdueCount);
    expect([c.failed, c.rejected, c.overdue, c.rejectedAfterReview]).to.deep.equal([[], [], [], []]);
    const one = await t.request.get('/api/v1/publicity/status').query({ limit: 1 }).set('X-API-Key', regulator);
    const o = one.body.platforms.find((p: { platform: string }) => p.platform === 'municipal');
    expect(o.failed).to.have.length(1);
    expect(o.overdue.length).to.be.at.most(1);
    const bad = await t.request.get('/api/v1/publicity/status').query({ limit: 501 }).set('X-API-Key', regulator);
    expect(bad.status).to.equal(400);
    expect(bad.body.error.details[0]).to.deep.include({ path: 'query.limit', message: '列表条数应为 0–500 的整数' });
    e.shutdown();
  });

  it('two engines sweeping at once share the work and never send the same version twice', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await create(i % 2 ? 'permits' : 'penalties')).id);
    fakes.municipal.faults.latency(20);
    fakes.national.faults.latency(20);
    const cfgs = fastConfigs(fakes.env, { batchSize: 5 });
    const e1 = engineFor(cfgs, 'engine-1');
    const e2 = engineFor(cfgs, 'engine-2');
    const [s1, s2] = await Promise.all([e1.sweep({ budgetMs: 20_000 }), e2.sweep({ budgetMs: 20_000 })]);
    onBoth((p) => {
      for (const id of ids) {
        expect(p.receivedCount(id, 1), id).to.equal(1);
        expect(p.acceptedCount(id, 1)).to.equal(1);
      }
    });
    const sent1 = s1.reduce((x, s) => x + s.sent, 0);
    const sent2 = s2.reduce((x, s) => x + s.sent, 0);
    expect(sent1 + sent2).to.equal(80);
    expect(sent1).to.be.greaterThan(0);
    expect(sent2).to.be.greaterThan(0);
    e1.shutdown();
    e2.shutdown();
  });

  it('a late answer to an expired lease does not overwrite the newer state', async () => {
    const a = await create('penalties');
    const slow = engineFor(fastConfigs(fakes.env, { leaseMs: 1000, timeoutMs: 5000 }), 'slow');
    const fast = engineFor(fastConfigs(fakes.env, { leaseMs: 1000 }), 'fast');
    fakes.municipal.faults.next(1, { delayMs: 1800 });
    const slowSweep = slow.sweep({ budgetMs: 10_000, maxBatches: 1 });
    await sleep(1200);
    // the lease expired: another engine takes the record over and delivers it
    await fast.sweep({ budgetMs: 5000 });
    await t.request.patch(`/api/v1/penalties/${a.id}`).set('X-API-Key', clerk).send({ action: 'correct', reason: '更正地址', changes: { remarks: '新版本' } });
    await slowSweep;
    const doc = await record(a.id);
    // the slow engine's late "accepted (v1)" must not mark version 2 as delivered
    expect(doc.delivery.municipal).to.include({ version: 2, state: 'pending' });
    expect(fakes.municipal.acceptedCount(a.id, 1)).to.equal(1);
    slow.shutdown();
    fast.shutdown();
  });

  it('feedback: a platform rejecting after review is recorded and listed; the cursor is kept', async () => {
    const a = await create('penalties');
    await drain();
    fakes.national.review(a.id, 1, 'rejected', 'E_REVIEW', '处罚依据不规范');
    fakes.municipal.review(a.id, 1, 'published');
    const r1 = await engine.pollFeedback();
    expect(r1.find((x) => x.platform === 'national')!.updated).to.equal(1);
    const doc = await record(a.id);
    expect(doc.delivery.national.review).to.include({ status: 'rejected', code: 'E_REVIEW' });
    expect(doc.delivery.municipal.review).to.include({ status: 'published' });
    const r2 = await engine.pollFeedback();
    expect(r2.every((x) => x.items === 0)).to.equal(true);
    const status = await t.request.get('/api/v1/publicity/status').set('X-API-Key', clerk);
    const nat = status.body.platforms.find((p: { platform: string }) => p.platform === 'national');
    expect(nat.rejectedAfterReview.map((x: { id: string }) => x.id)).to.include(a.id);
  });

  it('timeliness (及时率) per authority and platform for a month; overdue records are listed', async () => {
    const old = await create('penalties', { decisionDate: '2026-06-01', validUntil: '2027-06-01' });
    const status = await t.request.get('/api/v1/publicity/status').set('X-API-Key', regulator);
    const m = status.body.platforms.find((p: { platform: string }) => p.platform === 'municipal');
    expect(m.overdue.map((x: { id: string }) => x.id)).to.include(old.id);
    await drain();
    // Decided yesterday: its 7-working-day deadline is still ahead, so delivering now is on time (whatever today is).
    const yesterday = addDays(todayInShanghai(), -1);
    const onTime = await create('penalties', { decisionDate: yesterday, validUntil: addDays(yesterday, 365) });
    await drain();
    const june = await t.request.get('/api/v1/publicity/timeliness').query({ month: '2026-06' }).set('X-API-Key', regulator);
    expect(june.status).to.equal(200);
    const row = june.body.items.find((r: { platform: string }) => r.platform === 'municipal');
    expect(row).to.include({ total: 1, onTime: 0, late: 1, rate: 0 });
    const nov = await t.request.get('/api/v1/publicity/timeliness').query({ month: yesterday.slice(0, 7) }).set('X-API-Key', regulator);
    const novRow = nov.body.items.find((r: { platform: string }) => r.platform === 'national');
    expect(novRow.onTime).to.be.at.least(1);
    expect(onTime.id).to.be.a('string');
    const current = await t.request.get('/api/v1/publicity/timeliness').set('X-API-Key', regulator);
    expect(current.status).to.equal(200);
    expect(current.body.month).to.equal(todayInShanghai().slice(0, 7));
    const bad = await t.request.get('/api/v1/publicity/timeliness').query({ month: '2026-13' }).set('X-API-Key', regulator);
    expect(bad.status).to.equal(400);
  });
});

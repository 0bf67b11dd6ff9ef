import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { startTestApp, type TestApp } from '../support/app.js';
import { penaltyBody, permitBody } from '../support/fixtures.js';
import { EnterpriseModel } from '../../src/modules/enterprises/index.js';
import { readCacheOptions, touch } from '../../src/db/readCache.js';
import { RecordModel } from '../../src/modules/records/index.js';
import { ChangeTokenModel } from '../../src/db/readCache.js';
import { startFakes, fastConfigs, engineFor } from '../support/publicity.js';

/**
 * Record lists are served from the read cache (src/db/readCache.ts) while the records' change token is
 * unchanged: this instance's writes and another instance's token both make the next list fresh.
 */
describe('record lists: the read cache stays exact', function () {
  this.timeout(60_000);
  let t: TestApp;
  let clerk: string;
  let regulator: string;
  const list = async (query = 'limit=50') => {
    const res = await t.request.get(`/api/v1/penalties?${query}`).set('X-API-Key', regulator);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { items: { id: string; subjectName: string; decisionNumber: string; delivery: Record<string, { state: string } | null> }[]; nextCursor: string | null };
  };

  before(async () => {
    t = await startTestApp('records_cache');
    clerk = await t.key(['clerk']);
    regulator = await t.key(['regulator']);
    const res = await t.request.post('/api/v1/penalties/batch').set('X-API-Key', clerk).send({ records: [1, 2, 3].map((n) => penaltyBody(910 + n)) });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  });
  after(() => t.close());

  it('a write through this instance shows in the very next list', async () => {
    expect((await list()).items).to.have.length(3);
    const created = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(920));
    expect(created.status).to.equal(201);
    expect((await list()).items.map((i) => i.id)).to.include(created.body.id);
    const corrected = await t.request
      .patch(`/api/v1/penalties/${created.body.id}`)
      .set('X-API-Key', clerk)
      .send({ action: 'correct', reason: '更正当事人名称', changes: { subjectName: '更正后的企业名称有限公司' } });
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect((await list()).items.find((i) => i.id === created.body.id)?.subjectName).to.equal('更正后的企业名称有限公司');
  });

  it('another instance’s write is seen once its token changes — and not served from the cache before', async () => {
    const first = await list();
    const target = first.items[0];
    // Another instance writes the record (not through this process), then sets a new token, as touch() does.
    await RecordModel.collection.updateOne({ _id: new RecordModel.base.Types.ObjectId(target.id) }, { $set: { 'data.subjectName': '另一实例写入的名称' } });
    expect((await list()).items[0].subjectName, 'same token: the cached answer').to.equal(target.subjectName);
    await ChangeTokenModel.updateOne({ _id: 'records' }, { $set: { token: randomUUID(), at: new Date() } });
    expect((await list()).items[0].subjectName, 'new token: computed again').to.equal('另一实例写入的名称');
  });

  it('a write whose writer died before its token shows once the cached answer passes its age (served once more while refreshed)', async () => {
    const first = await list();
    const target = first.items[0];
    await RecordModel.collection.updateOne({ _id: new RecordModel.base.Types.ObjectId(target.id) }, { $set: { 'data.subjectName': '写入后进程崩溃' } });
    expect((await list()).items[0].subjectName, 'young answer, same token').to.equal(target.subjectName);
    const saved = readCacheOptions.maxAgeMs;
    readCacheOptions.maxAgeMs = 0;
    try {
      expect((await list()).items[0].subjectName, 'old answer: served while a fresh one is computed').to.equal(target.subjectName);
      let seen = '';
      for (let i = 0; i < 50 && seen !== '写入后进程崩溃'; i++) {
        await new Promise((r) => setTimeout(r, 50));
        seen = (await list()).items[0].subjectName;
      }
      expect(seen).to.equal('写入后进程崩溃');
    } finally {
      readCacheOptions.maxAgeMs = saved;
    }
  });

  it('caches per query: pages and filters are answered separately and correctly', async () => {
    const page1 = await list('limit=2');
    expect(page1.items).to.have.length(2);
    const page2 = await list(`limit=2&cursor=${page1.nextCursor}`);
    expect(page2.items).to.have.length(2);
    expect(page2.items.map((i) => i.id)).to.not.include.members(page1.items.map((i) => i.id));
    const one = await list(`limit=50&uscc=${String(penaltyBody(911).uscc)}`);
    expect(one.items.map((i) => i.decisionNumber)).to.deep.equal([penaltyBody(911).decisionNumber]);
  });

  it('the delivery engine’s claims and settlements show in the next list', async () => {
    const fakes = await startFakes();
    const engine = engineFor(fastConfigs(fakes.env));
    try {
      expect((await list()).items.map((i) => i.delivery.municipal?.state)).to.include('pending');
      await engine.sweep({ budgetMs: 30_000 });
      const states = (await list()).items.map((i) => [i.delivery.municipal?.state, i.delivery.national?.state]);
      expect(states.flat().every((x) => x === 'delivered'), JSON.stringify(states)).to.equal(true);
    } finally {
      engine.shutdown();
      await fakes.stop();
    }
  });

  it('one enterprise’s lists, read by the ids its enterprise lists, answer exactly like a scan', async () => {
    const subject = { uscc: penaltyBody(911).uscc, subjectName: penaltyBody(911).subjectName };
    const dates = ['2026-03-01', '2026-05-10', '2026-05-10', '2026-08-20', '2026-10-30'];
    const batch = await t.request
      .post('/api/v1/penalties/batch')
      .set('X-API-Key', clerk)
      .send({ records: dates.map((decisionDate, i) => penaltyBody(940 + i, { ...subject, decisionDate, ...(i === 3 ? { penaltyTypes: ['警告'], fineAmount: undefined } : {}) })) });
    expect(batch.status).to.equal(200);
    expect((await t.request.post('/api/v1/permits').set('X-API-Key', clerk).send(permitBody(950, subject))).status).to.equal(201);
    const own = await t.key(['enterprise'], { uscc: subject.uscc });
    const queries: [string, string][] = [
      [regulator, `/api/v1/enterprises/${subject.uscc}/records?limit=50`],
      [regulator, `/api/v1/enterprises/${subject.uscc}/records?limit=2&kind=penalty`],
      [regulator, `/api/v1/penalties?uscc=${subject.uscc}&limit=3`],
      [regulator, `/api/v1/penalties?uscc=${subject.uscc}&from=2026-05-10&to=2026-08-20&limit=50`],
      [regulator, `/api/v1/penalties?uscc=${subject.uscc}&severity=轻微&limit=50`],
      [regulator, `/api/v1/penalties?uscc=${subject.uscc}&delivery=pending&limit=50`],
      [own, '/api/v1/penalties?limit=2'],
      [own, `/api/v1/penalties?uscc=${penaltyBody(912).uscc}&limit=50`],
    ];
    /** Every page of a query, following its cursors. */
    const walk = async (key: string, path: string) => {
      const pages: unknown[] = [];
      let cursor: string | null = null;
      do {
        const res: { status: number; body: { items: unknown[]; nextCursor: string | null } } = await t.request.get(cursor ? `${path}&cursor=${cursor}` : path).set('X-API-Key', key);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        pages.push(res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor && pages.length < 20);
      return pages;
    };
    const byIds = await Promise.all(queries.map(([k, q]) => walk(k, q)));
    expect(byIds[0].flat()).to.have.length(7, 'its first penalty, five more and a permit');
    expect(byIds[1]).to.have.length(3, 'six penalties, two per page');
    // The same enterprises without `recordIds` (as stored by an older build): the lists scan instead.
    await EnterpriseModel.updateMany({}, { $unset: { recordIds: 1 } });
    await touch('records');
    const scanned = await Promise.all(queries.map(([k, q]) => walk(k, q)));
    expect(byIds).to.deep.equal(scanned);
  });
});

import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { makeUscc, penaltyBody, permitBody } from '../support/fixtures.js';
import { spawnService, waitFor, type ServiceProcess } from '../support/process.js';
import { AuditModel } from '../../src/modules/audit/index.js';
import { EnterpriseModel } from '../../src/modules/enterprises/index.js';
import { RecordModel } from '../../src/modules/records/index.js';
import { platformIds } from '../../src/modules/publicity/platforms.js';

type Item = { id: string; uscc: string | null; subjectName: string; decisionNumber: string; decisionDate: string; districtCode: string; authorityUscc: string };
type ListBody = { items: Item[]; nextCursor: string | null };

/**
 * Record lists are ordinary indexed queries read from the database on every call, and record writes are
 * single-document atomic (a unique natural key, a correction conditioned on the version read): checked here
 * with two service instances on one database — this test process and a spawned `src/server.ts`.
 */
describe('records: lists and writes across two instances', function () {
  this.timeout(180_000);
  let t: TestApp;
  let other: ServiceProcess;
  let clerk: string;
  let regulator: string;

  /** A call to the other instance (a separate process on the same database). */
  const remote = async (method: string, path: string, key: string, body?: unknown) => {
    const res = await fetch(`${other.baseUrl}/api/v1${path}`, {
      method,
      headers: { 'X-API-Key': key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const localList = async (query: string, key = regulator) => {
    const res = await t.request.get(`/api/v1/penalties?${query}`).set('X-API-Key', key);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as ListBody;
  };
  /** Every page of a list, following its cursors. */
  const walk = async (list: (q: string) => Promise<ListBody>, query: string) => {
    const items: Item[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: ListBody = await list(cursor ? `${query}&cursor=${cursor}` : query);
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && ++pages < 50);
    return items;
  };

  before(async () => {
    t = await startTestApp('records_lists');
    clerk = await t.key(['clerk']);
    regulator = await t.key(['regulator']);
    const uri = new URL(process.env.TEST_MONGODB_URI!);
    uri.pathname = `/${t.dbName}`;
    other = await spawnService({ MONGODB_URI: uri.toString() });
    await waitFor(async () => (await fetch(`${other.baseUrl}/readyz`)).status === 200, 120_000, `the second instance (${other.output()})`);
  });
  after(async () => {
    other?.child.kill('SIGTERM');
    await other?.exited;
    await t.close();
  });

  it('a write through one instance shows in the very next list of the other, both ways', async () => {
    const a = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(1001));
    expect(a.status, JSON.stringify(a.body)).to.equal(201);
    const seenByOther = await remote('GET', '/penalties?limit=50', regulator);
    expect(seenByOther.status).to.equal(200);
    expect(seenByOther.body.items.map((i: Item) => i.id)).to.include(a.body.id);

    const b = await remote('POST', '/penalties', clerk, penaltyBody(1002));
    expect(b.status, JSON.stringify(b.body)).to.equal(201);
    expect((await localList('limit=50')).items.map((i) => i.id)).to.include(b.body.id);

    const corrected = await remote('PATCH', `/penalties/${a.body.id}`, clerk, { action: 'correct', reason: '更正当事人名称', changes: { subjectName: '另一实例更正的名称有限公司' } });
    expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
    expect((await localList('limit=50')).items.find((i) => i.id === a.body.id)?.subjectName).to.equal('另一实例更正的名称有限公司');
    const byUscc = await localList(`limit=50&uscc=${String(penaltyBody(1001).uscc)}`);
    expect(byUscc.items.map((i) => i.id)).to.deep.equal([a.body.id]);
  });

  it('concurrent corrections of one record through both instances: exactly one wins, the others get 409, nothing is merged', async () => {
    const created = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(1010));
    expect(created.status).to.equal(201);
    const id = created.body.id as string;
    const attempts = Array.from({ length: 8 }, (_, k) => {
      const body = { action: 'correct', reason: `并发更正 ${k}`, changes: { subjectName: `并发更正${k}有限公司` } };
      return k % 2 === 0
        ? t.request.patch(`/api/v1/penalties/${id}`).set('X-API-Key', clerk).send(body).then((r) => ({ status: r.status, name: body.changes.subjectName }))
        : remote('PATCH', `/penalties/${id}`, clerk, body).then((r) => ({ status: r.status, name: body.changes.subjectName }));
    });
    const outcomes = await Promise.all(attempts);
    const won = outcomes.filter((o) => o.status === 200);
    expect(won, JSON.stringify(outcomes)).to.have.length.of.at.least(1);
    expect(outcomes.every((o) => o.status === 200 || o.status === 409), JSON.stringify(outcomes)).to.equal(true);
    const stored = await RecordModel.findById(id).lean();
    // Every 200 appended exactly one version on top of the one it read; the last stored is one of the winners.
    expect(stored!.version).to.equal(1 + won.length);
    expect(stored!.versions.map((v) => v.version)).to.deep.equal(Array.from({ length: 1 + won.length }, (_, i) => i + 1));
    expect(won.map((w) => w.name)).to.include(stored!.subjectName);
    expect(await AuditModel.countDocuments({ action: 'penalty.correct', resourceId: id })).to.equal(won.length);
    // The versions form one chain: the second version was appended to the first, never two versions 2.
    expect(new Set(stored!.versions.map((v) => v.version)).size).to.equal(stored!.versions.length);
  });

  it('one natural key created concurrently through both instances: one record; same content → 201 once and 200 after, other content → 409', async () => {
    const body = penaltyBody(1020);
    const outcomes = await Promise.all(
      Array.from({ length: 6 }, (_, k) =>
        k % 2 === 0 ? t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(body).then((r) => r.status) : remote('POST', '/penalties', clerk, body).then((r) => r.status),
      ),
    );
    expect(outcomes.filter((s) => s === 201), JSON.stringify(outcomes)).to.have.length(1);
    expect(outcomes.filter((s) => s === 200)).to.have.length(5);
    expect(await RecordModel.countDocuments({ kind: 'penalty', authorityUscc: body.authorityUscc, decisionNumber: body.decisionNumber })).to.equal(1);
    const different = await remote('POST', '/penalties', clerk, { ...body, fineAmount: 9 });
    expect(different.status).to.equal(409);
    expect(different.body.error.details[0].path).to.equal('decisionNumber');
    const batch = await t.request.post('/api/v1/penalties/batch').set('X-API-Key', clerk).send({ records: [body, { ...body, fineAmount: 9 }, penaltyBody(1021)] });
    expect(batch.status).to.equal(200);
    expect(batch.body.results.map((r: { status: string }) => r.status)).to.deep.equal(['unchanged', 'error', 'created']);
    expect(batch.body.results[1].code).to.equal('CONFLICT');
  });

  it('enterprises created implicitly by records are audited and counted in the batch answer (not again on a replay)', async () => {
    const subjects = [0, 1, 2].map((k) => ({ uscc: makeUscc(700_000 + k, '440306'), subjectName: `隐式创建企业${k}有限公司` }));
    const records = [penaltyBody(1030, subjects[0]), penaltyBody(1031, subjects[0]), penaltyBody(1032, subjects[1]), penaltyBody(1033, subjects[2]), penaltyBody(1034)];
    const res = await t.request.post('/api/v1/penalties/batch').set('X-API-Key', clerk).send({ records });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const expectedNew = new Set([...subjects.map((s) => s.uscc), String(penaltyBody(1034).uscc)]).size;
    expect(res.body.summary).to.deep.equal({ created: 5, unchanged: 0, error: 0 });
    expect(res.body.enterprisesCreated).to.equal(expectedNew);
    for (const s of subjects) {
      const entry = await expectAudited('enterprise.create', s.uscc);
      expect(entry.detail).to.deep.include({ origin: 'record', source: 'batch' });
      expect((entry.after as { districtCode: string }).districtCode).to.equal('440306');
      expect(await EnterpriseModel.countDocuments({ uscc: s.uscc, origin: 'record' })).to.equal(1);
    }
    const replay = await remote('POST', '/penalties/batch', clerk, { records });
    expect(replay.body.summary).to.deep.equal({ created: 0, unchanged: 5, error: 0 });
    expect(replay.body.enterprisesCreated).to.equal(0);
    expect(await AuditModel.countDocuments({ action: 'enterprise.create', resourceId: subjects[0].uscc })).to.equal(1);
    // Two concurrent batches (one per instance) naming the same new subject: it is created, audited and counted once.
    const shared = { uscc: makeUscc(700_020, '440308'), subjectName: '并发隐式企业有限公司' };
    const [x, y] = await Promise.all([
      t.request.post('/api/v1/penalties/batch').set('X-API-Key', clerk).send({ records: [penaltyBody(1040, shared)] }),
      remote('POST', '/penalties/batch', clerk, { records: [penaltyBody(1041, shared)] }),
    ]);
    expect(x.body.enterprisesCreated + y.body.enterprisesCreated, JSON.stringify([x.body, y.body])).to.equal(1);
    expect(await AuditModel.countDocuments({ action: 'enterprise.create', resourceId: shared.uscc })).to.equal(1);
    expect(await RecordModel.countDocuments({ uscc: shared.uscc })).to.equal(2);
    const single = await t.request.post('/api/v1/permits').set('X-API-Key', clerk).send(permitBody(1035, { uscc: makeUscc(700_010, '440307'), subjectName: '单条录入隐式企业有限公司' }));
    expect(single.status).to.equal(201);
    await expectAudited('enterprise.create', makeUscc(700_010, '440307'));
  });

  it('each list shape (newest first, by enterprise, district, authority, date range, severity, delivery, an enterprise’s own) equals the same selection over all records, page by page', async () => {
    const districts = ['440303', '440304'];
    const authorities = [{ authorityUscc: makeUscc(990_001, '440303'), authorityName: '甲区应急管理局' }, { authorityUscc: makeUscc(990_002, '440304'), authorityName: '乙区应急管理局' }];
    const dates = ['2026-03-01', '2026-05-10', '2026-05-10', '2026-08-20', '2026-10-30', '2026-10-30'];
    const records = Array.from({ length: 24 }, (_, i) =>
      penaltyBody(1100 + i, {
        uscc: makeUscc(710_000 + (i % 4), districts[i % 2]),
        subjectName: `列表企业${i % 4}有限公司`,
        ...authorities[i % 3 === 0 ? 1 : 0],
        decisionDate: dates[i % dates.length],
        ...(i % 5 === 0 ? { penaltyTypes: ['警告'], fineAmount: undefined } : {}),
      }),
    );
    expect((await remote('POST', '/penalties/batch', clerk, { records })).body.summary.created).to.equal(24);
    const own = await t.key(['enterprise'], { uscc: makeUscc(710_001, districts[1]) });
    const all = (await RecordModel.find({ kind: 'penalty' }, { versions: 0 }).lean()).map((d) => ({ ...d, id: String(d._id) }));
    const newestFirst = (a: { decisionDate: string; id: string }, b: { decisionDate: string; id: string }) => (a.decisionDate === b.decisionDate ? (a.id < b.id ? 1 : -1) : a.decisionDate < b.decisionDate ? 1 : -1);
    const shapes: [string, string, (d: (typeof all)[number]) => boolean][] = [
      [regulator, 'limit=7', () => true],
      [regulator, `limit=3&uscc=${makeUscc(710_002, districts[0])}`, (d) => d.uscc === makeUscc(710_002, districts[0])],
      [regulator, 'limit=4&district=440304', (d) => d.districtCode === '440304'],
      [regulator, 'limit=4&district=4403', (d) => d.districtCode.startsWith('4403')],
      [regulator, `limit=5&authority=${authorities[1].authorityUscc}`, (d) => d.authorityUscc === authorities[1].authorityUscc],
      [regulator, 'limit=2&from=2026-05-10&to=2026-08-20', (d) => d.decisionDate >= '2026-05-10' && d.decisionDate <= '2026-08-20'],
      [regulator, 'limit=3&from=2026-10-30', (d) => d.decisionDate >= '2026-10-30'],
      [regulator, 'limit=4&severity=轻微', (d) => d.derived.severity === '轻微'],
      [regulator, 'limit=6&delivery=pending', (d) => platformIds().some((p) => d.delivery[p]?.state === 'pending')],
      [own, 'limit=2', (d) => d.uscc === makeUscc(710_001, districts[1])],
      [own, `limit=2&uscc=${makeUscc(710_002, districts[0])}`, () => false],
    ];
    for (const [key, query, select] of shapes) {
      const expected = all.filter(select).sort(newestFirst).map((d) => d.id);
      const local = await walk((q) => localList(q, key), query);
      const viaOther = await walk(async (q) => (await remote('GET', `/penalties?${q}`, key)).body as ListBody, query);
      expect(local.map((i) => i.id), query).to.deep.equal(expected);
      expect(viaOther.map((i) => i.id), `${query} (other instance)`).to.deep.equal(expected);
    }
    expect(all.filter((d) => d.derived.severity === '轻微').length, 'the fixtures cover the severity filter').to.be.greaterThan(0);
  });
});

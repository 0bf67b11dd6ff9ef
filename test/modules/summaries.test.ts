import { expect } from 'chai';
import { startTestApp, type TestApp } from '../support/app.js';
import { makeUscc, penaltyBody, permitBody } from '../support/fixtures.js';
import { startFakes, fastConfigs, engineFor } from '../support/publicity.js';
import { seeded } from '../db/tallyItems.js';
import { RecordModel } from '../../src/modules/records/index.js';
import { setEngine, platformIds, UNDELIVERED, type DeliveryEngine } from '../../src/modules/publicity/index.js';
import { GradeModel, regradeAll } from '../../src/modules/grading/index.js';
import { checkTally, recountTally, sweepTally, TallyModel, type SweepOptions } from '../../src/db/tally.js';
import { todayInShanghai } from '../../src/lib/calendar.js';

/**
 * The dashboard's figures (delivery status, 及时率, grade statistics) come from summaries kept with each
 * write. After a random mix of creations, corrections, revocations, deliveries with platform faults,
 * regrades and summary workers stopped at random steps, every figure equals a count made directly from
 * the records and grades, for an unscoped and a district-scoped principal.
 */
describe('summaries: dashboard figures equal a recount after random operations and stopped workers', function () {
  this.timeout(300_000);
  let t: TestApp;
  let clerk: string;
  let regulator: string;
  let scoped: string;
  let fakes: Awaited<ReturnType<typeof startFakes>>;
  let engine: DeliveryEngine;
  const DISTRICTS = ['440303', '440305', '440306'];
  const months = new Set<string>();

  before(async () => {
    t = await startTestApp('summaries');
    clerk = await t.key(['clerk']);
    regulator = await t.key(['regulator']);
    scoped = await t.key(['regulator'], { scope: ['440305'] });
    fakes = await startFakes();
    engine = engineFor(fastConfigs(fakes.env));
    setEngine(engine);
  });
  after(async () => {
    setEngine(undefined);
    await fakes.stop();
    await t.close();
  });

  /** The delivery status and 及时率 computed directly from the records (what the summaries replace). */
  async function directDelivery(scope: string | null, today: string) {
    const match = scope ? { districtCode: { $regex: `^${scope}` } } : {};
    const out: Record<string, { counts: Record<string, number>; overdue: number; overdueIds: string[]; oldestPendingSince: string | null }> = {};
    for (const p of platformIds()) {
      const counts: Record<string, number> = {};
      for (const g of await RecordModel.aggregate<{ _id: string; n: number }>([{ $match: match }, { $group: { _id: `$delivery.${p}.state`, n: { $sum: 1 } } }])) if (g._id) counts[g._id] = g.n;
      const overdue = await RecordModel.countDocuments({ ...match, [`delivery.${p}.state`]: { $in: UNDELIVERED }, 'derived.publicityDeadline': { $lt: today } });
      const oldest = await RecordModel.findOne({ ...match, [`delivery.${p}.state`]: 'pending' }).sort({ updatedAt: 1 }).lean();
      // The overdue list's order: most overdue first (publicityDeadline), then by id.
      const late = await RecordModel.find({ ...match, [`delivery.${p}.state`]: { $in: UNDELIVERED }, 'derived.publicityDeadline': { $lt: today } }, { 'derived.publicityDeadline': 1 }).lean();
      const overdueIds = late
        .map((r) => ({ id: String(r._id), deadline: String(r.derived?.publicityDeadline) }))
        .sort((x, y) => x.deadline.localeCompare(y.deadline) || x.id.localeCompare(y.id))
        .map((r) => r.id);
      out[p] = { counts, overdue, overdueIds, oldestPendingSince: oldest ? oldest.updatedAt.toISOString() : null };
    }
    return out;
  }
  async function directTimeliness(month: string, scope: string | null, today: string) {
    const rows: Record<string, { total: number; onTime: number; late: number; notYetDue: number }> = {};
    for (const r of await RecordModel.find({ decisionDate: { $regex: `^${month}` }, ...(scope ? { districtCode: { $regex: `^${scope}` } } : {}) }).lean()) {
      for (const p of platformIds()) {
        const st = (r.delivery as Record<string, { state: string; firstDeliveredAt?: Date | null }>)[p];
        if (!st || st.state === 'skipped') continue;
        const row = (rows[`${r.authorityUscc}/${p}`] ??= { total: 0, onTime: 0, late: 0, notYetDue: 0 });
        const deadline = String((r.derived as { publicityDeadline?: string }).publicityDeadline);
        const first = st.firstDeliveredAt ? todayInShanghai(new Date(st.firstDeliveredAt)) : null;
        if (first && first <= deadline) row.onTime++;
        else if (!first && today <= deadline) row.notYetDue++;
        else row.late++;
        row.total++;
      }
    }
    return rows;
  }
  async function directGrades(by: 'districtCode' | 'industryCode', scope: string | null) {
    const out: Record<string, Record<string, number>> = {};
    for (const g of await GradeModel.find(scope ? { districtCode: { $regex: `^${scope}` } } : {}).lean()) {
      const key = g[by] || '未知';
      const row = (out[key] ??= { A: 0, B: 0, C: 0, D: 0, total: 0 });
      row[g.tier]++;
      row.total++;
    }
    return out;
  }

  type TimelinessItem = { authorityUscc: string; platform: string; total: number; onTime: number; late: number; notYetDue: number };
  /** The 及时率 answer's items keyed as directTimeliness keys them. */
  const byAuthorityPlatform = (items: TimelinessItem[]) =>
    Object.fromEntries(items.map((i) => [`${i.authorityUscc}/${i.platform}`, { total: i.total, onTime: i.onTime, late: i.late, notYetDue: i.notYetDue }]));

  /** Each platform's overdue list of every `limit` equals the direct count's first `limit` (deadline, then id). */
  async function expectOverdueLists(key: string, direct: Awaited<ReturnType<typeof directDelivery>>, limits: number[], atLeast = 0) {
    for (const limit of limits) {
      const res = await t.request.get('/api/v1/publicity/status').query({ limit }).set('X-API-Key', key);
      expect(res.status).to.equal(200);
      for (const p of res.body.platforms as { platform: string; overdue: { id: string }[] }[]) {
        expect(direct[p.platform]!.overdueIds.length, 'enough overdue versions').to.be.at.least(atLeast);
        expect(p.overdue.map((x) => x.id), `${p.platform} overdue list of ${limit}`).to.deep.equal(direct[p.platform]!.overdueIds.slice(0, limit));
      }
    }
  }

  async function expectFiguresMatch(key: string, scope: string | null) {
    const today = todayInShanghai();
    const status = await t.request.get('/api/v1/publicity/status').set('X-API-Key', key);
    expect(status.status, JSON.stringify(status.body)).to.equal(200);
    expect(status.body.upToDate).to.equal(true);
    const direct = await directDelivery(scope, today);
    for (const p of status.body.platforms as { platform: string; counts: Record<string, number>; overdueCount: number; overdue: unknown[]; oldestPendingSince: string | null }[]) {
      const nonZero = Object.fromEntries(Object.entries(p.counts).filter(([, n]) => n > 0));
      expect(nonZero, `${p.platform} counts`).to.deep.equal(direct[p.platform]!.counts);
      if (!scope) expect(Object.keys(nonZero).length, 'the mix reached several states').to.be.greaterThan(2);
      expect(p.overdueCount, `${p.platform} overdue`).to.equal(direct[p.platform]!.overdue);
      expect(p.overdue.map((x) => (x as { id: string }).id), `${p.platform} overdue list`).to.deep.equal(direct[p.platform]!.overdueIds.slice(0, 100));
      expect(p.oldestPendingSince, `${p.platform} oldest pending`).to.equal(direct[p.platform]!.oldestPendingSince);
    }
    // Short lists: the day that overflows a list is read in id order with a limit, continued after the last id.
    await expectOverdueLists(key, direct, [1, 3, 7]);
    for (const month of months) {
      const res = await t.request.get('/api/v1/publicity/timeliness').query({ month }).set('X-API-Key', key);
      expect(res.status).to.equal(200);
      expect(byAuthorityPlatform(res.body.items as TimelinessItem[]), `及时率 ${month}`).to.deep.equal(await directTimeliness(month, scope, today));
    }
    for (const [by, field] of [
      ['district', 'districtCode'],
      ['industry', 'industryCode'],
    ] as const) {
      const res = await t.request.get('/api/v1/grades/stats').query({ by }).set('X-API-Key', key);
      expect(res.status).to.equal(200);
      const got = Object.fromEntries((res.body.groups as { key: string; A: number; B: number; C: number; D: number; total: number }[]).map(({ key: k, ...g }) => [k, g]));
      expect(got, `grades by ${by}`).to.deep.equal(await directGrades(field, scope));
    }
  }

  it('random creations, corrections, revocations, deliveries with faults, regrades and stopped summary workers', async () => {
    const rnd = seeded(1201);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const ids: { kind: 'penalties' | 'permits'; id: string }[] = [];
    const steps = [undefined, 'noted', 'applied', 'keysStored'] as const satisfies readonly SweepOptions['crashAfter'][];
    let n = 0;
    for (let round = 0; round < 60; round++) {
      const op = rnd();
      if (op < 0.45 || ids.length < 5) {
        n++;
        const kind = rnd() < 0.7 ? 'penalties' : 'permits';
        const day = `2026-${pick(['10', '11'])}-${String(1 + Math.floor(rnd() * 28)).padStart(2, '0')}`;
        months.add(day.slice(0, 7));
        const subject = { uscc: makeUscc(70_000 + (n % 25), pick(DISTRICTS)), subjectName: `测试安全生产企业${70_000 + (n % 25)}有限公司` };
        const minor = kind === 'penalties' && rnd() < 0.2 ? { penaltyTypes: ['警告'], fineAmount: undefined } : {};
        const body = kind === 'penalties' ? penaltyBody(80_000 + n, { ...subject, decisionDate: day, ...minor }) : permitBody(80_000 + n, { ...subject, decisionDate: day });
        const res = await t.request.post(`/api/v1/${kind}`).set('X-API-Key', clerk).send(body);
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        ids.push({ kind, id: res.body.id });
      } else if (op < 0.6) {
        const r = pick(ids);
        await t.request.patch(`/api/v1/${r.kind}/${r.id}`).set('X-API-Key', clerk).send({ action: 'correct', reason: '更正备注', changes: { remarks: `更正 ${round}` } });
      } else if (op < 0.67) {
        const r = pick(ids);
        await t.request
          .patch(`/api/v1/${r.kind}/${r.id}`)
          .set('X-API-Key', clerk)
          .send({ action: 'revoke', revocation: { decisionNumber: `撤〔2026〕${round}号`, decisionDate: '2026-11-30', reason: '复议撤销' } });
      } else if (op < 0.85) {
        if (rnd() < 0.3) fakes.municipal.faults.next(1, { status: 500 });
        if (rnd() < 0.3) fakes.national.faults.next(1, { status: 500, storeBeforeFailing: true });
        await engine.sweep({ budgetMs: 5_000 });
      } else if (op < 0.92) {
        await regradeAll({ trigger: 'cli' });
      } else {
        await sweepTally(pick(['records', 'grades']), { batchSize: 1 + Math.floor(rnd() * 6), crashAfter: pick(steps) });
      }
    }
    await regradeAll({ trigger: 'cli' });
    await expectFiguresMatch(regulator, null);
    await expectFiguresMatch(scoped, '440305');
    for (const name of ['records', 'grades']) expect((await checkTally(name)).differences, name).to.deep.equal([]);
  });

  it('the overdue lists: most overdue first (deadline, then id), whole days and the day that overflows a list', async () => {
    // Six versions due one day and three the next, before every other one: lists of 3 or 5 end inside the
    // first day, 7 or 8 inside the second (the first read whole).
    for (let k = 0; k < 9; k++) {
      const res = await t.request
        .post('/api/v1/penalties')
        .set('X-API-Key', clerk)
        .send(penaltyBody(90_000 + k, { uscc: makeUscc(70_100 + k, DISTRICTS[k % 3]), subjectName: `测试安全生产企业${70_100 + k}有限公司`, decisionDate: k < 6 ? '2026-09-01' : '2026-09-02' }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    const today = todayInShanghai();
    const direct = await directDelivery(null, today);
    await expectOverdueLists(regulator, direct, [1, 3, 5, 6, 7, 8, 9, 20, 100], 9);
  });

  it('an open version keyed by its deadline while that was ahead moves to the past-due key at the nightly recount; 及时率 is the same before and after', async () => {
    const today = todayInShanghai();
    const p = platformIds()[0]!;
    // A version still undelivered whose deadline has passed: keyed today, its timeliness key carries no deadline.
    const r = await RecordModel.findOne({ [`delivery.${p}.state`]: { $in: UNDELIVERED }, [`delivery.${p}.firstDeliveredAt`]: null, 'derived.publicityDeadline': { $lt: today }, tallyDirty: false }).lean();
    expect(r, 'the random mix left an overdue version').to.not.equal(null);
    const deadline = String(r!.derived!.publicityDeadline);
    const stored = (r as unknown as { tallyKeys: string[] }).tallyKeys;
    const pastDue = stored.find((k) => k.startsWith('timeliness|') && k.includes(`|${p}|`) && k.endsWith('|open|'));
    expect(pastDue, `keys ${JSON.stringify(stored)}`).to.be.a('string');
    // As the sweep would have keyed it on a day before its deadline (stored keys only, as a nightly recount finds them).
    const ahead = pastDue + deadline;
    await RecordModel.collection.updateOne({ _id: r!._id }, { $set: { tallyKeys: stored.map((k) => (k === pastDue ? ahead : k)) } });
    const month = r!.decisionDate.slice(0, 7);
    const figures = async () => (await t.request.get('/api/v1/publicity/timeliness').query({ month }).set('X-API-Key', regulator)).body.items;
    const before = await figures();

    const recount = await recountTally('records');
    expect(recount.marked, 'the version whose deadline passed since it was keyed').to.equal(1);
    expect((await TallyModel.findById(ahead).lean())?.n, 'summaries rebuilt from the stored keys').to.equal(1);
    expect(await figures(), 'a reader counts a passed deadline as late either way').to.deep.equal(before);

    await sweepTally('records');
    expect((await TallyModel.findById(ahead).lean())?.n ?? 0, 'nothing counted under the deadline any more').to.equal(0);
    expect(((await RecordModel.findById(r!._id).lean()) as unknown as { tallyKeys: string[] }).tallyKeys).to.include(pastDue);
    expect(await figures()).to.deep.equal(before);
    expect(before.find((i: { authorityUscc: string; platform: string }) => i.authorityUscc === r!.authorityUscc && i.platform === p).late).to.be.greaterThan(0);
    expect(await directTimeliness(month, null, today)).to.deep.equal(byAuthorityPlatform(before));
    expect((await checkTally('records')).differences).to.deep.equal([]);
  });
});

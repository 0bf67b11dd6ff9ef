import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { penaltyBody } from '../support/fixtures.js';
import { daysAgo, listThroughHttp, type Keys } from '../support/dishonesty.js';
import { startFakes, fastConfigs, engineFor } from '../support/publicity.js';
import { runCli } from '../support/process.js';
import { addDays, addMonths, todayInShanghai } from '../../src/lib/calendar.js';
import { EnterpriseModel } from '../../src/modules/enterprises/index.js';
import { RecordModel, endExpiredPublicity } from '../../src/modules/records/index.js';
import { CaseModel, runDailyDishonesty } from '../../src/modules/dishonesty/index.js';
import type { DeliveryEngine } from '../../src/modules/publicity/index.js';

/** A real 1×1 PNG (evidence of a repair application). */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const COMMITMENT = '本单位郑重承诺：已纠正相关违法行为，已履行行政处罚决定规定的全部义务，所提交材料真实、准确、完整。';
const jsonl = (b: Buffer) => b.toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/**
 * Where the listing, repair and publicity rules meet (issue 15), through the HTTP API on the real database:
 * periods (民法典 arts. 201–203), late entries, repair of a penalty grounding a listing, ending a listing,
 * revoking a cited penalty, and revoking a repair obtained with false materials.
 */
describe('legal rules where listing, repair and publicity meet — end to end', function () {
  this.timeout(120_000);
  let t: TestApp;
  const keys = {} as Keys & { admin: string };
  let fakes: Awaited<ReturnType<typeof startFakes>>;
  let engine: DeliveryEngine;
  const today = todayInShanghai();
  let n = 0;

  before(async () => {
    t = await startTestApp('legal-listing');
    keys.clerk = await t.key(['clerk']);
    keys.reviewer = await t.key(['reviewer']);
    keys.regulator = await t.key(['regulator']);
    keys.partner = await t.key(['partner']);
    keys.admin = await t.key(['admin']);
    fakes = await startFakes();
    engine = engineFor(fastConfigs(fakes.env));
  });
  after(async () => {
    engine.shutdown();
    await fakes.stop();
    await t.close();
  });

  const api = (path: string) => `/api/v1${path}`;
  const get = (path: string, key: string) => t.request.get(api(path)).set('X-API-Key', key);
  const post = (path: string, key: string, body: object = {}) => t.request.post(api(path)).set('X-API-Key', key).send(body);
  const patch = (path: string, key: string, body: object) => t.request.patch(api(path)).set('X-API-Key', key).send(body);

  async function drain() {
    for (let i = 0; i < 20; i++) {
      const r = await engine.sweep({ budgetMs: 10_000 });
      if (r.every((p) => p.sent === 0)) return;
    }
  }

  /** A penalty of a fresh enterprise decided on `decisionDate` (罚款 5 万元: 一般 on its own). */
  async function penalty(decisionDate: string, over: Record<string, unknown> = {}) {
    n++;
    const body = penaltyBody(91_000 + n, { decisionNumber: `深应急罚〔legal〕${n}号`, decisionDate, validUntil: addDays(decisionDate, 30), fineAmount: 5, ...over });
    const res = await post('/penalties', keys.clerk, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return { id: res.body.id as string, uscc: body.uscc as string, name: body.subjectName as string, record: res.body, enterprise: await t.key(['enterprise'], { uscc: body.uscc }) };
  }

  async function fulfil(recordId: string, on: string) {
    const res = await post(`/penalties/${recordId}/fulfilment`, keys.clerk, { finePaidDate: on, correctionConfirmedDate: on, evidence: '缴款书 4403-2026-001；整改复查意见书' });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }

  function apply(key: string, recordId: string) {
    return t.request
      .post(api('/repairs'))
      .set('X-API-Key', key)
      .field('recordId', recordId)
      .field('commitmentText', COMMITMENT)
      .field('commitmentAccepted', 'true')
      .field('contactName', '李四')
      .field('contactPhone', '13800138000')
      .attach('evidence', PNG, { filename: '缴款凭证.png', contentType: 'image/png' });
  }

  const codes = (body: { reasons: { code: string }[] }) => body.reasons.map((r) => r.code);
  const messages = (res: { body: { error: { details: { message: string }[] } } }) => res.body.error.details.map((d) => d.message).join(' | ');

  describe('periods (民法典 arts. 201–203): repair from the day after the minimum period, publication through the maximum period', () => {
    it('a 一般 penalty: the API shows and applies the dates', async () => {
      const decided = daysAgo(150);
      const p = await penalty(decided);
      const minLast = addMonths(decided, 3);
      expect(p.record).to.include({ severity: '一般', repairEarliestDate: addDays(minLast, 1), publicityEndDate: addMonths(decided, 12), ruleVersion: 'NDRC-36-2026' });
      await fulfil(p.id, addDays(decided, 10));
      const onLast = await get(`/penalties/${p.id}/repair-eligibility?date=${minLast}`, p.enterprise);
      expect(onLast.status).to.equal(200);
      expect(codes(onLast.body)).to.deep.equal(['MIN_PERIOD_NOT_REACHED']);
      expect(onLast.body.earliestDate).to.equal(addDays(minLast, 1));
      const after = await get(`/penalties/${p.id}/repair-eligibility?date=${addDays(minLast, 1)}`, p.enterprise);
      expect(after.body).to.include({ eligible: true });
    });

    it('a decision before 2023-05-01 follows 发改办财金〔2019〕527号 (严重: 6 months / 3 years)', async () => {
      const p = await penalty('2023-04-28', { penaltyTypes: ['罚款', '责令停产停业'], fineAmount: 50, validUntil: '2023-06-30' });
      expect(p.record).to.include({ severity: '严重', ruleVersion: 'NDRC-527-2019', repairEarliestDate: '2023-10-29', publicityEndDate: '2026-04-28' });
    });
  });

  describe('a record whose maximum publicity period ended before it was entered', () => {
    it('is never published, and no withdrawal is sent (single, batch, and the nightly job)', async () => {
      const late = await penalty(addDays(addMonths(today, -12), -1));
      expect(late.record).to.include({ published: false, publicityEndDate: addDays(today, -1) });
      expect(late.record.delivery.municipal.state).to.equal('skipped');
      expect(late.record.delivery.national.state).to.equal('skipped');
      n++;
      const old = penaltyBody(91_000 + n, { decisionNumber: `深应急罚〔legal〕${n}号`, decisionDate: '2021-03-10', validUntil: '2021-04-10', penaltyTypes: ['吊销许可证件'], fineAmount: undefined, licenceAffected: '安全生产许可证（粤）WH安许证字[2019]001' });
      const batch = await post('/penalties/batch', keys.clerk, { records: [old] });
      expect(batch.status, JSON.stringify(batch.body)).to.equal(200);
      expect(batch.body.results[0].status, JSON.stringify(batch.body)).to.equal('created');
      const oldId = batch.body.results[0].id as string;
      const inTime = await penalty(daysAgo(10));
      await drain();
      for (const fake of [fakes.municipal, fakes.national]) {
        expect(fake.acceptedCount(late.id, 1)).to.equal(0);
        expect(fake.acceptedCount(oldId, 1)).to.equal(0);
        expect(fake.acceptedCount(inTime.id, 1)).to.equal(1);
      }
      // The nightly job ends their publicity: a version that is never sent.
      await endExpiredPublicity(today);
      await drain();
      for (const id of [late.id, oldId]) {
        const rec = (await RecordModel.findById(id).lean())!;
        expect(rec.lifecycle).to.equal('withdrawn');
        expect(rec.delivery.municipal).to.include({ state: 'skipped', op: 'withdraw' });
        expect(rec.delivery.national).to.include({ state: 'skipped', op: 'withdraw' });
        for (const fake of [fakes.municipal, fakes.national]) expect(fake.acceptedCount(id, 2)).to.equal(0);
      }
    });
  });

  describe('a penalty that grounds an active listing cannot be repaired: the enterprise applies for early removal', () => {
    it('eligibility says so, an application is refused, and an approval of an earlier application is refused', async () => {
      const p = await penalty(daysAgo(200));
      await fulfil(p.id, daysAgo(150));
      // An application made before the listing.
      const early = await apply(p.enterprise, p.id);
      expect(early.status, JSON.stringify(early.body)).to.equal(201);
      expect((await post(`/repairs/${early.body.id}/accept`, keys.reviewer, {})).status).to.equal(200);
      await listThroughHttp(t, keys, { uscc: p.uscc, penaltyId: p.id }, 100);
      const elig = await get(`/penalties/${p.id}/repair-eligibility`, p.enterprise);
      expect(elig.body.eligible).to.equal(false);
      expect(codes(elig.body)).to.include('LISTED_SERIOUSLY_DISHONEST');
      expect(elig.body.reasons.find((r: { code: string }) => r.code === 'LISTED_SERIOUSLY_DISHONEST').message).to.include('提前移出');
      expect(elig.body.conditions.find((c: { code: string }) => c.code === 'NOT_LISTED').met).to.equal(false);
      const approve = await post(`/repairs/${early.body.id}/approve`, keys.reviewer, {});
      expect(approve.status).to.equal(409);
      expectErrorShape(approve.body);
      expect(messages(approve)).to.include('提前移出');
      const rec = (await RecordModel.findById(p.id).lean())!;
      expect(rec.lifecycle).to.equal('active');
      // The enterprise, once the earlier application is closed, is refused outright.
      expect((await post(`/repairs/${early.body.id}/deny`, keys.reviewer, { reasons: ['该处罚为严重失信主体名单列入依据'] })).status).to.equal(200);
      const again = await apply(p.enterprise, p.id);
      expect(again.status).to.equal(422);
      expect(messages(again)).to.include('提前移出');
    });
  });

  describe('ending a listing does not downgrade its penalties', () => {
    it('early removal: the penalty stays 严重, published through 3 years from its decision, repairable from 1 year', async () => {
      // 一般 on its own and decided 460 days ago: as a plain penalty its publicity (1 year) would be over.
      const p = await penalty(daysAgo(460));
      expect(p.record.published).to.equal(false);
      const listed = await listThroughHttp(t, keys, { uscc: p.uscc, penaltyId: p.id }, 400);
      expect((await get(`/penalties/${p.id}`, keys.clerk)).body).to.include({ severity: '严重', published: true, lifecycle: 'active' });
      const applied = await post(`/dishonesty-list/${listed.id}/removal-applications`, p.enterprise, {
        statements: { penaltyFulfilled: true, hazardRectified: true, commitment: true },
        commitment: '本单位承诺今后严格遵守安全生产法律法规。',
        evidence: '整改报告一份',
      });
      expect(applied.status, JSON.stringify(applied.body)).to.equal(201);
      const removed = await post(`/dishonesty-list/${listed.id}/removal-decision`, keys.reviewer, { approved: true, reasons: '符合提前移出条件' });
      expect(removed.status, JSON.stringify(removed.body)).to.equal(200);
      expect(removed.body.status).to.equal('removed');
      const rec = (await get(`/penalties/${p.id}`, keys.clerk)).body;
      expect(rec).to.include({ severity: '严重', published: true, lifecycle: 'active', publicityEndDate: addMonths(daysAgo(460), 36), repairEarliestDate: addDays(addMonths(daysAgo(460), 12), 1) });
      expect(rec.severityReasons.join()).to.include('曾因该处罚被列入严重失信主体名单');
      const stored = (await RecordModel.findById(p.id).lean())!;
      expect(stored.versions.at(-1)).to.include({ action: 'delist', op: 'upsert', withdrawReason: null });
      // Repairable now (minimum 1 year passed, not listed any more).
      await fulfil(p.id, daysAgo(300));
      const elig = await get(`/penalties/${p.id}/repair-eligibility`, p.enterprise);
      expect(elig.body, JSON.stringify(elig.body.reasons)).to.include({ eligible: true, severity: '严重' });
    });

    it('expiry: the penalty stays 严重 (its own 3 years ended before the listing did, so it is withdrawn as 公示期满)', async () => {
      const p = await penalty(daysAgo(3 * 366 + 60));
      const listed = await listThroughHttp(t, keys, { uscc: p.uscc, penaltyId: p.id }, 3 * 366 + 10);
      const dir = mkdtempSync(join(tmpdir(), 'legal-listing-'));
      try {
        const r = await runDailyDishonesty({ exportDir: dir, today });
        expect(r.ran).to.equal(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect((await CaseModel.findById(listed.id).lean())!.status).to.equal('removed');
      const rec = (await get(`/penalties/${p.id}`, keys.clerk)).body;
      expect(rec).to.include({ severity: '严重', lifecycle: 'withdrawn', publicityEndDate: addMonths(daysAgo(3 * 366 + 60), 36) });
    });
  });

  describe('revoking a penalty a listing cites removes its basis', () => {
    const revoke = (id: string, basis: string) =>
      patch(`/penalties/${id}`, keys.clerk, { action: 'revoke', revocation: { decisionNumber: `深府复决〔2026〕${id.slice(-4)}号`, decisionDate: today, reason: '行政复议决定撤销原处罚决定', basis } });

    it('the only cited penalty revoked (行政复议): the listing is revoked — /check, exports, the enterprise flag and the grade follow, every step audited', async () => {
      const p = await penalty(daysAgo(120));
      const listed = await listThroughHttp(t, keys, { uscc: p.uscc, penaltyId: p.id }, 60);
      expect((await get(`/dishonesty-list/check?uscc=${p.uscc}`, keys.partner)).body.listed).to.equal(true);
      expect((await EnterpriseModel.findOne({ uscc: p.uscc }).lean())!.listing).to.include({ active: true });
      const res = await revoke(p.id, '行政复议');
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.lifecycle).to.equal('revoked');
      const c = (await get(`/dishonesty-list/${listed.id}`, keys.reviewer)).body;
      expect(c.status).to.equal('revoked');
      expect(c.revocation).to.include({ on: today, automatic: true });
      expect(c.revocation.reasons).to.include(p.record.decisionNumber).and.include('行政复议');
      expect(c.spans.at(-1)).to.include({ to: addDays(today, -1) });
      expect(c.history.at(-1)).to.include({ type: 'revoked', on: today });
      const check = (await get(`/dishonesty-list/check?uscc=${p.uscc}`, keys.partner)).body;
      expect(check.listed).to.equal(false);
      const exported = await t.request
        .get(api(`/exports/dishonesty-list?format=jsonl&asOf=${today}`))
        .set('X-API-Key', keys.partner)
        .buffer(true)
        .parse((r, cb) => {
          const chunks: Buffer[] = [];
          r.on('data', (d: Buffer) => chunks.push(d));
          r.on('end', () => cb(null, Buffer.concat(chunks)));
        });
      expect(exported.status).to.equal(200);
      expect(jsonl(exported.body as Buffer).map((row) => row.listingId)).to.not.include(listed.id);
      expect((await EnterpriseModel.findOne({ uscc: p.uscc }).lean())!.listing).to.equal(undefined);
      const grade = await get(`/grades/${p.uscc}`, keys.regulator);
      expect(grade.status, JSON.stringify(grade.body)).to.equal(200);
      expect(grade.body.tier).to.not.equal('D');
      await expectAudited('penalty.revoke', p.id);
      await expectAudited('dishonesty.basis.revoke', listed.id);
      // The revoked listing's penalty loses both marks.
      const rec = (await RecordModel.findById(p.id).lean())!;
      expect(rec.data.listedAsSeriouslyDishonest).to.equal(undefined);
      expect(rec.data.groundedSeriousDishonestyListing).to.equal(undefined);
    });

    /** A unit listed 60 days ago on two of its penalties. */
    async function listedOnTwo() {
      const p = await penalty(daysAgo(120));
      n++;
      const second = await post('/penalties', keys.clerk, penaltyBody(91_000 + n, { uscc: p.uscc, subjectName: p.name, decisionNumber: `深应急罚〔legal〕${n}号`, decisionDate: daysAgo(110), validUntil: daysAgo(80), fineAmount: 5 }));
      expect(second.status, JSON.stringify(second.body)).to.equal(201);
      const proposal = await post('/dishonesty-list/proposals', keys.clerk, { uscc: p.uscc, groundCode: 'g', penaltyIds: [p.id, second.body.id], facts: '该单位对重大事故隐患拒不整改，经责令停产停业后仍擅自组织生产。', proposedOn: daysAgo(92) });
      expect(proposal.status, JSON.stringify(proposal.body)).to.equal(201);
      const id = proposal.body.id as string;
      expect((await post(`/dishonesty-list/${id}/notice`, keys.clerk, { number: `告〔${id.slice(-6)}〕号`, issuedOn: daysAgo(91) })).status).to.equal(200);
      expect((await post(`/dishonesty-list/${id}/notice/service`, keys.clerk, { servedOn: daysAgo(90), method: '直接送达', recipient: '办公室主任' })).status).to.equal(200);
      const decided = await post(`/dishonesty-list/${id}/decision`, keys.reviewer, { outcome: 'list', decidedOn: daysAgo(60), reasons: '事实清楚', decisionNumber: `决〔${id.slice(-6)}〕号` });
      expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
      return { p, second: second.body as { id: string }, id, decided };
    }

    it('one of two cited penalties revoked (诉讼): suspended, a reviewer task; upheld → back on the list until the original end', async () => {
      const { p, second, id, decided } = await listedOnTwo();
      const end = decided.body.listing.end as string;

      expect((await revoke(p.id, '行政诉讼')).status).to.equal(200);
      const c = (await get(`/dishonesty-list/${id}`, keys.reviewer)).body;
      expect(c.status).to.equal('suspended');
      expect(c.basisReview).to.include({ status: 'pending', since: today });
      expect(c.basisReview.remaining).to.deep.equal([second.id]);
      expect((await get(`/dishonesty-list/check?uscc=${p.uscc}`, keys.partner)).body.listed).to.equal(false);
      expect((await EnterpriseModel.findOne({ uscc: p.uscc }).lean())!.listing).to.equal(undefined);
      const remaining = (await RecordModel.findById(second.id).lean())!;
      expect(remaining.data.listedAsSeriouslyDishonest).to.equal(undefined);
      await expectAudited('dishonesty.basis.suspend', id);

      const queue = await get('/dishonesty-list/reviews', keys.reviewer);
      expect(queue.status, JSON.stringify(queue.body)).to.equal(200);
      const task = queue.body.items.find((i: { id: string }) => i.id === id);
      expect(task).to.include({ task: '复核列入依据', status: 'suspended' });
      expect(task.revokedPenalties[0]).to.include({ id: p.id, decisionNumber: p.record.decisionNumber });
      expect((await get('/dishonesty-list/reviews', keys.clerk)).status).to.equal(403);

      const bad = await post(`/dishonesty-list/${id}/basis-review`, keys.reviewer, { outcome: 'keep', reasons: '' });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['outcome', 'reasons']);
      const upheld = await post(`/dishonesty-list/${id}/basis-review`, keys.reviewer, { outcome: 'uphold', reasons: '其余处罚仍足以认定拒不整改重大事故隐患' });
      expect(upheld.status, JSON.stringify(upheld.body)).to.equal(200);
      expect(upheld.body.status).to.equal('listed');
      expect(upheld.body.basisReview.status).to.equal('upheld');
      expect(upheld.body.spans.at(-1)).to.include({ from: today, to: end });
      expect((await get(`/dishonesty-list/check?uscc=${p.uscc}`, keys.partner)).body.listed).to.equal(true);
      expect((await RecordModel.findById(second.id).lean())!.data.listedAsSeriouslyDishonest).to.include({ listingId: id });
      expect((await EnterpriseModel.findOne({ uscc: p.uscc }).lean())!.listing).to.include({ active: true, listingId: id });
      await expectAudited('dishonesty.basis.uphold', id);
      expect((await get('/dishonesty-list/reviews', keys.reviewer)).body.items.map((i: { id: string }) => i.id)).to.not.include(id);
      expect((await post(`/dishonesty-list/${id}/basis-review`, keys.reviewer, { outcome: 'revoke', reasons: '再次复核的理由' })).status).to.equal(409);

      // The remaining penalty revoked too (自行纠错): nothing left, the listing is revoked.
      expect((await revoke(second.id, '自行纠错')).status).to.equal(200);
      const gone = (await get(`/dishonesty-list/${id}`, keys.reviewer)).body;
      expect(gone.status).to.equal('revoked');
      expect(gone.revocation.reasons).to.include('自行纠错');
    });

    it('one of two revoked, the reviewer finds the rest insufficient: revoked on review; audited', async () => {
      const { p, second, id } = await listedOnTwo();
      expect((await revoke(second.id, '自行纠错')).status).to.equal(200);
      expect((await get(`/dishonesty-list/${id}`, keys.reviewer)).body.status).to.equal('suspended');
      const res = await post(`/dishonesty-list/${id}/basis-review`, keys.reviewer, { outcome: 'revoke', reasons: '其余处罚不构成拒不整改的情形' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.status).to.equal('revoked');
      expect(res.body.revocation).to.include({ automatic: false, on: today });
      expect(res.body.basisReview.status).to.equal('revoked');
      expect((await get(`/dishonesty-list/check?uscc=${p.uscc}`, keys.partner)).body.listed).to.equal(false);
      // Both penalties lose the marks of the revoked listing.
      for (const pid of [p.id, second.id]) {
        const rec = (await RecordModel.findById(pid).lean())!;
        expect(rec.data.listedAsSeriouslyDishonest).to.equal(undefined);
        expect(rec.data.groundedSeriousDishonestyListing).to.equal(undefined);
      }
      expect((await get(`/penalties/${p.id}`, keys.clerk)).body.severity).to.equal('一般');
      await expectAudited('dishonesty.basis.revoke', id);
    });

    it('suspended, and the remaining penalty revoked too: nothing is left to review, the listing is revoked', async () => {
      const { p, second, id } = await listedOnTwo();
      expect((await revoke(p.id, '行政复议')).status).to.equal(200);
      expect((await revoke(second.id, '行政诉讼')).status).to.equal(200);
      const c = (await get(`/dishonesty-list/${id}`, keys.reviewer)).body;
      expect(c.status).to.equal('revoked');
      expect(c.basisReview.status).to.equal('revoked');
      expect(c.revocation.automatic).to.equal(true);
      expect((await get('/dishonesty-list/reviews', keys.reviewer)).body.items.map((i: { id: string }) => i.id)).to.not.include(id);
    });
  });

  describe('a repair obtained with false materials can be revoked (撤销修复)', () => {
    it('publication restored and re-sent, grade recomputed, re-application barred for the configured period; audited', async () => {
      const p = await penalty(daysAgo(150));
      await fulfil(p.id, daysAgo(140));
      await drain();
      const app = await apply(p.enterprise, p.id);
      expect(app.status, JSON.stringify(app.body)).to.equal(201);
      expect((await post(`/repairs/${app.body.id}/accept`, keys.reviewer, {})).status).to.equal(200);
      const approved = await post(`/repairs/${app.body.id}/approve`, keys.reviewer, {});
      expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
      expect(approved.body.state).to.equal('effected');
      await drain();
      const withdrawnVersion = (await RecordModel.findById(p.id).lean())!.version;

      // Only a reviewer; only an effected repair; reasons required.
      expect((await post(`/repairs/${app.body.id}/revoke`, keys.clerk, { reasons: ['伪造'] })).status).to.equal(403);
      const noReason = await post(`/repairs/${app.body.id}/revoke`, keys.reviewer, {});
      expect(noReason.status).to.equal(400);
      expect(noReason.body.error.details[0].path).to.equal('reasons');

      const res = await post(`/repairs/${app.body.id}/revoke`, keys.reviewer, { reasons: ['所提交的缴款凭证系伪造'] });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.state).to.equal('revoked');
      const barredUntil = addMonths(today, 36);
      expect(res.body.revocation).to.include({ date: today, barredUntil, restored: true, regraded: true, publicityEnded: false });
      expect(res.body.revocation.source).to.include('虚假材料');
      const rec = (await RecordModel.findById(p.id).lean())!;
      expect(rec.lifecycle).to.equal('active');
      expect(rec.version).to.equal(withdrawnVersion + 1);
      expect(rec.versions.at(-1)).to.include({ action: 'restore', op: 'upsert' });
      expect(rec.delivery.national).to.include({ state: 'pending', op: 'upsert' });
      await drain();
      for (const fake of [fakes.municipal, fakes.national]) expect(fake.acceptedCount(p.id, rec.version)).to.equal(1);
      const grade = await get(`/grades/${p.uscc}`, keys.regulator);
      expect(grade.body.reasons.map((r: { source: { id: string } }) => r.source.id)).to.include(p.id);
      await expectAudited('repair.revoke', app.body.id);
      await expectAudited('repair.revoke.restore', p.id);

      const elig = await get(`/penalties/${p.id}/repair-eligibility`, p.enterprise);
      expect(codes(elig.body)).to.deep.equal(['REAPPLICATION_BARRED']);
      expect(elig.body.earliestDate).to.equal(addDays(barredUntil, 1));
      const again = await apply(p.enterprise, p.id);
      expect(again.status).to.equal(422);
      expect(messages(again)).to.include('虚假材料');
      expect((await post(`/repairs/${app.body.id}/revoke`, keys.reviewer, { reasons: ['重复'] })).status).to.equal(409);
    });
  });
  describe('migration of stored periods (CLI recompute-periods)', () => {
    it('dry run reports, the run moves stored repair dates and listing ends to the new convention, audited; a second run changes nothing', async () => {
      const p = await penalty(daysAgo(100));
      const listed = await listThroughHttp(t, keys, { uscc: p.uscc, penaltyId: p.id }, 50);
      const start = listed.body.listing.start as string;
      const end = listed.body.listing.end as string;
      const q = await penalty(daysAgo(90));
      // Stored under the old convention: repair on the minimum period's last day, the listing ending the day before.
      const oldRepair = addDays(q.record.repairEarliestDate as string, -1);
      await RecordModel.updateOne({ _id: q.id }, { $set: { 'derived.repairEarliestDate': oldRepair } });
      await CaseModel.updateOne({ _id: listed.id }, { $set: { 'listing.end': addDays(end, -1), 'decision.end': addDays(end, -1), 'spans.0.to': addDays(end, -1) } });

      const dry = await runCli(t.dbName, ['recompute-periods', '--dry-run'], { ADMIN_API_KEY: undefined });
      expect(dry.code, dry.stderr).to.equal(0);
      const report = JSON.parse(dry.stdout);
      expect(report.dryRun).to.equal(true);
      expect(report.penalties.changed).to.be.greaterThan(0);
      expect(report.listings.changed).to.include(listed.id);
      expect((await RecordModel.findById(q.id).lean())!.derived.repairEarliestDate).to.equal(oldRepair);

      const run = await runCli(t.dbName, ['recompute-periods'], { ADMIN_API_KEY: undefined });
      expect(run.code, run.stderr).to.equal(0);
      expect((await get(`/penalties/${q.id}`, keys.clerk)).body.repairEarliestDate).to.equal(addDays(oldRepair, 1));
      const c = (await get(`/dishonesty-list/${listed.id}`, keys.reviewer)).body;
      expect(c.listing).to.include({ start, end });
      expect(c.spans.at(-1)).to.include({ to: end });
      expect(c.history.at(-1)).to.include({ type: 'period_recomputed' });
      expect((await RecordModel.findById(p.id).lean())!.data.listedAsSeriouslyDishonest).to.include({ until: end });
      expect((await EnterpriseModel.findOne({ uscc: p.uscc }).lean())!.listing).to.include({ until: end });
      await expectAudited('penalty.periods.recompute', q.id);
      await expectAudited('dishonesty.period.recompute', listed.id);

      const again = await runCli(t.dbName, ['recompute-periods'], { ADMIN_API_KEY: undefined });
      expect(again.code, again.stderr).to.equal(0);
      const second = JSON.parse(again.stdout);
      expect(second.penalties.changed).to.equal(0);
      expect(second.listings.changed).to.deep.equal([]);
    });
  });
});

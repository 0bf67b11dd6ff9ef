import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import mongoose from 'mongoose';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { makeUscc, penaltyBody } from '../support/fixtures.js';
import { ID_LI, ID_ZHANG, daysAgo, enterpriseWithPenalty, listThroughHttp, proposeThroughHttp, type Keys } from '../support/dishonesty.js';
import { addDays, addMonths, addWorkdays, addYears, todayInShanghai } from '../../src/lib/calendar.js';
import { EnterpriseModel } from '../../src/modules/enterprises/index.js';
import { RecordModel } from '../../src/modules/records/index.js';
import { CaseModel, LEDGER_PAGE_SIZE, LedgerHeadModel, LedgerPageModel, decodeEntry, runDailyDishonesty, unpackEntries } from '../../src/modules/dishonesty/index.js';

const persons = [
  { role: 'principal', name: '张三', idType: '身份证', idNumber: ID_ZHANG, position: '董事长' },
  { role: 'responsible', name: '李四', idType: '身份证', idNumber: ID_LI, position: '安全总监' },
];
const MASKED_ZHANG = '110105********1232';

describe('dishonesty list (严重失信主体名单): the listing procedure through HTTP', function () {
  this.timeout(60_000);
  let t: TestApp;
  const keys = {} as Keys & { enterprise: string; otherEnterprise: string; admin: string };
  let a: { uscc: string; name: string; penaltyId: string };
  let caseId = '';
  let deadline = '';

  before(async () => {
    t = await startTestApp('dishonesty');
    keys.clerk = await t.key(['clerk']);
    keys.reviewer = await t.key(['reviewer']);
    keys.regulator = await t.key(['regulator']);
    keys.partner = await t.key(['partner']);
    keys.admin = await t.key(['admin']);
    a = await enterpriseWithPenalty(t, keys, 801, 60);
    keys.enterprise = await t.key(['enterprise'], { uscc: a.uscc });
    keys.otherEnterprise = await t.key(['enterprise'], { uscc: makeUscc(999, '440305') });
  });
  after(() => t.close());

  const as = (key: string) => ({
    get: (path: string) => t.request.get(`/api/v1${path}`).set('X-API-Key', key),
    post: (path: string, body: object) => t.request.post(`/api/v1${path}`).set('X-API-Key', key).send(body),
    patch: (path: string, body: object) => t.request.patch(`/api/v1${path}`).set('X-API-Key', key).send(body),
  });

  describe('proposal (提请列入)', () => {
    it('refuses penalties of another unit or authority, persons where the ground does not allow them, and unknown grounds — listing every problem', async () => {
      const other = await enterpriseWithPenalty(t, keys, 802, 50);
      const otherAuthority = makeUscc(31337, '440300');
      const foreign = await as(keys.clerk).post('/penalties', penaltyBody(801, { uscc: a.uscc, subjectName: a.name, decisionNumber: '外机关罚〔2026〕1号', authorityUscc: otherAuthority, sourceUscc: otherAuthority, authorityName: '其他机关', decisionDate: daysAgo(55), validUntil: daysAgo(1) }));
      expect(foreign.status, JSON.stringify(foreign.body)).to.equal(201);
      const res = await as(keys.clerk).post('/dishonesty-list/proposals', {
        uscc: a.uscc,
        groundCode: 'f',
        penaltyIds: [a.penaltyId, other.penaltyId, foreign.body.id, '0123456789abcdef01234567'],
        facts: '无证经营，经查属实，情节严重。',
        persons,
      });
      expect(res.status).to.equal(400);
      expectErrorShape(res.body);
      const paths = res.body.error.details.map((d: { path: string }) => d.path);
      // Ground f (MEM Order 11 art. 7(1)) lists the unit and its principal person: the responsible person (persons.1) is refused, the principal is not.
      expect(paths).to.include.members(['persons.1.role', 'penaltyIds.1', 'penaltyIds.3', 'penaltyIds']);
      expect(paths).to.not.include('persons.0.role');
      expect(JSON.stringify(res.body)).to.include('谁处罚、谁决定');
      const unknown = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: a.uscc, groundCode: 'z', penaltyIds: [a.penaltyId], facts: '事实与理由说明文字。' });
      expect(unknown.status).to.equal(400);
      expect(unknown.body.error.details[0].path).to.equal('groundCode');
      const badId = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: a.uscc, groundCode: 'd', penaltyIds: [a.penaltyId], facts: '事实与理由说明文字。', persons: [{ ...persons[0], idNumber: '110105199001011231' }] });
      expect(badId.status).to.equal(400);
      expect(badId.body.error.details[0].path).to.equal('persons.0.idNumber');
      // Fuzz regression: malformed persons (null, a string) answered 500; a repeated ID number is named.
      const body = { uscc: a.uscc, groundCode: 'd', penaltyIds: [a.penaltyId], facts: '事实与理由说明文字。' };
      const malformed = await as(keys.clerk).post('/dishonesty-list/proposals', { ...body, persons: [null, 'x', persons[0]] });
      expect(malformed.status, JSON.stringify(malformed.body)).to.equal(400);
      expect(malformed.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['persons.0', 'persons.1']);
      const twice = await as(keys.clerk).post('/dishonesty-list/proposals', { ...body, persons: [persons[0], { ...persons[0], role: 'responsible' }] });
      expect(twice.status, JSON.stringify(twice.body)).to.equal(400);
      expect(twice.body.error.details.find((d: { path: string }) => d.path === 'persons.1')?.message).to.equal('同一证件号码重复');
    });

    it('creates the case with the unit, its persons and the cited penalty; the deciding authority is the punishing one', async () => {
      const res = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: a.uscc, groundCode: 'd', penaltyIds: [a.penaltyId], facts: '该单位瞒报一起造成2人死亡的生产安全事故，经调查属实。', proposedOn: daysAgo(40), persons });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      caseId = res.body.id;
      expect(res.body.status).to.equal('proposed');
      expect(res.body.ground).to.deep.equal({ code: 'd', article: '第六条第（四）项', text: '瞒报、谎报生产安全事故的生产经营单位及其有关责任人员' });
      expect(res.body.unitListed).to.equal(true);
      expect(res.body.authorityName).to.equal('深圳市应急管理局');
      expect(res.body.penalties[0].id).to.equal(a.penaltyId);
      expect(res.body.persons[0]).to.include({ role: 'principal', name: '张三', idNumber: ID_ZHANG });
      expect(res.body.history.map((h: { type: string }) => h.type)).to.deep.equal(['proposed']);
      await expectAudited('dishonesty.propose', caseId);
    });

    it('a second proposal citing the same penalty while the first is open is a conflict', async () => {
      const res = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: a.uscc, groundCode: 'd', penaltyIds: [a.penaltyId], facts: '重复提请的事实与理由。' });
      expect(res.status).to.equal(409);
      expect(res.body.error.message).to.include(caseId);
    });

    it('is not shown to the enterprise before the notice; other enterprises never see it', async () => {
      expect((await as(keys.enterprise).get(`/dishonesty-list/${caseId}`)).status).to.equal(404);
      expect((await as(keys.enterprise).get('/dishonesty-list')).body.items).to.deep.equal([]);
    });
  });

  describe('notice (告知书), service and the objection period (陈述申辩)', () => {
    it('issues the notice with reasons, basis, measures and rights; it cannot be served before it is dated', async () => {
      const res = await as(keys.clerk).post(`/dishonesty-list/${caseId}/notice`, { number: '深应急失信告〔2026〕1号', issuedOn: daysAgo(39) });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.status).to.equal('notified');
      expect(res.body.notice.basis).to.include('应急管理部令第11号').and.include('第六条第（四）项').and.include('（d）');
      expect(res.body.notice.measures.map((m: { code: string }) => m.code)).to.include('M01');
      expect(res.body.notice.rights[0]).to.include('5个工作日');
      const early = await as(keys.clerk).post(`/dishonesty-list/${caseId}/notice/service`, { servedOn: daysAgo(45), method: '直接送达', recipient: '张三' });
      expect(early.status).to.equal(400);
      expect((await as(keys.clerk).post(`/dishonesty-list/${caseId}/notice`, { number: 'X' })).status).to.equal(409);
    });

    it('records service: the objection period is 5 working days from the day after', async () => {
      const servedOn = daysAgo(38);
      const res = await as(keys.clerk).post(`/dishonesty-list/${caseId}/notice/service`, { servedOn, method: '直接送达', recipient: '张三' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      deadline = addWorkdays(servedOn, 5);
      expect(res.body.status).to.equal('objection');
      expect(res.body.objectionPeriod).to.deep.equal({ servedOn, deadline, waivedOn: null });
      await expectAudited('dishonesty.notice.served', caseId);
    });

    it('the notice is an HTML document; ID numbers in full for clerks, masked for the subject and regulators', async () => {
      const clerk = await as(keys.clerk).get(`/dishonesty-list/${caseId}/notice`);
      expect(clerk.status).to.equal(200);
      expect(clerk.headers['content-type']).to.match(/^text\/html/);
      expect(clerk.text).to.include('安全生产严重失信主体名单列入告知书').and.include('深应急失信告〔2026〕1号').and.include(ID_ZHANG).and.include(`陈述申辩期至 ${deadline}`);
      for (const key of [keys.enterprise, keys.regulator]) {
        const res = await as(key).get(`/dishonesty-list/${caseId}/notice`);
        expect(res.status).to.equal(200);
        expect(res.text).to.include(MASKED_ZHANG).and.not.include(ID_ZHANG);
      }
      const json = await as(keys.regulator).get(`/dishonesty-list/${caseId}`);
      expect(json.body.persons[0].idNumber).to.equal(MASKED_ZHANG);
      expect((await as(keys.otherEnterprise).get(`/dishonesty-list/${caseId}/notice`)).status).to.equal(404);
    });

    it('the subject states its case through its own enterprise key; a clerk records another; late statements are refused', async () => {
      const own = await as(keys.enterprise).post(`/dishonesty-list/${caseId}/objections`, { content: '事故已如实补报，请求不予列入。', evidence: '补报材料1份', submittedOn: daysAgo(37) });
      expect(own.status, JSON.stringify(own.body)).to.equal(201);
      expect(own.body.objections[0]).to.include({ no: 1, via: 'enterprise', submittedOn: daysAgo(37) });
      const recorded = await as(keys.clerk).post(`/dishonesty-list/${caseId}/objections`, { content: '电话陈述：已整改。', submittedOn: daysAgo(36) });
      expect(recorded.status).to.equal(201);
      expect(recorded.body.objections[1].via).to.equal('clerk');
      const late = await as(keys.clerk).post(`/dishonesty-list/${caseId}/objections`, { content: '逾期提出的意见。', submittedOn: addDays(deadline, 1) });
      expect(late.status).to.equal(409);
      expect(late.body.error.message).to.include(`陈述申辩期已于 ${deadline} 届满`);
      expect((await as(keys.otherEnterprise).post(`/dishonesty-list/${caseId}/objections`, { content: '冒名提出的意见。' })).status).to.equal(404);
      await expectAudited('dishonesty.objection', caseId);
    });
  });

  describe('decision (列入决定)', () => {
    it('cannot be made before the objection period ends, nor without answering the statements', async () => {
      const early = await as(keys.reviewer).post(`/dishonesty-list/${caseId}/decision`, { outcome: 'list', decidedOn: deadline, reasons: '事实清楚', decisionNumber: '深应急失信决〔2026〕1号', objectionResponse: '不予采纳' });
      expect(early.status).to.equal(409);
      expect(early.body.error.message).to.include(`陈述申辩期至 ${deadline} 届满`);
      const unanswered = await as(keys.reviewer).post(`/dishonesty-list/${caseId}/decision`, { outcome: 'list', decidedOn: daysAgo(30), reasons: '事实清楚', decisionNumber: '深应急失信决〔2026〕1号' });
      expect(unanswered.status).to.equal(400);
      expect(unanswered.body.error.details[0].path).to.equal('objectionResponse');
      expect((await as(keys.clerk).post(`/dishonesty-list/${caseId}/decision`, { outcome: 'not_list', reasons: '越权' })).status).to.equal(403);
    });

    it('lists the unit and its persons for 3 years from the decision, with measures and removal conditions', async () => {
      const decidedOn = daysAgo(30);
      const res = await as(keys.reviewer).post(`/dishonesty-list/${caseId}/decision`, {
        outcome: 'list',
        decidedOn,
        reasons: '瞒报事故事实清楚，证据确凿。',
        decisionNumber: '深应急失信决〔2026〕1号',
        objectionResponse: '补报不能改变瞒报的事实，不予采纳',
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const end = addYears(decidedOn, 3);
      expect(res.body.status).to.equal('listed');
      expect(res.body.listing).to.deep.include({ start: decidedOn, end, removedOn: null });
      expect(res.body.decision.measures.map((m: { code: string }) => m.code)).to.deep.equal(['M01', 'M02', 'M03', 'M04', 'M05', 'M06', 'M07']);
      expect(res.body.decision.removalConditions.length).to.be.greaterThan(1);
      expect(res.body.spans).to.have.length(1);
      expect(res.body.history.map((h: { type: string }) => h.type)).to.deep.equal(['proposed', 'notice_issued', 'notice_served', 'objection', 'objection', 'listed']);
      for (const h of res.body.history) expect(h.on).to.match(/^\d{4}-\d{2}-\d{2}$/);
      await expectAudited('dishonesty.decide', caseId);
    });

    it('effects: the enterprise is flagged as listed (grading forces tier D) and marked for regrading', async () => {
      const ent = await EnterpriseModel.findOne({ uscc: a.uscc }).lean();
      expect(ent!.listing).to.deep.equal({ active: true, listingId: caseId, since: daysAgo(30), until: addYears(daysAgo(30), 3) });
      expect(ent!.gradeDirty).to.equal(true);
      expect((await CaseModel.findById(caseId).lean())!.syncPending).to.equal(false);
    });

    it('effects: the cited penalty gets a new version marking it listed (严重, published while listed, noted in BZ) queued for the platforms', async () => {
      const rec = (await RecordModel.findById(a.penaltyId).lean())!;
      const last = rec.versions[rec.versions.length - 1];
      expect(rec.version).to.equal(2);
      expect(last.action).to.equal('list');
      expect(rec.data.listedAsSeriouslyDishonest).to.deep.equal({ listingId: caseId, decisionNumber: '深应急失信决〔2026〕1号', since: daysAgo(30), until: addYears(daysAgo(30), 3) });
      expect(rec.derived.severity).to.equal('严重');
      expect(rec.derived.severityReasons).to.include('因该处罚被列入严重失信主体名单');
      expect(rec.derived.publicityEndDate).to.equal(addYears(daysAgo(30), 3));
      expect(String(rec.data.remarks)).to.include('【严重失信主体名单】').and.include('深应急失信决〔2026〕1号');
      expect(rec.delivery.municipal).to.include({ state: 'pending', version: 2, op: 'upsert' });
      await expectAudited('penalty.list', a.penaltyId);
      // A correction of the penalty keeps the listed mark (not a field of the standard).
      const corrected = await as(keys.clerk).patch(`/penalties/${a.penaltyId}`, { action: 'correct', reason: '更正罚款金额', changes: { fineAmount: 60 } });
      expect(corrected.status, JSON.stringify(corrected.body)).to.equal(200);
      expect(corrected.body.listedAsSeriouslyDishonest.listingId).to.equal(caseId);
      expect(corrected.body.severity).to.equal('严重');
    });

    it('the decision is an HTML document with number, period, measures, removal conditions and remedies', async () => {
      const res = await as(keys.enterprise).get(`/dishonesty-list/${caseId}/decision`);
      expect(res.status).to.equal(200);
      expect(res.text).to.include('安全生产严重失信主体名单列入决定书').and.include('深应急失信决〔2026〕1号').and.include(`列入期限自 ${daysAgo(30)} 至 ${addYears(daysAgo(30), 3)}`);
      expect(res.text).to.include('加大执法检查频次').and.include('提前移出').and.include('行政复议').and.include('不予采纳');
      expect(res.text).to.include(MASKED_ZHANG).and.not.include(ID_ZHANG);
      // The reviewer's reasons ended with "。": the letter still has one full stop per sentence.
      expect(res.text).to.include('瞒报事故事实清楚，证据确凿。存在').and.not.match(/[。．.]\s*。/u);
    });

    it('partners and regulators look the unit up: listed today, and why', async () => {
      for (const key of [keys.partner, keys.regulator]) {
        const res = await as(key).get(`/dishonesty-list/check?uscc=${a.uscc}`);
        expect(res.status).to.equal(200);
        expect(res.body.listed).to.equal(true);
        expect(res.body.listings[0]).to.include({ listingId: caseId, decisionNumber: '深应急失信决〔2026〕1号', listingStart: daysAgo(30) });
        expect(res.body.listings[0].reason).to.include('瞒报、谎报生产安全事故');
        expect(res.body.listings[0].persons[0].idNumber).to.equal(MASKED_ZHANG);
      }
      const before = await as(keys.partner).get(`/dishonesty-list/check?uscc=${a.uscc}&date=${daysAgo(31)}`);
      expect(before.body.listed).to.equal(false);
      expect(before.body.message).to.include('不在安全生产严重失信主体名单内');
    });

    it('lists cases with filters and a cursor; the enterprise sees its own only', async () => {
      const listed = await as(keys.regulator).get('/dishonesty-list?status=listed&limit=1');
      expect(listed.status).to.equal(200);
      expect(listed.body.items.map((i: { id: string }) => i.id)).to.deep.equal([caseId]);
      expect(listed.body.items[0].persons[0].idNumber).to.equal(MASKED_ZHANG);
      expect((await as(keys.regulator).get('/dishonesty-list?status=not_listed')).body.items).to.deep.equal([]);
      expect((await as(keys.enterprise).get('/dishonesty-list')).body.items.map((i: { id: string }) => i.id)).to.deep.equal([caseId]);
      expect((await as(keys.otherEnterprise).get('/dishonesty-list')).body.items).to.deep.equal([]);
    });

    it('early removal is refused before 12 months on the list, with the reason', async () => {
      const elig = await as(keys.enterprise).get(`/dishonesty-list/${caseId}/removal-eligibility`);
      expect(elig.status).to.equal(200);
      expect(elig.body.canApply).to.equal(false);
      expect(elig.body.conditions.find((c: { code: string }) => c.code === 'minPeriod')).to.include({ met: false });
      const res = await as(keys.enterprise).post(`/dishonesty-list/${caseId}/removal-applications`, { statements: { penaltyFulfilled: true, hazardRectified: true, commitment: true }, commitment: '本单位承诺依法诚信经营，严格落实安全生产主体责任。', evidence: '缴款凭证1份' });
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal('NOT_ELIGIBLE');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['conditions.minPeriod']);
    });
  });

  /** Every ledger slot in order (empty string: a reserved slot never written). */
  async function ledgerSlots(): Promise<string[]> {
    const pages = await LedgerPageModel.find().sort({ _id: 1 }).lean();
    const slots: string[] = [];
    for (const p of pages) {
      const entries = unpackEntries(p.z, p.n);
      entries.forEach((e, i) => (slots[(p._id - 1) * LEDGER_PAGE_SIZE + i] = e));
    }
    return Array.from(slots, (e) => e ?? '');
  }

  describe('concurrent writers (conditional single-document writes: one wins, the loser re-checks or gets 409)', () => {
    it('two proposals citing one penalty at once: one wins; statements sent at once are all kept', async () => {
      const d = await enterpriseWithPenalty(t, keys, 805, 20);
      const body = { uscc: d.uscc, groundCode: 'g', penaltyIds: [d.penaltyId], facts: '同时提请的事实与理由。' };
      const both = await Promise.all([as(keys.clerk).post('/dishonesty-list/proposals', body), as(keys.clerk).post('/dishonesty-list/proposals', body)]);
      expect(both.map((r) => r.status).sort()).to.deep.equal([201, 409]);
      const id = both.find((r) => r.status === 201)!.body.id as string;
      await as(keys.clerk).post(`/dishonesty-list/${id}/notice`, { number: '深应急失信告〔2026〕5号' });
      await as(keys.clerk).post(`/dishonesty-list/${id}/notice/service`, { servedOn: todayInShanghai(), method: '直接送达', recipient: '张三' });
      const sent = await Promise.all([1, 2, 3, 4, 5].map((i) => as(keys.clerk).post(`/dishonesty-list/${id}/objections`, { content: `第${i}份陈述意见` })));
      expect(sent.map((r) => r.status)).to.deep.equal([201, 201, 201, 201, 201]);
      const doc = (await CaseModel.findById(id).lean())!;
      expect(doc.objections.map((o) => o.no).sort()).to.deep.equal([1, 2, 3, 4, 5]);
      expect(doc.objections.map((o) => o.content).sort()).to.deep.equal(['第1份陈述意见', '第2份陈述意见', '第3份陈述意见', '第4份陈述意见', '第5份陈述意见']);
      expect(doc.history.filter((h) => h.type === 'objection')).to.have.length(5);
      expect(doc.rev).to.equal(8);
    });

    it('two reviewers decide one case at once (two app instances): one lists it, the other gets 409; one listing, one ledger entry', async () => {
      const d = await enterpriseWithPenalty(t, keys, 806, 60);
      const { id, decide } = await proposeThroughHttp(t, keys, d, 20);
      const otherReviewer = await t.key(['reviewer'], { name: '第二审核人' });
      const other = t.withOptions({});
      const both = await Promise.all([
        decide(keys.reviewer),
        other
          .post(`/api/v1/dishonesty-list/${id}/decision`)
          .set('X-API-Key', otherReviewer)
          .send({ outcome: 'not_list', decidedOn: daysAgo(20), reasons: '经审查不予列入' }),
      ]);
      expect(both.map((r) => r.status).sort(), JSON.stringify(both.map((r) => r.body))).to.deep.equal([200, 409]);
      const lost = both.find((r) => r.status === 409)!;
      expectErrorShape(lost.body);
      const doc = (await CaseModel.findById(id).lean())!;
      const winner = both.find((r) => r.status === 200)!.body.status as string;
      expect(doc.status).to.equal(winner);
      expect(doc.history.filter((h) => h.type === 'listed' || h.type === 'not_listed')).to.have.length(1);
      const entries = (await ledgerSlots()).map(decodeEntry).filter((e) => e?.caseId === id);
      expect(entries).to.have.length(winner === 'listed' ? 1 : 0);
    });

    it('many listing decisions at once, two of them with one decision number: that number is used once (409 for the other), and the ledger has one slot per stretch, no gap, no duplicate', async () => {
      const cases = [];
      for (let i = 0; i < 8; i++) cases.push(await proposeThroughHttp(t, keys, await enterpriseWithPenalty(t, keys, 810 + i, 60), 20, i < 2 ? { decisionNumber: '深应急失信决〔2026〕同号' } : {}));
      const answers = await Promise.all(cases.map((c) => c.decide(keys.reviewer)));
      const statuses = answers.map((r) => r.status);
      expect(statuses.slice(2), JSON.stringify(answers.map((r) => r.body))).to.deep.equal([200, 200, 200, 200, 200, 200]);
      expect(statuses.slice(0, 2).sort()).to.deep.equal([200, 409]);
      const refused = answers.find((r) => r.status === 409)!;
      expectErrorShape(refused.body);
      expect(refused.body.error.details.map((x: { path: string }) => x.path)).to.deep.equal(['decisionNumber']);
      const refusedId = cases[statuses.indexOf(409)].id;
      expect((await CaseModel.findById(refusedId).lean())!.status).to.equal('objection');
      expect(await CaseModel.countDocuments({ 'decisionKey.number': '深应急失信决〔2026〕同号' })).to.equal(1);

      // The ledger: every stretch of every case exactly once, every slot reserved so far written (no gap).
      const slots = await ledgerSlots();
      const head = (await LedgerHeadModel.findById('head').lean())!;
      expect(slots).to.have.length(head.next!);
      expect(slots.filter((e) => e === ''), 'empty slots').to.deep.equal([]);
      const keysInLedger = slots.map((e) => `${decodeEntry(e)!.caseId}/${decodeEntry(e)!.span}`);
      expect(new Set(keysInLedger).size, 'duplicates').to.equal(keysInLedger.length);
      const all = await CaseModel.find({ 'spans.0': { $exists: true } }, { spans: 1 }).lean();
      const spans = all.flatMap((c) => c.spans.map((_, i) => `${String(c._id)}/${i}`));
      expect([...keysInLedger].sort()).to.deep.equal(spans.sort());
    });

    it('ledger appends from three processes at once (each its own connection) and listings decided meanwhile: every entry once, no gap', async () => {
      const before = (await ledgerSlots()).length;
      const PER = 700;
      // Each child process appends PER entries of its own through appendEntriesBulk (slot blocks by $inc, pages by conditional writes).
      const child = (tag: string) =>
        new Promise<void>((done, fail) => {
          const code = `
            import mongoose from 'mongoose';
            const { appendEntriesBulk } = await import(${JSON.stringify(resolve('src/modules/dishonesty/index.ts'))});
            await mongoose.connect(process.env.URI, { dbName: process.env.DB });
            const day = '2026-01-05';
            function* entries() {
              for (let i = 0; i < ${PER}; i++) yield { caseId: '${tag}-' + i, span: 0, from: day, to: '2029-01-04', start: day, groundCode: 'g', decisionNumber: '${tag}' + i, decisionDate: day, authorityName: '测试局', authorityUscc: 'X', uscc: 'X', subjectName: '测试企业', subjectType: '法人及非法人组织', persons: [], measures: ['M01'], events: [{ type: 'listed', at: 1 }] };
            }
            await appendEntriesBulk(entries());
            await mongoose.disconnect();
          `;
          const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env: { ...process.env, URI: process.env.TEST_MONGODB_URI, DB: t.dbName }, stdio: ['ignore', 'ignore', 'pipe'] });
          let stderr = '';
          p.stderr.on('data', (b) => (stderr += String(b)));
          p.on('exit', (c) => (c === 0 ? done() : fail(new Error(`child ${tag} exited ${c}: ${stderr}`))));
        });
      const cases = [];
      for (let i = 0; i < 4; i++) cases.push(await proposeThroughHttp(t, keys, await enterpriseWithPenalty(t, keys, 830 + i, 60), 20));
      const [, , , ...answers] = await Promise.all([child('a'), child('b'), child('c'), ...cases.map((c) => c.decide(keys.reviewer))]);
      expect(answers.map((r) => r.status)).to.deep.equal([200, 200, 200, 200]);

      const slots = await ledgerSlots();
      expect(slots).to.have.length((await LedgerHeadModel.findById('head').lean())!.next!);
      expect(slots.length - before).to.equal(3 * PER + 4);
      expect(slots.filter((e) => e === ''), 'empty slots').to.deep.equal([]);
      const ids = slots.map((e) => decodeEntry(e)!.caseId);
      expect(new Set(ids).size, 'duplicates').to.equal(ids.length);
      for (const tag of ['a', 'b', 'c']) expect(ids.filter((id) => id.startsWith(`${tag}-`))).to.have.length(PER);
      for (const c of cases) expect(ids.filter((id) => id === c.id)).to.have.length(1);
    }).timeout(240_000);
  });

  describe('the reviewer decides not to list', () => {
    it('after the subject waived its statement, before the period ended; nothing is published or flagged', async () => {
      const b = await enterpriseWithPenalty(t, keys, 803, 20);
      const ent = await t.key(['enterprise'], { uscc: b.uscc });
      const p = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: b.uscc, groundCode: 'g', penaltyIds: [b.penaltyId], facts: '对重大事故隐患拒不整改的事实与理由。' });
      const id = p.body.id as string;
      await as(keys.clerk).post(`/dishonesty-list/${id}/notice`, { number: '深应急失信告〔2026〕2号' });
      await as(keys.clerk).post(`/dishonesty-list/${id}/notice/service`, { servedOn: todayInShanghai(), method: '邮寄送达', recipient: '法定代表人' });
      const tooEarly = await as(keys.reviewer).post(`/dishonesty-list/${id}/decision`, { outcome: 'not_list', reasons: '隐患已整改' });
      expect(tooEarly.status).to.equal(409);
      const waived = await as(ent).post(`/dishonesty-list/${id}/objections`, { kind: 'waiver', content: '放弃陈述申辩' });
      expect(waived.status, JSON.stringify(waived.body)).to.equal(201);
      expect(waived.body.waiver).to.include({ waivedOn: todayInShanghai(), via: 'enterprise' });
      const res = await as(keys.reviewer).post(`/dishonesty-list/${id}/decision`, { outcome: 'not_list', reasons: '经复核隐患已在期限内整改完毕，不符合列入情形' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.status).to.equal('not_listed');
      expect(res.body.listing).to.equal(null);
      expect((await EnterpriseModel.findOne({ uscc: b.uscc }).lean())!.listing).to.equal(undefined);
      expect((await RecordModel.findById(b.penaltyId).lean())!.version).to.equal(1);
      const doc = await as(ent).get(`/dishonesty-list/${id}/decision`);
      expect(doc.text).to.include('不予列入安全生产严重失信主体名单决定书').and.include('明确放弃陈述、申辩');
      expect((await as(keys.partner).get(`/dishonesty-list/check?uscc=${b.uscc}`)).body.listed).to.equal(false);
      // A closed case no longer holds its penalty.
      const again = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: b.uscc, groundCode: 'g', penaltyIds: [b.penaltyId], facts: '发现新的证据后再次提请。' });
      expect(again.status).to.equal(201);
    });
  });

  describe('leaving the list early, and the revocation of a removal obtained by false statements', () => {
    let c: { uscc: string; name: string; penaltyId: string };
    let id = '';
    let end = '';
    let ent = '';

    before(async () => {
      c = await enterpriseWithPenalty(t, keys, 804, 440);
      ent = await t.key(['enterprise'], { uscc: c.uscc });
      const listed = await listThroughHttp(t, keys, c, 400);
      id = listed.id;
      end = listed.body.listing.end;
    });

    it('eligibility after 12 months: the system checks pass; statements remain to be made', async () => {
      const res = await as(ent).get(`/dishonesty-list/${id}/removal-eligibility`);
      expect(res.body.canApply).to.equal(true);
      expect(res.body.eligible).to.equal(false);
      expect(res.body.earliestDate).to.equal(addDays(addMonths(daysAgo(400), 12), 1));
      expect(res.body.conditions.filter((x: { met: boolean | null }) => x.met === null).map((x: { code: string }) => x.code)).to.deep.equal(['penaltyFulfilled', 'hazardRectified', 'commitment']);
    });

    it('an application whose statements do not hold is refused with the reasons', async () => {
      const res = await as(ent).post(`/dishonesty-list/${id}/removal-applications`, { statements: { penaltyFulfilled: false, hazardRectified: true, commitment: true }, commitment: '本单位承诺依法诚信经营，严格落实安全生产主体责任。', evidence: '整改报告1份' });
      expect(res.status).to.equal(409);
      expect(res.body.error.details).to.deep.equal([{ path: 'conditions.penaltyFulfilled', message: '申请人未履行行政处罚决定规定的义务' }]);
    });

    it('applies, is decided within the working-day deadline, and leaves the list from the decision date', async () => {
      const app = await as(ent).post(`/dishonesty-list/${id}/removal-applications`, { appliedOn: daysAgo(5), statements: { penaltyFulfilled: true, hazardRectified: true, commitment: true }, commitment: '本单位承诺依法诚信经营，严格落实安全生产主体责任。', evidence: '缴款凭证、整改验收报告各1份' });
      expect(app.status, JSON.stringify(app.body)).to.equal(201);
      expect(app.body.applications[0]).to.include({ no: 1, status: 'pending', via: 'enterprise', deadline: addWorkdays(daysAgo(5), 20) });
      expect((await as(ent).post(`/dishonesty-list/${id}/removal-applications`, { statements: { penaltyFulfilled: true, hazardRectified: true, commitment: true }, commitment: '再次申请的信用承诺内容。', evidence: '材料' })).status).to.equal(409);
      const decided = await as(keys.reviewer).post(`/dishonesty-list/${id}/removal-decision`, { approved: true, decidedOn: daysAgo(2), reasons: '经核查，已履行处罚决定、完成整改并作出信用承诺' });
      expect(decided.status, JSON.stringify(decided.body)).to.equal(200);
      expect(decided.body.status).to.equal('removed');
      expect(decided.body.listing).to.deep.include({ end, removedOn: daysAgo(2) });
      expect(decided.body.listing.removal).to.include({ kind: 'early', on: daysAgo(2), applicationNo: 1 });
      expect(decided.body.applications[0].decision).to.include({ approved: true, late: false });
      expect(decided.body.spans[0].to).to.equal(daysAgo(3));
      expect((await EnterpriseModel.findOne({ uscc: c.uscc }).lean())!.listing).to.equal(undefined);
      const rec = (await RecordModel.findById(c.penaltyId).lean())!;
      expect(rec.versions[rec.versions.length - 1].action).to.equal('delist');
      expect(rec.data.listedAsSeriouslyDishonest).to.equal(undefined);
      expect(String(rec.data.remarks ?? '')).to.not.include('严重失信');
      // Ending the listing does not downgrade the penalty (issue 15): it stays 严重, published through 3 years from its
      // decision 440 days ago (as 一般 its 1 year would have ended and delisting would have withdrawn it).
      expect(rec.derived.severity).to.equal('严重');
      expect(rec.data.groundedSeriousDishonestyListing).to.include({ listingId: id });
      expect(rec.derived.publicityEndDate).to.equal(addYears(daysAgo(440), 3));
      expect(rec.versions[rec.versions.length - 1]).to.include({ op: 'upsert', withdrawReason: null });
      expect(rec.lifecycle).to.equal('active');
      const check = await as(keys.partner).get(`/dishonesty-list/check?uscc=${c.uscc}`);
      expect(check.body.listed).to.equal(false);
      expect((await as(keys.partner).get(`/dishonesty-list/check?uscc=${c.uscc}&date=${daysAgo(3)}`)).body.listed).to.equal(true);
      await expectAudited('dishonesty.removal.decide', id);
    });

    it('revoking the removal (false statements) restores the listing with its original end date', async () => {
      const res = await as(keys.reviewer).post(`/dishonesty-list/${id}/removal-revocation`, { reasons: '经查，申请时提交的缴款凭证系伪造' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.status).to.equal('listed');
      expect(res.body.listing).to.deep.include({ start: daysAgo(400), end, removedOn: null, removal: null });
      expect(res.body.spans.map((s: { from: string; to: string }) => [s.from, s.to])).to.deep.equal([
        [daysAgo(400), daysAgo(3)],
        [todayInShanghai(), end],
      ]);
      expect(res.body.applications[0].status).to.equal('revoked');
      expect(res.body.applications[0].revocation.reasons).to.include('伪造');
      expect((await EnterpriseModel.findOne({ uscc: c.uscc }).lean())!.listing).to.deep.equal({ active: true, listingId: id, since: daysAgo(400), until: end });
      const rec = (await RecordModel.findById(c.penaltyId).lean())!;
      expect(rec.versions.map((v) => v.action)).to.deep.equal(['create', 'list', 'delist', 'list']);
      expect(rec.lifecycle).to.equal('active'); // published again while listed
      expect(rec.derived.publicityEndDate).to.equal(end);
      // Not listed on the days between removal and restoration; listed again today.
      expect((await as(keys.partner).get(`/dishonesty-list/check?uscc=${c.uscc}&date=${daysAgo(1)}`)).body.listed).to.equal(false);
      expect((await as(keys.partner).get(`/dishonesty-list/check?uscc=${c.uscc}`)).body.listed).to.equal(true);
      expect((await as(keys.reviewer).post(`/dishonesty-list/${id}/removal-revocation`, { reasons: '重复撤销的理由' })).status).to.equal(409);
      await expectAudited('dishonesty.removal.revoke', id);
    });

    it('a change of the published information takes effect from its date (a new stretch), keeping the listing period', async () => {
      const res = await as(keys.reviewer).patch(`/dishonesty-list/${id}`, { reason: '单位名称变更', changes: { subjectName: '测试安全生产企业804（更名）有限公司', measures: ['M01', 'M03'] } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.subjectName).to.equal('测试安全生产企业804（更名）有限公司');
      expect(res.body.spans).to.have.length(2); // the restored stretch began today: changed in place
      expect(res.body.spans[1]).to.include({ from: todayInShanghai(), to: end, subjectName: '测试安全生产企业804（更名）有限公司' });
      expect(res.body.spans[1].events.map((e: { type: string }) => e.type)).to.deep.equal(['restored', 'changed']);
      expect(res.body.decision.measures.map((m: { code: string }) => m.code)).to.deep.equal(['M01', 'M03']);
    });
  });

  describe('automatic removal when the 3 years end (daily job)', () => {
    it('removes the listing the day after its end: publication withdrawn, measures lifted, enterprise cleared, regrade', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dishonesty-job-'));
      try {
        const c = (await CaseModel.findById(caseId).lean())!;
        const day = addDays(c.listing!.end, 1);
        await EnterpriseModel.updateOne({ uscc: a.uscc }, { $set: { gradeDirty: false } });
        const before = await runDailyDishonesty({ exportDir: dir, today: c.listing!.end });
        expect(before.ran).to.equal(true);
        expect((await CaseModel.findById(caseId).lean())!.status).to.equal('listed');
        const r = await runDailyDishonesty({ exportDir: dir, today: day });
        expect(r.ran).to.equal(true);
        const after = (await CaseModel.findById(caseId).lean())!;
        expect(after.status).to.equal('removed');
        expect(after.listing!.removal).to.include({ kind: 'expired', on: day });
        expect(after.history[after.history.length - 1]).to.include({ type: 'removed_expired', on: day, by: 'system' });
        const ent = (await EnterpriseModel.findOne({ uscc: a.uscc }).lean())!;
        expect(ent.listing).to.equal(undefined);
        expect(ent.gradeDirty).to.equal(true);
        // The penalty's own publicity (3 years from its decision) ended before the listing did: the delisting version withdraws it.
        const rec = (await RecordModel.findById(a.penaltyId).lean())!;
        const last = rec.versions[rec.versions.length - 1];
        expect(last).to.include({ action: 'delist', op: 'withdraw', withdrawReason: '公示期满' });
        expect(rec.lifecycle).to.equal('withdrawn');
        expect(rec.delivery.national).to.include({ state: 'pending', op: 'withdraw', reason: '公示期满' });
        expect((await as(keys.partner).get(`/dishonesty-list/check?uscc=${a.uscc}&date=${day}`)).body.listed).to.equal(false);
        expect((await as(keys.partner).get(`/dishonesty-list/check?uscc=${a.uscc}&date=${c.listing!.end}`)).body.listed).to.equal(true);
        await expectAudited('dishonesty.expire', caseId);
        // Running again changes nothing.
        const again = await runDailyDishonesty({ exportDir: dir, today: day });
        expect(again).to.include({ removed: 0 });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('data stored before decision numbers and ledger slots were kept this way', () => {
    it('the ledger counter starts where the former head page stopped; the daily job gives stored listings their decision key', async () => {
      // The former layout: a head page filled up to its n, no counter.
      const next = (await LedgerHeadModel.findById('head').lean())?.next ?? 0;
      await LedgerHeadModel.collection.updateOne({ _id: 'head' as never }, { $unset: { next: 1 }, $set: { page: Math.floor(next / LEDGER_PAGE_SIZE) + 1 } }, { upsert: true });
      const d = await enterpriseWithPenalty(t, keys, 840, 60);
      const listed = await listThroughHttp(t, keys, d, 20, { decisionNumber: '深应急失信决〔2026〕旧号' });
      const slots = await ledgerSlots();
      expect(slots).to.have.length(next + 1);
      expect(decodeEntry(slots[next])!.caseId).to.equal(listed.id);
      expect(slots.filter((e) => e === '')).to.deep.equal([]);

      // A listing stored without its decision key: the daily job adds it, and the number is then taken.
      await CaseModel.collection.updateOne({ _id: new mongoose.Types.ObjectId(listed.id) }, { $unset: { decisionKey: 1 } });
      const dir = mkdtempSync(join(tmpdir(), 'dishonesty-job-'));
      try {
        await runDailyDishonesty({ exportDir: dir });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      expect((await CaseModel.findById(listed.id).lean())!.decisionKey).to.deep.equal({ authority: listed.body.authorityUscc, number: '深应急失信决〔2026〕旧号' });
      const e = await enterpriseWithPenalty(t, keys, 841, 60);
      const { decide } = await proposeThroughHttp(t, keys, e, 20, { decisionNumber: '深应急失信决〔2026〕旧号' });
      const again = await decide(keys.reviewer);
      expect(again.status).to.equal(409);
      expect(again.body.error.details).to.deep.equal([{ path: 'decisionNumber', message: `已用于名单案件 ${listed.id}` }]);
    });
  });
});

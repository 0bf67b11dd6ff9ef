import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { enterpriseBody, makeUscc, penaltyBody, permitBody } from '../support/fixtures.js';
import { spawnService } from '../support/process.js';
import { addDays, addYears, todayInShanghai } from '../../src/lib/calendar.js';
import { EnterpriseModel, markGradeDirty } from '../../src/modules/enterprises/index.js';
import { AuditModel } from '../../src/modules/audit/index.js';
import { hasValidRepairCommitment, validRepairCommitment } from '../../src/modules/commitments/index.js';
import { SYSTEM_PRINCIPAL, withdrawRecord } from '../../src/modules/records/index.js';
import {
  CLAIM_LEASE_MS,
  GradeHistoryModel,
  GradeModel,
  GradingClaimModel,
  PlanItemModel,
  SupervisionPlanModel,
  drawPlan,
  regradeAll,
  runGradeSweep,
  scorecard,
  sweepDirty,
} from '../../src/modules/grading/index.js';
import { configDir } from '../../src/lib/configFiles.js';

const today = todayInShanghai();
const SC = scorecard();

/** Enterprises of this file: numbers → fixtures (enterpriseBody(n) is 二级 → 91 A when clean). */
const E = (n: number, district = '440305') => enterpriseBody(n, { districtCode: district });
const recent = (n: number, over: Record<string, unknown> = {}) =>
  penaltyBody(n, { decisionDate: addDays(today, -10), validUntil: addYears(today, 1), ...over });

describe('credit grading (分类分级监管) through HTTP, jobs and CLI', function () {
  this.timeout(60_000);
  let t: TestApp;
  let clerk: string;
  let regulator: string;
  let reviewer: string;
  let scoped: string;
  let own: string;
  const A = E(1);
  const B = E(2);
  const OTHER = E(3, '440306');

  const api = (method: 'get' | 'post' | 'patch', path: string, key: string, body?: object) => {
    const r = t.request[method](`/api/v1${path}`).set('X-API-Key', key);
    return body ? r.send(body) : r;
  };
  const gradeOf = async (uscc: string, key = regulator) => {
    const res = await api('get', `/grades/${uscc}`, key);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body as { score: number; tier: string; reasons: { indicator: string; source: { type: string; id: string }; points: number; detail: string }[]; scorecardVersion: string; gradedAt: string; checkedAt: string; version: number };
  };
  const sweep = async () => {
    const r = await runGradeSweep();
    expect(r.ran, 'the sweep got the grading lease').to.equal(true);
    return r as { ran: true; graded: number; changed: number; batches: number };
  };

  before(async () => {
    t = await startTestApp('grading');
    clerk = await t.key(['clerk']);
    regulator = await t.key(['regulator']);
    reviewer = await t.key(['reviewer']);
    scoped = await t.key(['regulator'], { scope: ['440306'] });
    own = await t.key(['enterprise'], { uscc: A.uscc });
    for (const e of [A, B, OTHER]) expect((await api('post', '/enterprises', clerk, e)).status).to.equal(201);
  });
  after(() => t.close());

  describe('triggers: the dirty flag, the sweep, and history only on change', () => {
    it('a new enterprise is dirty; the sweep grades it and clears the flag', async () => {
      expect(await EnterpriseModel.countDocuments({ gradeDirty: true })).to.equal(3);
      const r = await sweep();
      expect(r.graded).to.equal(3);
      expect(r.changed).to.equal(3);
      expect(await EnterpriseModel.countDocuments({ gradeDirty: true })).to.equal(0);
      expect(await GradingClaimModel.countDocuments()).to.equal(0);
      const g = await gradeOf(A.uscc);
      expect(g).to.include({ score: 91, tier: 'A', scorecardVersion: SC.version, version: 1 });
      expect(g.reasons.map((x) => [x.indicator, x.points])).to.deep.equal([['base', 85], ['standardisation', 6]]);
      expect(new Date(g.gradedAt).getTime()).to.be.closeTo(Date.now(), 60_000);
      await expectAudited('grading.regrade.batch');
    });

    it('a new penalty makes the enterprise dirty → the sweep regrades it with the penalty as a reason', async () => {
      const p = await api('post', '/penalties', clerk, recent(1));
      expect(p.status, JSON.stringify(p.body)).to.equal(201);
      expect((await EnterpriseModel.findOne({ uscc: A.uscc }).lean())?.gradeDirty).to.equal(true);
      const r = await sweep();
      expect(r).to.include({ graded: 1, changed: 1 });
      const g = await gradeOf(A.uscc);
      expect(g).to.include({ score: 80, tier: 'B', version: 2 });
      expect(g.reasons.find((x) => x.indicator === 'penalty')).to.deep.include({ source: { type: 'penalty', id: p.body.id }, points: -11 });
    });

    it('a replay or a 409 writes nothing to the enterprise; a full regrade links a record a crash left unlisted, and the sweep reads records by USCC', async () => {
      const before = await gradeOf(A.uscc);
      const listed = async () => ((await EnterpriseModel.findOne({ uscc: A.uscc }).lean())?.recordIds ?? []).map(String);
      const ids = await listed();
      expect(ids).to.have.length(1);
      const body = recent(1);
      expect((await api('post', '/penalties', clerk, body)).status, 'idempotent replay').to.equal(200);
      expect((await api('post', '/penalties', clerk, { ...body, content: `${String(body.content)}（另案）` })).status, 'conflict').to.equal(409);
      expect(await listed(), 'neither the replay nor the conflict touched the enterprise').to.deep.equal(ids);
      // A crash between storing a record and linking it: the record is there, its enterprise does not list it.
      await EnterpriseModel.updateOne({ uscc: A.uscc }, { $set: { recordIds: [] } });
      await regradeAll({ trigger: 'cli' });
      expect(await listed(), 'the full regrade read every record and linked it again').to.deep.equal(ids);
      await sweep();
      const g = await gradeOf(A.uscc);
      expect(g).to.include({ score: before.score, tier: before.tier });
      expect(g.reasons.filter((x) => x.indicator === 'penalty')).to.have.length(1);
    });

    it('the sweep finds flagged enterprises by an indexed query on the flag; an unflagged enterprise is not regraded', async () => {
      expect((await EnterpriseModel.findOne({ uscc: OTHER.uscc }).lean())?.gradeDirty).to.equal(false);
      const r = await sweep();
      expect(r.graded, 'nothing flagged: nothing graded').to.equal(0);
      // The query the sweep runs is served by the enterprises' index on `gradeDirty`.
      const plan = JSON.stringify(await EnterpriseModel.find({ gradeDirty: true }, { uscc: 1 }).limit(500).explain());
      expect(plan, plan.slice(0, 800)).to.match(/gradeDirty_1/);
      // An edit of the enterprise (its standardisation grade counts) flags it.
      const patched = await api('patch', `/enterprises/${B.uscc}`, clerk, { standardisationGrade: '一级' });
      expect(patched.status, JSON.stringify(patched.body)).to.equal(200);
      expect((await EnterpriseModel.findOne({ uscc: B.uscc }).lean())?.gradeDirty).to.equal(true);
      const before = await gradeOf(B.uscc);
      expect(await sweep()).to.include({ graded: 1 });
      expect((await gradeOf(B.uscc)).score).to.equal(before.score + 4);
      await api('patch', `/enterprises/${B.uscc}`, clerk, { standardisationGrade: enterpriseBody(2).standardisationGrade });
      await sweep();
    });

    it('flags set concurrently with sweeps are never lost: after the last sweep every grade reflects every change', async () => {
      // Many enterprises flagged while sweeps run back to back (batches of 3): each sweep clears only what it
      // takes, by a write conditional on the flag; a flag set after that stays for the next sweep.
      const extra = Array.from({ length: 8 }, (_, i) => enterpriseBody(600 + i, { districtCode: '440308', industryCode: 'G5941' }));
      for (const e of extra) expect((await api('post', '/enterprises', clerk, e)).status).to.equal(201);
      const flagging = (async () => {
        for (let round = 0; round < 5; round++) {
          await Promise.all(extra.map((e) => markGradeDirty([e.uscc])));
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const sweeping = (async () => {
        for (let i = 0; i < 6; i++) await sweepDirty({ batchSize: 3 });
      })();
      await Promise.all([flagging, sweeping]);
      await sweepDirty({ batchSize: 3 });
      expect(await EnterpriseModel.countDocuments({ uscc: { $in: extra.map((e) => e.uscc) }, gradeDirty: true })).to.equal(0);
      expect(await GradingClaimModel.countDocuments()).to.equal(0);
      for (const e of extra) expect((await gradeOf(e.uscc)).score).to.equal(91);
    });

    it('history gets an entry only when the score or the tier changes', async () => {
      const before = await GradeHistoryModel.countDocuments({ uscc: A.uscc });
      expect(before).to.equal(2);
      await markGradeDirty([A.uscc]);
      const r = await sweep();
      expect(r).to.include({ graded: 1, changed: 0 });
      expect(await GradeHistoryModel.countDocuments({ uscc: A.uscc })).to.equal(2);
      const h = await api('get', `/grades/${A.uscc}/history`, regulator);
      expect(h.status).to.equal(200);
      expect(h.body.items.map((x: { version: number; score: number; tier: string; previous: unknown }) => [x.version, x.score, x.tier, x.previous])).to.deep.equal([
        [2, 80, 'B', { score: 91, tier: 'A' }],
        [1, 91, 'A', null],
      ]);
      expect(h.body.items[0].reasons.some((x: { indicator: string }) => x.indicator === 'penalty')).to.equal(true);
      // One per page, by cursor; a forged cursor is a 400.
      const p1 = await api('get', `/grades/${A.uscc}/history?limit=1`, regulator);
      expect([p1.body.items.map((x: { version: number }) => x.version), Boolean(p1.body.nextCursor)]).to.deep.equal([[2], true]);
      const p2 = await api('get', `/grades/${A.uscc}/history?limit=1&cursor=${p1.body.nextCursor}`, regulator);
      expect([p2.body.items.map((x: { version: number }) => x.version), p2.body.nextCursor]).to.deep.equal([[1], null]);
      const forged = Buffer.from(JSON.stringify([99, '0123456789abcdef01234567'])).toString('base64url');
      expect((await api('get', `/grades/${A.uscc}/history?limit=1&cursor=${forged}`, regulator)).status).to.equal(400);
    });

    it('a change arriving while a batch is being graded is not lost', async () => {
      let injected = '';
      await markGradeDirty([B.uscc]);
      const r = await sweepDirty({
        afterBatch: async () => {
          // the batch's facts were read and its grade written; now a record of the same enterprise changes
          const p = await api('post', '/penalties', clerk, recent(2, { penaltyTypes: ['警告'], fineAmount: undefined, content: '警告' }));
          expect(p.status, JSON.stringify(p.body)).to.equal(201);
          injected = p.body.id;
        },
      });
      expect(r.graded).to.equal(1);
      expect((await gradeOf(B.uscc)).score, 'graded before the change').to.equal(91);
      expect((await EnterpriseModel.findOne({ uscc: B.uscc }).lean())?.gradeDirty, 'the flag set by the change survived').to.equal(true);
      await sweep();
      const g = await gradeOf(B.uscc);
      expect(g.score).to.equal(88);
      expect(g.reasons.find((x) => x.indicator === 'penalty')?.source.id).to.equal(injected);
    });

    it('a claim left behind by a crashed sweep is regraded once its lease has passed', async () => {
      // simulate: the flag was cleared and the claim written, then the process died before grading
      await GradingClaimModel.collection.insertOne({ _id: OTHER.uscc, at: new Date(Date.now() - CLAIM_LEASE_MS - 1000) } as never);
      await api('post', `/enterprises/${OTHER.uscc}/hazards`, clerk, { foundDate: addDays(today, -1), major: false, description: '消防通道堵塞' });
      await EnterpriseModel.updateOne({ uscc: OTHER.uscc }, { $set: { gradeDirty: false } });
      await sweep();
      expect((await gradeOf(OTHER.uscc)).score).to.equal(88);
      expect(await GradingClaimModel.countDocuments()).to.equal(0);
    });

    it('withdrawing a penalty (信用修复/公示期满) removes it from the grade', async () => {
      const p = await api('post', '/penalties', clerk, recent(4, { uscc: makeUscc(4, '440305') }));
      expect(p.status, JSON.stringify(p.body)).to.equal(201);
      await sweep();
      expect((await gradeOf(makeUscc(4, '440305'))).score).to.equal(74);
      await withdrawRecord(p.body.id, '信用修复', '已修复', { principal: SYSTEM_PRINCIPAL });
      await sweep();
      const g = await gradeOf(makeUscc(4, '440305'));
      expect(g.score).to.equal(85);
      expect(g.reasons.some((x) => x.indicator === 'penalty')).to.equal(false);
    });

    it('a valid permit adds its points', async () => {
      const p = await api('post', '/permits', clerk, permitBody(1, { decisionDate: addDays(today, -5), validFrom: addDays(today, -5), validTo: addYears(today, 3) }));
      expect(p.status, JSON.stringify(p.body)).to.equal(201);
      await sweep();
      const g = await gradeOf(A.uscc);
      expect(g.score).to.equal(81);
      expect(g.reasons.find((x) => x.indicator === 'permit')?.source).to.deep.equal({ type: 'permit', id: p.body.id });
    });
  });

  describe('accidents and hidden hazards', () => {
    it('a fatal accident regrades the enterprise at once', async () => {
      const res = await api('post', `/enterprises/${B.uscc}/accidents`, clerk, { date: addDays(today, -1), level: '一般', deaths: 1, description: '高处坠落事故，死亡 1 人' });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.regraded).to.equal(true);
      const g = await gradeOf(B.uscc);
      expect(g.score).to.equal(70);
      // 70 is C by score; a fatal accident puts the tier at least one below (scorecard.fatalAccident): D, with the reason stored and shown.
      expect(g.tier).to.equal('D');
      expect(g.reasons.find((x) => x.indicator === 'accident')).to.deep.include({ source: { type: 'accident', id: res.body.id }, points: -18 });
      const why = g.reasons.find((x) => x.indicator === 'fatalAccident');
      expect(why).to.deep.include({ source: { type: 'accident', id: res.body.id }, points: 0 });
      expect(why!.detail).to.include('由评分所得 C 降为 D');
      await expectAudited('accident.create', res.body.id);
      const list = await api('get', `/enterprises/${B.uscc}/accidents`, regulator);
      expect(list.body.items.map((x: { id: string }) => x.id)).to.deep.equal([res.body.id]);
    });

    it('an open hazard counts until its rectification is recorded', async () => {
      const h = await api('post', `/enterprises/${A.uscc}/hazards`, clerk, { foundDate: addDays(today, -3), major: true, description: '液氨储罐区未设置泄漏报警装置', deadline: addDays(today, 30) });
      expect(h.status, JSON.stringify(h.body)).to.equal(201);
      await sweep();
      expect((await gradeOf(A.uscc)).score).to.equal(66);
      const bad = await api('patch', `/enterprises/${A.uscc}/hazards/${h.body.id}`, clerk, { rectifiedDate: addDays(today, -5) });
      expect(bad.status).to.equal(400);
      expectErrorShape(bad.body);
      expect(bad.body.error.details[0].path).to.equal('rectifiedDate');
      const fixed = await api('patch', `/enterprises/${A.uscc}/hazards/${h.body.id}`, clerk, { rectifiedDate: today });
      expect(fixed.status, JSON.stringify(fixed.body)).to.equal(200);
      expect(fixed.body).to.include({ rectifiedDate: today, revision: 2 });
      await expectAudited('hazard.update', h.body.id);
      // Two edits at once on one revision: one conditional write wins, the other answers 409 and writes nothing.
      const both = await Promise.all([
        api('patch', `/enterprises/${A.uscc}/hazards/${h.body.id}`, clerk, { description: '液氨储罐区泄漏报警装置已安装（甲）' }),
        api('patch', `/enterprises/${A.uscc}/hazards/${h.body.id}`, clerk, { description: '液氨储罐区泄漏报警装置已安装（乙）' }),
      ]);
      const statuses = both.map((r) => r.status).sort();
      expect(statuses.includes(200), JSON.stringify(statuses)).to.equal(true);
      for (const r of both.filter((x) => x.status !== 200)) expect([r.status, r.body.error.message]).to.deep.equal([409, '隐患记录已被他人修改，请刷新后重试']);
      const won = both.filter((x) => x.status === 200);
      const stored = await api('get', `/enterprises/${A.uscc}/hazards`, clerk);
      const doc = stored.body.items.find((x: { id: string }) => x.id === h.body.id);
      expect(doc.revision, 'one revision per successful edit').to.equal(2 + won.length);
      expect(doc.description, 'the stored text is that of the last successful edit').to.equal([...won].sort((x, y) => y.body.revision - x.body.revision)[0].body.description);
      expect(await AuditModel.countDocuments({ action: 'hazard.update', resourceId: h.body.id })).to.equal(1 + won.length);
      await sweep();
      expect((await gradeOf(A.uscc)).score).to.equal(81);
    });

    it('validates accidents and hazards with Chinese messages', async () => {
      const res = await api('post', `/enterprises/${A.uscc}/accidents`, clerk, { date: addDays(today, 1), level: '巨大', deaths: -1 });
      expect(res.status).to.equal(400);
      expectErrorShape(res.body);
      const paths = res.body.error.details.map((d) => d.path);
      expect(paths).to.include.members(['date', 'level', 'deaths', 'description']);
      expect(res.body.error.details.find((d) => d.path === 'date')!.message).to.equal('不得晚于今天');
    });

    it('an unknown or out-of-scope enterprise answers 404', async () => {
      const body = { date: today, level: '一般', description: '事故' };
      expect((await api('post', `/enterprises/${makeUscc(999)}/accidents`, clerk, body)).status).to.equal(404);
      const scopedClerk = await t.key(['clerk'], { scope: ['440306'] });
      expect((await api('post', `/enterprises/${A.uscc}/accidents`, scopedClerk, body)).status).to.equal(404);
    });
  });

  describe('credit commitments (信用承诺)', () => {
    const body = (over: Record<string, unknown> = {}) => ({ type: '安全生产承诺', text: '本单位承诺严格落实安全生产主体责任，依法依规生产经营。', signedDate: addDays(today, -400), termEnd: addDays(today, -1), ...over });
    let keptId = '';

    it('an enterprise signs for itself (online); the kept commitment raises its grade', async () => {
      const res = await api('post', '/commitments', own, body());
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body).to.include({ uscc: A.uscc, channel: 'online', state: 'kept', type: '安全生产承诺' });
      keptId = res.body.id;
      await expectAudited('commitment.create', res.body.id);
      await sweep();
      const g = await gradeOf(A.uscc);
      expect(g.reasons.find((x) => x.indicator === 'commitmentKept')).to.deep.include({ source: { type: 'commitment', id: keptId }, points: 1 });
      expect(g.score).to.equal(82);
    });

    it('an enterprise cannot sign for another enterprise', async () => {
      const res = await api('post', '/commitments', own, body({ uscc: B.uscc }));
      expect(res.status).to.equal(403);
      expectErrorShape(res.body);
      expect(JSON.stringify(res.body)).to.not.include(B.name);
    });

    it('a clerk records a paper commitment, which needs the USCC', async () => {
      const missing = await api('post', '/commitments', clerk, body());
      expect(missing.status).to.equal(400);
      expect(missing.body.error.details[0].path).to.equal('uscc');
      const res = await api('post', '/commitments', clerk, body({ uscc: B.uscc, termEnd: addYears(today, 1) }));
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ channel: 'paper', state: 'active' });
    });

    it('告知承诺 may name the permit it was made for, which must be the enterprise’s own', async () => {
      const permits = await api('get', `/permits?uscc=${A.uscc}`, regulator);
      const permitId = permits.body.items[0].id;
      const ok = await api('post', '/commitments', own, body({ type: '告知承诺', permitRecordId: permitId, termEnd: addYears(today, 1) }));
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      expect(ok.body.permitRecordId).to.equal(permitId);
      const wrong = await api('post', '/commitments', clerk, body({ uscc: B.uscc, type: '告知承诺', permitRecordId: permitId }));
      expect(wrong.status).to.equal(400);
      expect(wrong.body.error.details[0].path).to.equal('permitRecordId');
      const forbidden = await api('post', '/commitments', clerk, body({ uscc: B.uscc, permitRecordId: permitId }));
      expect(forbidden.status).to.equal(400);
    });

    it('a clerk records a breach with evidence, once; the broken commitment lowers the grade', async () => {
      const c = await api('post', '/commitments', own, body({ termEnd: addYears(today, 1), signedDate: addDays(today, -30) }));
      const before = (await gradeOf(A.uscc)).score;
      const res = await api('post', `/commitments/${c.body.id}/breach`, clerk, { date: addDays(today, -2), evidence: '复查发现承诺整改事项未落实' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.state).to.equal('broken');
      expect(res.body.breach).to.include({ date: addDays(today, -2), evidence: '复查发现承诺整改事项未落实' });
      await expectAudited('commitment.breach', c.body.id);
      expect((await api('post', `/commitments/${c.body.id}/breach`, clerk, { date: today, evidence: '再次认定' })).status).to.equal(409);
      expect((await api('post', `/commitments/${c.body.id}/breach`, own, { date: today, evidence: '企业自己认定' })).status).to.equal(403);
      // Recorded by several clerks at once (another enterprise's commitment): exactly one wins, the others answer 409; one audit entry.
      const other = enterpriseBody(700, { districtCode: '440308', industryCode: 'G5941' });
      expect((await api('post', '/enterprises', clerk, other)).status).to.equal(201);
      const d = await api('post', '/commitments', clerk, body({ uscc: other.uscc, termEnd: addYears(today, 1), signedDate: addDays(today, -30) }));
      expect(d.status, JSON.stringify(d.body)).to.equal(201);
      const races = await Promise.all([1, 2, 3, 4].map((i) => api('post', `/commitments/${d.body.id}/breach`, clerk, { date: addDays(today, -1), evidence: `复查记录 ${i}` })));
      expect(races.map((r) => r.status).sort()).to.deep.equal([200, 409, 409, 409]);
      for (const r of races.filter((x) => x.status === 409)) expect(r.body.error.message).to.equal('该承诺已认定违约');
      expect(await AuditModel.countDocuments({ action: 'commitment.breach', resourceId: d.body.id })).to.equal(1);
      await sweep();
      expect((await gradeOf(A.uscc)).score).to.equal(before - 10);
    });

    it('lists them on the enterprise; the enterprise sees its own only', async () => {
      const mine = await api('get', `/enterprises/${A.uscc}/commitments`, own);
      expect(mine.status).to.equal(200);
      expect(mine.body.items.length).to.equal(3);
      expect(mine.body.items.every((c: { uscc: string }) => c.uscc === A.uscc)).to.equal(true);
      expect((await api('get', `/enterprises/${B.uscc}/commitments`, own)).status).to.equal(404);
      const all = await api('get', `/commitments?uscc=${B.uscc}`, own);
      expect(all.body.items).to.deep.equal([]);
      const byClerk = await api('get', `/commitments?uscc=${B.uscc}`, clerk);
      expect(byClerk.body.items).to.have.length(1);
      expect((await api('get', `/commitments/${keptId}`, own)).body.id).to.equal(keptId);
      expect((await api('get', `/commitments/${byClerk.body.items[0].id}`, own)).status).to.equal(404);
    });

    it('tells the repair module whether a valid 信用修复 commitment exists', async () => {
      expect(await hasValidRepairCommitment(B.uscc, today)).to.equal(false);
      const c = await api('post', '/commitments', clerk, body({ uscc: B.uscc, type: '信用修复', signedDate: today, termEnd: addYears(today, 1) }));
      expect(c.status, JSON.stringify(c.body)).to.equal(201);
      expect(await hasValidRepairCommitment(B.uscc, today)).to.equal(true);
      expect((await validRepairCommitment(B.uscc, today))?.id).to.equal(c.body.id);
      expect(await hasValidRepairCommitment(B.uscc, addYears(today, 2)), 'after its term').to.equal(false);
      await api('post', `/commitments/${c.body.id}/breach`, clerk, { date: today, evidence: '虚假承诺' });
      expect(await hasValidRepairCommitment(B.uscc, today), 'once broken').to.equal(false);
    });
  });

  describe('the serious-dishonesty listing', () => {
    it('a listing (set by the dishonesty module) makes the tier D at the next sweep', async () => {
      const uscc = makeUscc(4, '440305');
      await EnterpriseModel.updateOne({ uscc }, { $set: { listing: { active: true, listingId: 'L-test-1', since: addDays(today, -1), until: addYears(today, 3) } } });
      await markGradeDirty([uscc]);
      await sweep();
      const g = await gradeOf(uscc);
      expect(g.tier).to.equal('D');
      expect(g.score).to.equal(55);
      expect(g.reasons.find((x) => x.indicator === 'listing')?.source).to.deep.equal({ type: 'listing', id: 'L-test-1' });
    });
  });

  describe('queries and scoping', () => {
    it('GET /grades/:uscc: an enterprise sees its own grade with reasons, another’s is 404', async () => {
      const g = await gradeOf(A.uscc, own);
      expect(g.reasons.length).to.be.greaterThan(1);
      const other = await api('get', `/grades/${B.uscc}`, own);
      expect(other.status).to.equal(404);
      expectErrorShape(other.body);
      expect(other.text).to.not.include(B.name);
      expect((await api('get', `/grades/${B.uscc}/history`, own)).status).to.equal(404);
    });

    it('a scoped regulator sees its division only', async () => {
      expect((await api('get', `/grades/${OTHER.uscc}`, scoped)).status).to.equal(200);
      expect((await api('get', `/grades/${A.uscc}`, scoped)).status).to.equal(404);
      const list = await api('get', '/grades', scoped);
      expect(list.body.items.map((x: { uscc: string }) => x.uscc)).to.deep.equal([OTHER.uscc]);
    });

    it('GET /grades filters by tier, district and industry with cursor pagination', async () => {
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const res = await api('get', `/grades?limit=2${cursor ? `&cursor=${cursor}` : ''}`, reviewer);
        expect(res.status).to.equal(200);
        all.push(...res.body.items.map((x: { uscc: string }) => x.uscc));
        expect(res.body.items.every((x: object) => !('reasons' in x))).to.equal(true);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(all).to.deep.equal([...all].sort());
      expect(all.length).to.equal(await GradeModel.countDocuments());
      const d = await api('get', '/grades?tier=D', regulator);
      // B is D since its fatal accident (the fatal-accident tier rule), 4 by its score.
      expect(d.body.items.map((x: { uscc: string }) => x.uscc)).to.have.members([makeUscc(4, '440305'), B.uscc]);
      const dist = await api('get', '/grades?district=440306', regulator);
      expect(dist.body.items.map((x: { uscc: string }) => x.uscc)).to.deep.equal([OTHER.uscc]);
      const ind = await api('get', '/grades?industry=C26', regulator);
      expect(ind.body.items.length).to.equal(3);
      // Any prefix length of a GB/T 4754 code is a valid filter: the section letter and 0–4 digits.
      for (const prefix of ['C', 'c2', 'C2']) expect((await api('get', `/grades?industry=${prefix}`, regulator)).body.items.length, prefix).to.be.at.least(3);
      expect((await api('get', '/grades?industry=C26145', regulator)).status).to.equal(400);
      expect((await api('get', '/grades?tier=E', regulator)).status).to.equal(400);
    });

    it('GET /grades/stats counts per tier by district and by industry', async () => {
      const res = await api('get', '/grades/stats?by=district', regulator);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const total = await GradeModel.countDocuments();
      expect(res.body.totals.total).to.equal(total);
      const g305 = res.body.groups.find((g: { key: string }) => g.key === '440305');
      const tiers = await GradeModel.find({ districtCode: '440305' }).lean();
      for (const tier of ['A', 'B', 'C', 'D']) expect(g305[tier], tier).to.equal(tiers.filter((x) => x.tier === tier).length);
      const ind = await api('get', '/grades/stats?by=industry', regulator);
      expect(ind.body.groups.map((g: { key: string }) => g.key)).to.include('C2614');
      const sc = await api('get', '/grades/stats?by=district', scoped);
      expect(sc.body.groups.map((g: { key: string }) => g.key)).to.deep.equal(['440306']);
      expect((await api('get', '/grades/stats', regulator)).status).to.equal(400);
      expect((await api('get', '/grades/stats?by=district', own)).status).to.equal(403);
    });
  });

  describe('supervision plans (检查计划) and the 双随机 draw', () => {
    const district = '440307';
    const members = Array.from({ length: 30 }, (_, i) => E(100 + i, district));
    const inspectors = [
      { id: 'ZF001', name: '=张执法', excludedUsccs: [members[0].uscc] },
      { id: 'ZF002', name: '李执法', excludedUsccs: [members[0].uscc] },
      { id: 'ZF003', name: '王执法' },
      { id: 'ZF004', name: '赵执法' },
      { id: 'ZF005', name: '钱执法' },
    ];
    let first: { id: string; seed: number; inputsHash: string; summary: { tiers: Record<string, { selected: number; inspections: number }> } };

    before(async function () {
      this.timeout(120_000);
      // tiers: 10 × 一级 (A 95), 10 × 无 (B 85), 5 with a 严重 penalty (C 66), 5 listed (D)
      for (const [i, m] of members.entries()) {
        const grade = i < 10 ? '一级' : i < 25 ? '无' : '二级';
        expect((await api('post', '/enterprises', clerk, { ...m, standardisationGrade: i >= 20 && i < 25 ? '二级' : grade })).status).to.equal(201);
      }
      const severe = members.slice(20, 25).map((m, i) => recent(200 + i, { uscc: m.uscc, subjectName: m.name, penaltyTypes: ['责令停产停业'], fineAmount: undefined }));
      const batch = await api('post', '/penalties/batch', clerk, { records: severe });
      expect(batch.body.summary, JSON.stringify(batch.body)).to.deep.equal({ created: 5, unchanged: 0, error: 0 });
      for (const m of members.slice(25)) await EnterpriseModel.updateOne({ uscc: m.uscc }, { $set: { listing: { active: true, listingId: `L-${m.uscc}`, since: today, until: null } } });
      await markGradeDirty(members.map((m) => m.uscc));
      await sweep();
      const tiers = await GradeModel.find({ districtCode: district }).lean();
      expect(tiers.map((g) => g.tier).sort().join('')).to.equal('A'.repeat(10) + 'B'.repeat(10) + 'C'.repeat(5) + 'D'.repeat(5));
    });

    const planBody = (over: Record<string, unknown> = {}) => ({ year: 2027, district, seed: 20270101, inspectors, jointInspectionUsccs: [members[12].uscc, members[13].uscc], ...over });
    const itemsOf = async (id: string) => {
      const res = await api('get', `/supervision-plans/${id}/items?limit=500`, regulator);
      expect(res.status).to.equal(200);
      return res.body.items as { uscc: string; kind: string; round: number; inspectors: { id: string; name: string }[] }[];
    };

    it('builds the plan: D covered quarterly, shares drawn from A–C, seed and inputs recorded and audited', async () => {
      const res = await api('post', '/supervision-plans', regulator, planBody());
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      first = res.body;
      expect(res.body).to.include({ year: 2027, district, seed: 20270101, policyVersion: 'SP-2026.1', populationSize: 30 });
      expect(res.body.inputsHash).to.match(/^[0-9a-f]{64}$/);
      expect(res.body.summary.tiers).to.deep.equal({
        A: { enterprises: 10, eligible: 10, selected: 1, inspections: 1 },
        B: { enterprises: 10, eligible: 8, selected: 1, inspections: 1 },
        C: { enterprises: 5, eligible: 5, selected: 2, inspections: 4 },
        D: { enterprises: 5, eligible: 5, selected: 5, inspections: 20 },
      });
      const items = await itemsOf(res.body.id);
      expect(items).to.have.length(26);
      expect(items.filter((i) => i.kind === 'required')).to.have.length(20);
      expect(items.some((i) => i.uscc === members[12].uscc || i.uscc === members[13].uscc), 'joint inspection not drawn').to.equal(false);
      await expectAudited('supervisionPlan.create', res.body.id);
      const got = await api('get', `/supervision-plans/${res.body.id}`, reviewer);
      expect(got.body).to.deep.equal(res.body);
    });

    it('the same seed and inputs give an identical plan; another seed another draw', async () => {
      const again = await api('post', '/supervision-plans', clerk, planBody({ inspectors: [...inspectors].reverse() }));
      expect(again.status).to.equal(201);
      expect(again.body.id).to.not.equal(first.id);
      expect(again.body.inputsHash).to.equal(first.inputsHash);
      expect(await itemsOf(again.body.id)).to.deep.equal(await itemsOf(first.id));
      const other = await api('post', '/supervision-plans', clerk, planBody({ seed: 7 }));
      expect(other.body.inputsHash).to.not.equal(first.inputsHash);
      const a = (await itemsOf(first.id)).map((i) => [i.uscc, i.inspectors.map((x) => x.id)]);
      const b = (await itemsOf(other.body.id)).map((i) => [i.uscc, i.inspectors.map((x) => x.id)]);
      expect(b).to.not.deep.equal(a);
    });

    it('the stored inputs reproduce the stored plan (pure draw, same seed)', async () => {
      const plan = await SupervisionPlanModel.findById(first.id).lean();
      const stored = await PlanItemModel.find({ planId: first.id }, { _id: 0, planId: 0 }).sort({ seq: 1 }).lean();
      const redo = drawPlan({ year: plan!.year, district: plan!.district, seed: plan!.seed, enterprises: plan!.population, inspectors: plan!.inspectors, jointInspectionUsccs: plan!.jointInspectionUsccs }, plan!.policy);
      expect(redo.items).to.deep.equal(stored);
    });

    it('without a seed, one is drawn and recorded', async () => {
      const res = await api('post', '/supervision-plans', regulator, planBody({ seed: undefined }));
      expect(res.status).to.equal(201);
      expect(res.body.seed).to.be.a('number');
    });

    it('conflicts of interest are respected, and too few free inspectors is a 409 naming the enterprise', async () => {
      for (const it of await itemsOf(first.id)) if (it.uscc === members[0].uscc) expect(it.inspectors.map((x) => x.id)).to.not.include.members(['ZF001', 'ZF002']);
      const few = inspectors.slice(0, 3);
      const res = await api('post', '/supervision-plans', regulator, planBody({ inspectors: few.map((i) => ({ ...i, excludedUsccs: members.map((m) => m.uscc) })) }));
      expect(res.status).to.equal(409);
      expectErrorShape(res.body);
      expect(res.body.error.message).to.match(/执法人员不足/);
    });

    it('validates the request, and refuses a district outside the caller’s scope', async () => {
      const bad = await api('post', '/supervision-plans', regulator, { year: 1999, district: '44', seed: -1 });
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['year', 'district', 'seed']);
      const scopedPlanner = await t.key(['regulator'], { scope: ['440306'] });
      expect((await api('post', '/supervision-plans', scopedPlanner, planBody())).status).to.equal(403);
      expect((await api('get', `/supervision-plans/${first.id}`, scopedPlanner)).status).to.equal(404);
      expect((await api('post', '/supervision-plans', regulator, planBody({ district: '110105' }))).status).to.equal(409);
    });

    it('exports CSV with a BOM and formula escaping, and XLSX', async () => {
      const csv = await api('get', `/supervision-plans/${first.id}/export?format=csv`, regulator).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(csv.status).to.equal(200);
      expect(csv.headers['content-type']).to.match(/text\/csv/);
      const buf = csv.body as Buffer;
      expect([...buf.subarray(0, 3)]).to.deep.equal([0xef, 0xbb, 0xbf]);
      const lines = buf.toString('utf8').slice(1).trim().split('\n');
      expect(lines[0]).to.equal('序号,统一社会信用代码,企业名称,信用等级,信用评分,检查类型,轮次,完成期限,执法人员,执法人员编号');
      expect(lines).to.have.length(27);
      expect(lines.some((l) => l.includes("'=张执法")), 'a name starting with = is escaped').to.equal(true);
      expect(lines.some((l) => /(^|,)=/.test(l))).to.equal(false);
      const xlsx = await api('get', `/supervision-plans/${first.id}/export?format=xlsx`, regulator).buffer(true).parse((res, cb) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(xlsx.status).to.equal(200);
      expect((xlsx.body as Buffer).subarray(0, 2).toString()).to.equal('PK');
      const ExcelJS = (await import('exceljs')).default;
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((xlsx.body as Buffer) as unknown as ArrayBuffer);
      expect(wb.worksheets[0].rowCount).to.equal(27);
      expect(wb.worksheets[0].getRow(1).getCell(2).value).to.equal('统一社会信用代码');
      await expectAudited('supervisionPlan.export', first.id);
      expect((await api('get', `/supervision-plans/${first.id}/export?format=pdf`, regulator)).status).to.equal(400);
      expect((await api('get', `/supervision-plans/${first.id}/export`, own)).status).to.equal(403);
    });

    it('lists plans', async () => {
      const res = await api('get', `/supervision-plans?year=2027&district=440307`, regulator);
      expect(res.status).to.equal(200);
      expect(res.body.items.length).to.be.greaterThan(2);
      expect(res.body.items[0]).to.not.have.property('population');
    });
  });

  describe('full regrade: CLI (and the nightly job it shares)', () => {
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const uri = process.env.TEST_MONGODB_URI!.replace(/\/test(\?|$)/, `/${t.dbName}$1`);
        const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, MONGODB_URI: uri, LOG_LEVEL: 'error' } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });

    it('regrade --all grades every enterprise, prints progress and counts, adds history only on change', async function () {
      this.timeout(120_000);
      const enterprises = await EnterpriseModel.countDocuments();
      const history = await GradeHistoryModel.countDocuments();
      // one enterprise changed behind the flags' back: only the full regrade notices
      await EnterpriseModel.updateOne({ uscc: B.uscc }, { $set: { standardisationGrade: '一级' } });
      const out = await cli(['regrade', '--all']);
      expect(out.code, out.stderr).to.equal(0);
      const r = JSON.parse(out.stdout);
      expect(r).to.include({ ran: true, enterprises, graded: enterprises, changed: 1 });
      expect(out.stderr).to.match(/已评级 \d+\/\d+/);
      expect(await GradeHistoryModel.countDocuments()).to.equal(history + 1);
      expect(await GradeModel.countDocuments()).to.equal(enterprises);
      const g = await gradeOf(B.uscc);
      expect(g.score).to.equal((await GradeHistoryModel.findOne({ uscc: B.uscc }).sort({ seq: -1 }).lean())!.score);
      await expectAudited('grading.regrade.full');
      // checkedAt of unchanged grades moves with the completed full run
      const a = await gradeOf(A.uscc);
      expect(new Date(a.checkedAt).getTime()).to.be.greaterThan(new Date(a.gradedAt).getTime());
    });

    it('regrade --uscc X grades only that enterprise; bad arguments exit non-zero', async function () {
      this.timeout(60_000);
      const out = await cli(['regrade', '--uscc', A.uscc]);
      expect(out.code, out.stderr).to.equal(0);
      expect(JSON.parse(out.stdout)).to.include({ ran: true, enterprises: 1, graded: 1, changed: 0 });
      const bad = await cli(['regrade']);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.include('--all');
    });
  });

  describe('configuration', () => {
    it('an invalid scorecard stops the service at start with a clear message', async function () {
      this.timeout(60_000);
      const dir = mkdtempSync(join(tmpdir(), 'grading-config-'));
      try {
        cpSync(configDir(), dir, { recursive: true });
        const sc = JSON.parse(readFileSync(join(dir, 'scorecard.json'), 'utf8'));
        sc.tiers.B = 95;
        delete sc.version;
        writeFileSync(join(dir, 'scorecard.json'), JSON.stringify(sc));
        const svc = await spawnService({ CONFIG_DIR: dir, DATA_DIR: join(dir, 'data') });
        const { code } = await svc.exited;
        expect(code).to.equal(1);
        const out = svc.output();
        expect(out).to.include('配置无效');
        expect(out).to.include('scorecard.json');
        expect(out).to.include('version');
        expect(out).to.include('tiers.B');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { Response } from 'supertest';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { runCli } from '../support/process.js';
import { penaltyBody } from '../support/fixtures.js';
import { startFakes, fastConfigs, engineFor } from '../support/publicity.js';
import { addDays, addMonths, addWorkdays, todayInShanghai } from '../../src/lib/calendar.js';
import { EnterpriseModel } from '../../src/modules/enterprises/index.js';
import { RecordModel } from '../../src/modules/records/index.js';
import type { DeliveryEngine } from '../../src/modules/publicity/index.js';
import { createCommitment, recordBreach } from '../../src/modules/commitments/index.js';
import { regradeNow } from '../../src/modules/grading/index.js';
import type { Principal } from '../../src/modules/auth/index.js';
import { FulfilmentModel, RepairFileModel, RepairModel, allOverdue, repairConfig, runEffects, runRepairEffectsOnce, runRepairOverdueDaily } from '../../src/modules/repair/index.js';
import { AuditModel } from '../../src/modules/audit/index.js';

/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

/** A real, minimal one-page PDF (with a correct cross-reference table). */
function minimalPdf(): Buffer {
  const objects = ['<< /Type /Catalog /Pages 2 0 R >>', '<< /Type /Pages /Kids [3 0 R] /Count 1 >>', '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>'];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(Buffer.byteLength(out));
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out);
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
const PDF = minimalPdf();
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const COMMITMENT = '本单位郑重承诺：已纠正相关违法行为，已履行行政处罚决定规定的全部义务，所提交材料真实、准确、完整；如违反承诺，自愿接受撤销修复决定、恢复公示等处理。';

type Upload = { buffer: Buffer; filename: string; contentType?: string };

describe('credit repair (信用修复): eligibility, applications, effects — end to end on the real database', function () {
  this.timeout(60_000);
  let t: TestApp;
  let clerk: string;
  let reviewer: string;
  let regulator: string;
  let fakes: Awaited<ReturnType<typeof startFakes>>;
  let engine: DeliveryEngine;
  const today = todayInShanghai();
  let n = 0;

  before(async () => {
    t = await startTestApp('repair');
    clerk = await t.key(['clerk']);
    reviewer = await t.key(['reviewer']);
    regulator = await t.key(['regulator']);
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

  /** A 一般 penalty decided 4 months ago (minimum period of 3 months passed), of a fresh enterprise, with its enterprise key. */
  async function newPenalty(over: Record<string, unknown> = {}) {
    n++;
    const body = penaltyBody(70_000 + n, { decisionNumber: `深应急罚〔repair〕${n}号`, decisionDate: addMonths(today, -4), validUntil: addMonths(today, 8), ...over });
    const res = await post('/penalties', clerk, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const enterprise = await t.key(['enterprise'], { uscc: body.uscc });
    return { id: res.body.id as string, uscc: body.uscc, record: res.body, enterprise };
  }

  async function fulfil(recordId: string, over: Record<string, unknown> = {}) {
    const res = await post(`/penalties/${recordId}/fulfilment`, clerk, { finePaidDate: addMonths(today, -3), correctionConfirmedDate: addMonths(today, -2), evidence: '缴款书 4403-2026-001；整改复查意见书 深应急复查〔2026〕8号', ...over });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  }

  function apply(key: string, recordId: string, opts: { fields?: Record<string, string | undefined>; files?: Upload[] } = {}) {
    const fields: Record<string, string | undefined> = { recordId, commitmentText: COMMITMENT, commitmentAccepted: 'true', contactName: '李四', contactPhone: '13800138000', statement: '已缴清罚款并完成整改', ...opts.fields };
    let req = t.request.post(api('/repairs')).set('X-API-Key', key);
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) req = req.field(k, v);
    const files = opts.files ?? [
      { buffer: PNG, filename: '缴款凭证.png', contentType: 'image/png' },
      { buffer: PDF, filename: '整改报告.pdf', contentType: 'application/pdf' },
    ];
    for (const f of files) req = req.attach('evidence', f.buffer, { filename: f.filename, contentType: f.contentType ?? 'application/octet-stream' });
    return req;
  }

  async function applied(key: string, recordId: string) {
    const res = await apply(key, recordId);
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return res.body as { id: string; number: string; state: string };
  }

  /** An eligible penalty with a submitted application. */
  async function submitted() {
    const p = await newPenalty();
    await fulfil(p.id);
    const app = await applied(p.enterprise, p.id);
    return { ...p, app };
  }

  async function drain() {
    for (let i = 0; i < 20; i++) {
      const r = await engine.sweep({ budgetMs: 10_000 });
      if (r.every((p) => p.sent === 0)) return;
    }
  }

  const detailMessages = (res: Response) => (res.body.error.details as { message: string }[]).map((d) => d.message).join(' | ');

  describe('the full path: apply → accept → approve → withdrawal delivered to both platforms → regrade', () => {
    it('runs end to end', async () => {
      const p = await newPenalty();
      await drain();
      for (const fake of [fakes.municipal, fakes.national]) expect(fake.acceptedCount(p.id, 1)).to.equal(1);

      // Not yet: the fine and the correction are not recorded.
      const before = await get(`/penalties/${p.id}/repair-eligibility`, p.enterprise);
      expect(before.status).to.equal(200);
      expect(before.body).to.include({ eligible: false, earliestDate: p.record.repairEarliestDate, ruleVersion: p.record.ruleVersion, severity: '一般' });
      expect(before.body.reasons.map((r: { code: string }) => r.code)).to.deep.equal(['FINE_NOT_PAID', 'CORRECTION_NOT_CONFIRMED']);
      // Whom to contact: the deciding authority, with its contact from config/repair.json authorityContacts (matched by name).
      expect(before.body.authority).to.deep.include({ name: '深圳市应急管理局', uscc: p.record.authorityUscc });
      expect(before.body.authority.contact).to.include({ phone: '12345' });
      const refused = await apply(p.enterprise, p.id);
      expect(refused.status).to.equal(422);
      expectErrorShape(refused.body);
      expect(refused.body.error.code).to.equal('REPAIR_NOT_ELIGIBLE');
      expect(detailMessages(refused)).to.match(/罚没款尚未缴清/).and.match(/尚未经决定机关确认/);
      await expectAudited('repair.submit', p.id, { outcome: 'denied' });
      expect(await RepairFileModel.countDocuments({ recordId: p.id })).to.equal(0);

      // The clerk records the fulfilment; now eligible.
      const f = await fulfil(p.id);
      expect(f).to.include({ recordId: p.id, finePaidDate: addMonths(today, -3), correctionConfirmedDate: addMonths(today, -2) });
      await expectAudited('repair.fulfilment.record', p.id);
      const eligible = await get(`/penalties/${p.id}/repair-eligibility`, p.enterprise);
      expect(eligible.body).to.include({ eligible: true });
      expect(eligible.body.reasons).to.deep.equal([]);
      expect(eligible.body.fulfilment.finePaidDate).to.equal(addMonths(today, -3));

      // The enterprise is graded with the penalty counting against it (the flag cleared as a sweep does).
      expect(await regradeNow([p.uscc])).to.equal(true);
      await EnterpriseModel.updateOne({ uscc: p.uscc }, { $set: { gradeDirty: false } });
      const gradeBefore = await get(`/grades/${p.uscc}`, regulator);
      expect(gradeBefore.status, JSON.stringify(gradeBefore.body)).to.equal(200);
      expect(gradeBefore.body.reasons.map((r: { source: { id: string } }) => r.source.id)).to.include(p.id);

      // Apply: multipart with a real PNG and a real PDF.
      const res = await apply(p.enterprise, p.id);
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const app = res.body;
      expect(res.headers.location).to.equal(`/api/v1/repairs/${app.id}`);
      expect(app).to.include({ state: 'submitted', recordId: p.id, uscc: p.uscc, severity: '一般', submittedDate: today });
      expect(app.number).to.match(/^XF\d{4}-\d{6}$/);
      expect(app.due.acceptance).to.equal(addWorkdays(today, 3));
      expect(app.commitment).to.include({ text: COMMITMENT, accepted: true, source: 'application' });
      expect(app.files.map((x: { mime: string; sha256: string; size: number }) => [x.mime, x.sha256, x.size])).to.deep.equal([
        ['image/png', sha256(PNG), PNG.length],
        ['application/pdf', sha256(PDF), PDF.length],
      ]);
      await expectAudited('repair.submit', app.id, { outcome: 'success' });

      // The reviewer downloads the evidence, byte for byte.
      const file = await get(app.files[1].url.replace('/api/v1', ''), reviewer).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(file.status).to.equal(200);
      expect(file.headers['content-type']).to.equal('application/pdf');
      expect(file.headers['x-content-sha256']).to.equal(sha256(PDF));
      expect(Buffer.compare(file.body as Buffer, PDF)).to.equal(0);

      // Accept (受理): the decision is due 7 working days later. No decision letter yet.
      const accepted = await post(`/repairs/${app.id}/accept`, reviewer, { note: '材料齐全' });
      expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
      expect(accepted.body).to.include({ state: 'accepted', acceptedDate: today });
      expect(accepted.body.due.decision).to.equal(addWorkdays(today, 7));
      expect((await get(`/repairs/${app.id}/decision`, p.enterprise)).status).to.equal(409);

      // Approve: recorded, then the effects run at once.
      const approved = await post(`/repairs/${app.id}/approve`, reviewer, { note: '经核查，已履行义务并完成整改' });
      expect(approved.status, JSON.stringify(approved.body)).to.equal(200);
      expect(approved.body).to.include({ state: 'effected', decidedDate: today, effectedDate: today });
      expect(approved.body.effects).to.include({ withdrawn: true, regraded: true, regradedNow: true });
      expect(approved.body.due.resultShared).to.equal(addWorkdays(today, 3));
      expect(approved.body.decision).to.include({ outcome: 'approved' });
      expect(approved.body.history.map((h: { action: string; to: string }) => `${h.action}:${h.to}`)).to.deep.equal([
        'submit:submitted',
        'accept:accepted',
        'approve:approved',
        'effect:effected',
      ]);
      await expectAudited('repair.accept', app.id);
      await expectAudited('repair.approve', app.id);
      await expectAudited('repair.effect', app.id);

      // The record: a withdraw version with reason 信用修复, queued to both platforms.
      const rec = (await RecordModel.findById(p.id).lean())!;
      expect(rec.lifecycle).to.equal('withdrawn');
      expect(rec.version).to.equal(2);
      expect(rec.versions[1]).to.include({ action: 'withdraw', op: 'withdraw', withdrawReason: '信用修复' });
      for (const platform of ['municipal', 'national']) expect(rec.delivery[platform]).to.include({ state: 'pending', op: 'withdraw', reason: '信用修复', version: 2 });
      // The enterprise is marked for regrading, and regraded at once: the repaired penalty no longer counts.
      expect((await EnterpriseModel.findOne({ uscc: p.uscc }).lean())!.gradeDirty).to.equal(true);
      const gradeAfter = await get(`/grades/${p.uscc}`, regulator);
      expect(gradeAfter.body.reasons.map((r: { source: { id: string } }) => r.source.id)).to.not.include(p.id);
      expect(gradeAfter.body.score).to.be.greaterThan(gradeBefore.body.score);
      expect(approved.body.history[3].note).to.include('已重新评定信用等级');

      // The engine delivers the withdrawal to both fake platforms.
      await drain();
      for (const fake of [fakes.municipal, fakes.national]) {
        const v2 = fake.store.get(`${p.id}@2`);
        expect(v2, 'withdrawal received').to.not.equal(undefined);
        expect(v2!.op).to.equal('withdraw');
        expect(v2!.reason).to.equal('信用修复');
        expect(fake.acceptedCount(p.id, 2)).to.equal(1);
      }
      expect((await RecordModel.findById(p.id).lean())!.delivery.national).to.include({ state: 'delivered', deliveredVersion: 2 });

      // The decision letter (修复决定书), printable HTML.
      const letter = await get(`/repairs/${app.id}/decision`, p.enterprise);
      expect(letter.status).to.equal(200);
      expect(letter.headers['content-type']).to.match(/^text\/html; charset=utf-8/);
      expect(letter.text).to.include('信用修复决定书').and.include(approved.body.decision.number).and.include('准予信用修复').and.include(p.record.decisionNumber);
      expect(letter.text).to.include('已于').and.include('停止公示');
      expect(letter.text).to.include('@media print');

      // Repaired: no second application.
      const again = await get(`/penalties/${p.id}/repair-eligibility`, p.enterprise);
      expect(again.body.reasons.map((r: { code: string }) => r.code)).to.deep.equal(['ALREADY_REPAIRED']);
      expect(again.body.earliestDate).to.equal(null);
      const second = await apply(p.enterprise, p.id);
      expect(second.status).to.equal(422);
      expect(detailMessages(second)).to.match(/已核准/);

      // The enterprise sees its application and its history, without principal ids.
      const mine = await get(`/repairs/${app.id}`, p.enterprise);
      expect(mine.status).to.equal(200);
      expect(mine.body.history).to.have.length(4);
      for (const h of mine.body.history) expect(h).to.not.have.property('by');
      expect(mine.body.decision).to.not.have.property('by');
      const asReviewer = await get(`/repairs/${app.id}`, reviewer);
      expect(asReviewer.body.history[1].by).to.be.a('string');
    });
  });

  describe('effects are resumable: a crash between steps resumes from the recorded step', () => {
    it('approval recorded, nothing carried out: the sweep withdraws, marks for regrade and completes', async () => {
      const { id, uscc, app } = await submitted();
      expect((await post(`/repairs/${app.id}/accept`, reviewer)).status).to.equal(200);
      // The state the approval's single write leaves when the process dies right after it.
      await RepairModel.updateOne(
        { _id: app.id },
        {
          $set: {
            state: 'approved',
            decidedDate: today,
            'due.resultShared': addWorkdays(today, 3),
            decision: { outcome: 'approved', number: '信用修复决字〔test〕第1号', reasons: [], note: null, by: 'k', byName: '审核人员', at: new Date(), date: today },
            effects: { withdrawn: false, regraded: false, attempts: 0, lastError: null },
          },
          $inc: { revision: 1 },
        },
      );
      await EnterpriseModel.updateOne({ uscc }, { $set: { gradeDirty: false } });
      const r = await runRepairEffectsOnce();
      expect(r).to.deep.include({ ran: true });
      const doc = (await RepairModel.findById(app.id).lean())!;
      expect(doc.state).to.equal('effected');
      expect(doc.effects).to.include({ withdrawn: true, regraded: true });
      const rec = (await RecordModel.findById(id).lean())!;
      expect(rec.lifecycle).to.equal('withdrawn');
      expect(rec.versions.at(-1)!.withdrawReason).to.equal('信用修复');
      expect((await EnterpriseModel.findOne({ uscc }).lean())!.gradeDirty).to.equal(true);
    });

    it('crash after the withdrawal, before its marker: the resumed step does not withdraw twice', async () => {
      const { id, uscc, app } = await submitted();
      expect((await post(`/repairs/${app.id}/accept`, reviewer)).status).to.equal(200);
      expect((await post(`/repairs/${app.id}/approve`, reviewer)).body.state).to.equal('effected');
      const version = (await RecordModel.findById(id).lean())!.version;
      await RepairModel.updateOne({ _id: app.id }, { $set: { state: 'approved', effectedDate: null, effects: { withdrawn: false, regraded: false, attempts: 0, lastError: null } } });
      await EnterpriseModel.updateOne({ uscc }, { $set: { gradeDirty: false } });
      await runRepairEffectsOnce();
      expect((await RecordModel.findById(id).lean())!.version, 'no second withdraw version').to.equal(version);
      const doc = (await RepairModel.findById(app.id).lean())!;
      expect(doc.state).to.equal('effected');
      expect((await EnterpriseModel.findOne({ uscc }).lean())!.gradeDirty).to.equal(true);
    });
  });

  describe('refusal (不予受理), denial (不予修复) and applying again', () => {
    it('refused as incomplete: lists what is missing, the notice says so, and the enterprise may apply again', async () => {
      const { id, enterprise, app } = await submitted();
      const bad = await post(`/repairs/${app.id}/refuse`, reviewer, { missing: [] });
      expect(bad.status).to.equal(400);
      const res = await post(`/repairs/${app.id}/refuse`, reviewer, { missing: ['罚款缴纳凭证不清晰，请提供银行回单原件扫描件'], note: '请补正后重新提交' });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.state).to.equal('refused-incomplete');
      expect(res.body.refusal.missing).to.deep.equal(['罚款缴纳凭证不清晰，请提供银行回单原件扫描件']);
      await expectAudited('repair.refuse', app.id);
      const letter = await get(`/repairs/${app.id}/decision`, enterprise);
      expect(letter.status).to.equal(200);
      expect(letter.text).to.include('不予受理通知书').and.include('银行回单原件扫描件');
      // A refused application cannot be accepted any more.
      expect((await post(`/repairs/${app.id}/accept`, reviewer)).status).to.equal(409);
      const again = await apply(enterprise, id);
      expect(again.status, JSON.stringify(again.body)).to.equal(201);
      expect(again.body.number).to.not.equal(app.number);
    });

    it('denied with reasons; a pending application blocks another; after the denial it can be made again', async () => {
      const { id, enterprise, app } = await submitted();
      const dup = await apply(enterprise, id);
      expect(dup.status).to.equal(422);
      expect(detailMessages(dup)).to.include('正在办理').and.include(app.number);
      expect((await post(`/repairs/${app.id}/deny`, reviewer, { reasons: ['尚未受理'] })).status, 'deny needs acceptance first').to.equal(409);
      expect((await post(`/repairs/${app.id}/accept`, reviewer)).status).to.equal(200);
      const denied = await post(`/repairs/${app.id}/deny`, reviewer, { reasons: ['整改复查发现重大事故隐患尚未整改到位'], note: '整改到位后可重新申请' });
      expect(denied.status, JSON.stringify(denied.body)).to.equal(200);
      expect(denied.body).to.include({ state: 'denied', decidedDate: today });
      expect(denied.body.decision).to.include({ outcome: 'denied' });
      expect(denied.body.decision.reasons).to.deep.equal(['整改复查发现重大事故隐患尚未整改到位']);
      await expectAudited('repair.deny', app.id);
      const letter = await get(`/repairs/${app.id}/decision`, enterprise);
      expect(letter.text).to.include('不予信用修复决定书').and.include('尚未整改到位').and.include('行政复议');
      // The record stays published.
      expect((await RecordModel.findById(id).lean())!.lifecycle).to.equal('active');
      // The reason removed (a new correction confirmed), the enterprise applies again.
      await fulfil(id, { correctionConfirmedDate: today, finePaidDate: undefined, evidence: '复查意见书 深应急复查〔2026〕21号：隐患已整改' });
      const again = await apply(enterprise, id);
      expect(again.status, JSON.stringify(again.body)).to.equal(201);
      expect((await get(`/repairs?recordId=${id}`, enterprise)).body.items.map((a: { state: string }) => a.state)).to.deep.equal(['submitted', 'denied']);
    });

    it('one extension of the decision deadline, with a reason; approve before acceptance is refused', async () => {
      const { app } = await submitted();
      expect((await post(`/repairs/${app.id}/approve`, reviewer)).status).to.equal(409);
      expect((await post(`/repairs/${app.id}/extend`, reviewer, { reason: '情况复杂' })).status, 'extend needs acceptance').to.equal(409);
      const accepted = await post(`/repairs/${app.id}/accept`, reviewer);
      expect((await post(`/repairs/${app.id}/extend`, reviewer, {})).status, 'a reason is required').to.equal(400);
      const ext = await post(`/repairs/${app.id}/extend`, reviewer, { reason: '涉及多个部门核查，情况复杂' });
      expect(ext.status, JSON.stringify(ext.body)).to.equal(200);
      expect(ext.body.due.decision).to.equal(addWorkdays(accepted.body.due.decision, 7));
      expect(ext.body.extension).to.include({ reason: '涉及多个部门核查，情况复杂', previousDue: accepted.body.due.decision });
      await expectAudited('repair.extend', app.id);
      const twice = await post(`/repairs/${app.id}/extend`, reviewer, { reason: '再次延长' });
      expect(twice.status).to.equal(409);
      expect(twice.body.error.message).to.include('只能延长一次');
    });

    it('approval re-checks eligibility: a penalty revoked meanwhile cannot be approved', async () => {
      const { id, app } = await submitted();
      await post(`/repairs/${app.id}/accept`, reviewer);
      const revoked = await t.request
        .patch(api(`/penalties/${id}`))
        .set('X-API-Key', clerk)
        .send({ action: 'revoke', revocation: { decisionNumber: '深应急撤〔2026〕1号', decisionDate: today, reason: '复议撤销' } });
      expect(revoked.status, JSON.stringify(revoked.body)).to.equal(200);
      const res = await post(`/repairs/${app.id}/approve`, reviewer);
      expect(res.status).to.equal(409);
      expect(detailMessages(res)).to.include('已被撤销');
    });
  });

  describe('concurrency', () => {
    it('simultaneous applications for one penalty: exactly one is stored; simultaneous decisions: exactly one wins', async () => {
      const p = await newPenalty();
      await fulfil(p.id);
      const results = await Promise.all([1, 2, 3, 4].map(() => apply(p.enterprise, p.id)));
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((x) => x === 201), JSON.stringify(statuses)).to.have.length(1);
      for (const r of results.filter((x) => x.status !== 201)) expect(r.status).to.be.oneOf([409, 422]);
      expect(await RepairModel.countDocuments({ recordId: p.id })).to.equal(1);
      const app = results.find((r) => r.status === 201)!.body;
      // Files of the refused attempts are not kept.
      expect(await RepairFileModel.countDocuments({ recordId: p.id })).to.equal(2);

      const decisions = await Promise.all([
        post(`/repairs/${app.id}/accept`, reviewer),
        post(`/repairs/${app.id}/refuse`, reviewer, { missing: ['缺少整改报告'] }),
        post(`/repairs/${app.id}/accept`, reviewer),
      ]);
      expect(decisions.filter((d) => d.status === 200), JSON.stringify(decisions.map((d) => d.status))).to.have.length(1);
      for (const d of decisions.filter((x) => x.status !== 200)) expect(d.status).to.equal(409);
      const doc = (await RepairModel.findById(app.id).lean())!;
      expect(doc.history).to.have.length(2);
      expect(doc.revision).to.equal(2);
    });

    it('two approvals of one application at once: exactly one 200 (effected), the other 409 with a Chinese message; one decision audited', async () => {
      const { app } = await submitted();
      expect((await post(`/repairs/${app.id}/accept`, reviewer)).status).to.equal(200);
      const both = await Promise.all([post(`/repairs/${app.id}/approve`, reviewer, { note: '甲' }), post(`/repairs/${app.id}/approve`, reviewer, { note: '乙' })]);
      expect(both.map((r) => r.status).sort(), JSON.stringify(both.map((r) => r.body))).to.deep.equal([200, 409]);
      const lost = both.find((r) => r.status === 409)!;
      expectErrorShape(lost.body);
      expect(lost.body.error.message).to.match(/申请已被他人处理|不能/);
      expect(JSON.stringify(lost.body.error), 'states by their labels, never their codes').to.not.match(/accepted|approved|effected|state/);
      expect(both.find((r) => r.status === 200)!.body.state).to.equal('effected');
      expect(await AuditModel.countDocuments({ action: 'repair.approve', resourceId: app.id })).to.equal(1);
      const doc = (await RepairModel.findById(app.id).lean())!;
      expect(doc.history.map((h) => h.action)).to.deep.equal(['submit', 'accept', 'approve', 'effect']);
    });

    it('applications made at once get distinct, consecutive numbers (one atomic counter)', async () => {
      const penalties = [];
      for (let i = 0; i < 6; i++) {
        const p = await newPenalty();
        await fulfil(p.id);
        penalties.push(p);
      }
      const results = await Promise.all(penalties.map((p) => apply(p.enterprise, p.id)));
      expect(results.map((r) => r.status), JSON.stringify(results.map((r) => r.body))).to.deep.equal([201, 201, 201, 201, 201, 201]);
      const seqs = results.map((r) => Number((r.body.number as string).split('-')[1])).sort((a, b) => a - b);
      expect(new Set(seqs).size, 'no number twice').to.equal(6);
      expect(seqs.at(-1)! - seqs[0], `no gap: ${seqs.join(',')}`).to.equal(5);
    });

    it('effects started by several runs at once are carried out once (the effects lease); a dead runner’s lease expires', async () => {
      const { id, app } = await submitted();
      expect((await post(`/repairs/${app.id}/accept`, reviewer)).status).to.equal(200);
      // The approval recorded, its effects not yet carried out (as the approval's single write leaves it).
      const approved = {
        state: 'approved',
        decidedDate: today,
        'due.resultShared': addWorkdays(today, 3),
        decision: { outcome: 'approved', number: '信用修复决字〔test〕第2号', reasons: [], note: null, by: 'k', byName: '审核人员', at: new Date(), date: today },
        effects: { withdrawn: false, regraded: false, attempts: 0, lastError: null },
      };
      // A lease held by a live runner: nothing is done.
      await RepairModel.updateOne({ _id: app.id }, { $set: { ...approved, effectsLease: { owner: 'elsewhere', until: new Date(Date.now() + 60_000) } }, $inc: { revision: 1 } });
      const version = (await RecordModel.findById(id).lean())!.version;
      expect((await runEffects(app.id))!.state, 'lease held elsewhere: left alone').to.equal('approved');
      expect((await RecordModel.findById(id).lean())!.version).to.equal(version);
      // The runner died: its lease expired. Four runs at once (two instances' sweeps and retries): one does the work.
      await RepairModel.updateOne({ _id: app.id }, { $set: { 'effectsLease.until': new Date(Date.now() - 1000) } });
      const runs = await Promise.allSettled([1, 2, 3, 4].map(() => runEffects(app.id)));
      expect(runs.every((r) => r.status === 'fulfilled'), JSON.stringify(runs)).to.equal(true);
      const doc = (await RepairModel.findById(app.id).lean())!;
      expect(doc.state).to.equal('effected');
      expect(doc.effectsLease, 'the lease is released').to.equal(undefined);
      expect(doc.history.filter((h) => h.action === 'effect')).to.have.length(1);
      const rec = (await RecordModel.findById(id).lean())!;
      expect(rec.version, 'exactly one withdraw version').to.equal(version + 1);
      expect(rec.versions.at(-1)!.withdrawReason).to.equal('信用修复');
      expect(await AuditModel.countDocuments({ action: 'repair.effect', resourceId: app.id })).to.equal(1);
    });

    it('fulfilment recorded by several clerks at once: each recording either lands (200, one history entry and audit each) or answers 409', async () => {
      const p = await newPenalty();
      const results = await Promise.all(
        [1, 2, 3, 4].map((i) => post(`/penalties/${p.id}/fulfilment`, clerk, { finePaidDate: addMonths(today, -3), correctionConfirmedDate: addMonths(today, -2), evidence: `缴款书 第${i}份` })),
      );
      const ok = results.filter((r) => r.status === 200);
      expect(ok.length, JSON.stringify(results.map((r) => r.status))).to.be.at.least(1);
      for (const r of results.filter((x) => x.status !== 200)) expect([r.status, r.body.error.message]).to.deep.equal([409, '履行情况已被他人修改，请刷新后重试']);
      const doc = (await FulfilmentModel.findById(p.id).lean())!;
      expect(doc.revision).to.equal(ok.length);
      expect(doc.history).to.have.length(ok.length);
      expect(await AuditModel.countDocuments({ action: 'repair.fulfilment.record', resourceId: p.id })).to.equal(ok.length);
    });
  });

  describe('the credit commitment (信用承诺)', () => {
    it('made with the application, or a 信用修复 commitment registered beforehand (then the application may omit it; a breach stops approval)', async () => {
      const p = await newPenalty();
      await fulfil(p.id);
      const none = await apply(p.enterprise, p.id, { fields: { commitmentText: undefined, commitmentAccepted: undefined } });
      expect(none.status).to.equal(422);
      expect(none.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['commitmentAccepted']);
      const textOnly = await apply(p.enterprise, p.id, { fields: { commitmentAccepted: undefined } });
      expect(textOnly.status).to.equal(400);
      const acceptedNoText = await apply(p.enterprise, p.id, { fields: { commitmentText: undefined } });
      expect(acceptedNoText.status).to.equal(400);
      expect(acceptedNoText.body.error.details[0].path).to.equal('commitmentText');

      const enterprise: Principal = { id: 'apikey:enterprise-test', name: '企业用户', roles: ['enterprise'], uscc: p.uscc, scope: [], via: 'apiKey' };
      const registered = await createCommitment({ type: '信用修复', penaltyRecordId: p.id, text: COMMITMENT, signedDate: today, termEnd: addMonths(today, 12) }, { principal: enterprise });
      const elig = await get(`/penalties/${p.id}/repair-eligibility`, p.enterprise);
      expect(elig.body.commitment).to.include({ id: registered.id });
      expect(elig.body.conditions.find((c: { code: string }) => c.code === 'COMMITMENT').note).to.equal('已作出信用承诺');

      const res = await apply(p.enterprise, p.id, { fields: { commitmentText: undefined, commitmentAccepted: undefined } });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.commitment).to.include({ source: 'register', commitmentId: registered.id, text: COMMITMENT, termEnd: addMonths(today, 12) });
      expect((await post(`/repairs/${res.body.id}/accept`, reviewer)).status).to.equal(200);

      const clerkPrincipal: Principal = { id: 'apikey:clerk-test', name: '录入人员', roles: ['clerk'], scope: [], via: 'apiKey' };
      await recordBreach(registered.id, { date: today, evidence: '复查发现承诺事项未落实' }, { principal: clerkPrincipal });
      const approve = await post(`/repairs/${res.body.id}/approve`, reviewer);
      expect(approve.status).to.equal(409);
      expect(approve.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['commitmentAccepted']);
    });
  });

  describe('the application request', () => {
    let p: Awaited<ReturnType<typeof newPenalty>>;
    before(async () => {
      p = await newPenalty();
      await fulfil(p.id);
    });

    it('a .png that is really text → 400, nothing stored', async () => {
      const res = await apply(p.enterprise, p.id, { files: [{ buffer: Buffer.from('这不是图片，只是文本。'), filename: '凭证.png', contentType: 'image/png' }] });
      expect(res.status).to.equal(400);
      expectErrorShape(res.body);
      expect(detailMessages(res)).to.include('凭证.png').and.include('不是允许的类型');
      expect(await RepairModel.countDocuments({ recordId: p.id })).to.equal(0);
      expect(await RepairFileModel.countDocuments({ recordId: p.id })).to.equal(0);
    });

    it('a PDF named .png → 400 (the extension must fit the content); an executable → 400', async () => {
      const res = await apply(p.enterprise, p.id, { files: [{ buffer: PDF, filename: 'scan.png', contentType: 'image/png' }] });
      expect(res.status).to.equal(400);
      expect(detailMessages(res)).to.include('扩展名与内容不符');
      const elf = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64)]);
      const exe = await apply(p.enterprise, p.id, { files: [{ buffer: elf, filename: 'a.pdf' }] });
      expect(exe.status).to.equal(400);
    });

    it('a file over the size limit → 413', async () => {
      const max = repairConfig().files.maxBytes;
      const big = Buffer.concat([PNG, Buffer.alloc(max + 1 - PNG.length)]);
      const res = await apply(p.enterprise, p.id, { files: [{ buffer: big, filename: 'big.png', contentType: 'image/png' }] });
      expect(res.status).to.equal(413);
      expectErrorShape(res.body);
      expect(res.body.error.message).to.include('5 MB');
      expect(await RepairFileModel.countDocuments({ recordId: p.id })).to.equal(0);
    });

    it('a file of exactly the size limit is stored and returned intact', async () => {
      const max = repairConfig().files.maxBytes;
      const big = Buffer.concat([PNG, Buffer.alloc(max - PNG.length, 7)]);
      const other = await newPenalty();
      await fulfil(other.id);
      const res = await apply(other.enterprise, other.id, { files: [{ buffer: big, filename: 'scan.png', contentType: 'image/png' }] });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.files[0]).to.include({ size: max, sha256: sha256(big) });
      const stored = (await RepairFileModel.findById(res.body.files[0].id).lean())!;
      expect(stored.size).to.equal(max);
      const file = await get(res.body.files[0].url.replace('/api/v1', ''), other.enterprise).buffer(true).parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
      expect(file.status).to.equal(200);
      expect(sha256(file.body as Buffer)).to.equal(sha256(big));
    });

    it('no evidence, bad fields, no commitment, not multipart', async () => {
      const none = await apply(p.enterprise, p.id, { files: [] });
      expect(none.status).to.equal(400);
      expect(none.body.error.details[0].path).to.equal('evidence');
      const fields = await apply(p.enterprise, p.id, { fields: { contactPhone: '12345', commitmentText: '短' } });
      expect(fields.status).to.equal(400);
      expect(fields.body.error.details.map((d: { path: string }) => d.path).sort()).to.deep.equal(['commitmentText', 'contactPhone']);
      const noCommitment = await apply(p.enterprise, p.id, { fields: { commitmentAccepted: 'false' } });
      expect(noCommitment.status).to.equal(422);
      expect(noCommitment.body.error.details).to.deep.include({ path: 'commitmentAccepted', message: '未作出信用承诺：须随申请提交信用修复承诺书并勾选同意，或事先登记有效的信用修复承诺' });
      const json = await post('/repairs', p.enterprise, { recordId: p.id });
      expect(json.status).to.equal(415);
      expectErrorShape(json.body);
    });

    it('the minimum period not reached → 422 with the date it is', async () => {
      const young = await newPenalty({ decisionDate: addMonths(today, -1), validUntil: addMonths(today, 11) });
      await fulfil(young.id, { finePaidDate: addDays(today, -2), correctionConfirmedDate: addDays(today, -1) });
      const res = await apply(young.enterprise, young.id);
      expect(res.status).to.equal(422);
      expect(detailMessages(res)).to.include(`${young.record.repairEarliestDate} 起方可申请`);
      const elig = await get(`/penalties/${young.id}/repair-eligibility`, young.enterprise);
      expect(elig.body.earliestDate).to.equal(young.record.repairEarliestDate);
      // Asked about that day, it is eligible.
      const then = await get(`/penalties/${young.id}/repair-eligibility?date=${young.record.repairEarliestDate}`, young.enterprise);
      expect(then.body.eligible).to.equal(true);
    });
  });

  describe('fulfilment (recorded by the clerk)', () => {
    it('validates dates against the decision and today, and a fine date only where there is a fine', async () => {
      const p = await newPenalty();
      const early = await post(`/penalties/${p.id}/fulfilment`, clerk, { finePaidDate: addMonths(today, -5), evidence: '缴款书' });
      expect(early.status).to.equal(400);
      expect(early.body.error.details[0]).to.include({ path: 'finePaidDate' });
      const future = await post(`/penalties/${p.id}/fulfilment`, clerk, { correctionConfirmedDate: addDays(today, 1), evidence: '复查意见' });
      expect(future.status).to.equal(400);
      const empty = await post(`/penalties/${p.id}/fulfilment`, clerk, { evidence: '无日期' });
      expect(empty.status).to.equal(400);
      const warning = await newPenalty({ penaltyTypes: ['警告'], fineAmount: undefined, content: '警告' });
      const noFine = await post(`/penalties/${warning.id}/fulfilment`, clerk, { finePaidDate: today, evidence: '缴款书' });
      expect(noFine.status).to.equal(400);
      expect(noFine.body.error.details[0].message).to.include('无需登记缴款');
      // Two recordings: merged, with history.
      await fulfil(p.id, { correctionConfirmedDate: undefined });
      const second = await fulfil(p.id, { finePaidDate: undefined, correctionConfirmedDate: today, evidence: '复查意见书' });
      expect(second).to.include({ finePaidDate: addMonths(today, -3), correctionConfirmedDate: today });
      expect(second.history).to.have.length(2);
    });

    it('a 轻微 penalty (warning) is repairable as soon as the correction is confirmed', async () => {
      const p = await newPenalty({ penaltyTypes: ['警告'], fineAmount: undefined, content: '警告', decisionDate: addDays(today, -3), validUntil: addMonths(today, 3) });
      expect(p.record.severity).to.equal('轻微');
      const before = await get(`/penalties/${p.id}/repair-eligibility`, p.enterprise);
      expect(before.body.reasons.map((r: { code: string }) => r.code)).to.deep.equal(['CORRECTION_NOT_CONFIRMED']);
      await post(`/penalties/${p.id}/fulfilment`, clerk, { correctionConfirmedDate: today, evidence: '现场复查合格' });
      const after = await get(`/penalties/${p.id}/repair-eligibility`, p.enterprise);
      expect(after.body).to.include({ eligible: true, earliestDate: today, paymentRequired: false });
    });
  });

  describe('the repair notice (信用修复告知书, 两书同达)', () => {
    it('is a printable HTML document with the earliest repair date and the conditions', async () => {
      const p = await newPenalty();
      const res = await get(`/penalties/${p.id}/repair-notice`, p.enterprise);
      expect(res.status).to.equal(200);
      expect(res.headers['content-type']).to.match(/^text\/html; charset=utf-8/);
      const [y, m, d] = (p.record.repairEarliestDate as string).split('-').map(Number);
      expect(res.text).to.include('信用修复告知书').and.include(`${y}年${m}月${d}日`).and.include(p.record.decisionNumber);
      expect(res.text).to.include('已缴清行政处罚决定的罚没款').and.include('信用修复承诺书').and.include('3个工作日');
      expect(res.text).to.include('《信用修复管理办法》');
    });

    it('says so when the law bars repair, and escapes what the record contains', async () => {
      const p = await newPenalty({ legalBasis: '《中华人民共和国安全生产法》第九十四条', remarks: '<script>x</script>', subjectName: '测试<b>企业</b>有限公司' });
      const res = await get(`/penalties/${p.id}/repair-notice`, regulator);
      expect(res.status).to.equal(200);
      expect(res.text).to.include('依法不予信用修复');
      expect(res.text).to.not.include('<b>企业</b>');
      expect(res.text).to.include('测试&lt;b&gt;企业&lt;/b&gt;有限公司');
      const elig = await get(`/penalties/${p.id}/repair-eligibility`, regulator);
      expect(elig.body.reasons.map((r: { code: string }) => r.code)).to.include('NOT_REPAIRABLE_BY_LAW');
    });
  });

  describe('scope: "谁认定、谁修复", and enterprise isolation', () => {
    it('a reviewer of another division does not see the application (404); one of the district but not of the deciding authority cannot decide (403)', async () => {
      const { app } = await submitted();
      const elsewhere = await t.key(['reviewer'], { scope: ['440100'] });
      expect((await get(`/repairs/${app.id}`, elsewhere)).status).to.equal(404);
      expect((await post(`/repairs/${app.id}/accept`, elsewhere)).status).to.equal(404);
      expect((await get('/repairs', elsewhere)).body.items.map((a: { id: string }) => a.id)).to.not.include(app.id);
      const district = await t.key(['reviewer'], { scope: ['440305'] });
      expect((await get(`/repairs/${app.id}`, district)).status).to.equal(200);
      const forbidden = await post(`/repairs/${app.id}/accept`, district);
      expect(forbidden.status).to.equal(403);
      expect(forbidden.body.error.message).to.include('谁认定、谁修复');
      const authority = await t.key(['reviewer'], { scope: ['440300', '440305'] });
      expect((await post(`/repairs/${app.id}/accept`, authority)).status).to.equal(200);
    });

    it('an enterprise sees and applies for its own only', async () => {
      const a = await submitted();
      const b = await newPenalty();
      const paths = [`/repairs/${a.app.id}`, `/repairs/${a.app.id}/decision`, `/penalties/${a.id}/repair-eligibility`, `/penalties/${a.id}/repair-notice`];
      const full = (await get(`/repairs/${a.app.id}`, reviewer)).body;
      paths.push(full.files[0].url.replace('/api/v1', ''));
      for (const path of paths) {
        const res = await get(path, b.enterprise);
        expect(res.status, path).to.equal(404);
        expect(res.text).to.not.include(a.uscc);
      }
      const list = await get('/repairs', b.enterprise);
      expect(list.body.items).to.deep.equal([]);
      const sneaky = await get(`/repairs?uscc=${a.uscc}`, b.enterprise);
      expect(sneaky.body.items).to.deep.equal([]);
      const own = await get('/repairs', a.enterprise);
      expect(own.body.items.map((x: { id: string }) => x.id)).to.deep.equal([a.app.id]);
      const foreign = await apply(b.enterprise, a.id);
      expect(foreign.status).to.equal(404);
    });
  });

  describe('overdue steps', () => {
    it('listed by the API (reviewer, regulator) and the daily job, by working days', async () => {
      const s = await submitted();
      const acc = await submitted();
      const accepted = await post(`/repairs/${acc.app.id}/accept`, reviewer);
      const acceptanceDue = addWorkdays(today, 3);
      const decisionDue = accepted.body.due.decision as string;

      const onDue = await get(`/repairs/overdue?date=${acceptanceDue}`, reviewer);
      expect(onDue.status).to.equal(200);
      expect(onDue.body.items.map((i: { id: string }) => i.id)).to.not.include(s.app.id);

      const late = await get(`/repairs/overdue?date=${addDays(acceptanceDue, 1)}`, regulator);
      const item = late.body.items.find((i: { id: string }) => i.id === s.app.id);
      expect(item).to.include({ step: 'acceptance', due: acceptanceDue, state: 'submitted', number: s.app.number });
      expect(item.overdueWorkdays).to.be.at.least(1);
      expect(late.body.items.map((i: { id: string }) => i.id)).to.not.include(acc.app.id);

      const later = await get(`/repairs/overdue?date=${addDays(decisionDue, 1)}`, reviewer);
      expect(later.body.items.find((i: { id: string }) => i.id === acc.app.id)).to.include({ step: 'decision', due: decisionDue });

      const all = await allOverdue(addDays(decisionDue, 1));
      expect(all.map((i) => i.id)).to.include.members([s.app.id, acc.app.id]);

      // npm run cli -- repairs overdue --date …, against this test's database.
      const { code, stdout, stderr } = await runCli(t.dbName, ['repairs', 'overdue', '--date', addDays(decisionDue, 1)], { ADMIN_API_KEY: undefined });
      expect(code, stderr).to.equal(0);
      const printed = JSON.parse(stdout) as { date: string; count: number; items: { id: string; step: string }[] };
      expect(printed.date).to.equal(addDays(decisionDue, 1));
      expect(printed.items.map((i) => `${i.id}:${i.step}`)).to.include.members([`${s.app.id}:acceptance`, `${acc.app.id}:decision`]);
      expect(stderr).to.include('个环节逾期');
      const job = await runRepairOverdueDaily(addDays(decisionDue, 1));
      expect(job).to.deep.include({ ran: true });
      expect((job as { overdue: number }).overdue).to.be.at.least(2);

      const scoped = await t.key(['reviewer'], { scope: ['440100'] });
      expect((await get(`/repairs/overdue?date=${addDays(decisionDue, 1)}`, scoped)).body.items).to.deep.equal([]);
    });
  });
});

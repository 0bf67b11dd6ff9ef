import { expect } from 'chai';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { makeUscc, penaltyBody, permitBody } from '../support/fixtures.js';
import { AuditModel } from '../../src/modules/audit/index.js';
import { EnterpriseModel } from '../../src/modules/enterprises/index.js';
import { RecordModel, expirePermits, endExpiredPublicity } from '../../src/modules/records/index.js';
import { todayInShanghai, addDays } from '../../src/lib/calendar.js';

describe('records: permits (行政许可) and penalties (行政处罚) through HTTP', () => {
  let t: TestApp;
  let clerk: string;
  let regulator: string;
  before(async () => {
    t = await startTestApp('records');
    clerk = await t.key(['clerk']);
    regulator = await t.key(['regulator']);
  });
  after(() => t.close());

  const post = (path: string, body: unknown, key = clerk) => t.request.post(`/api/v1/${path}`).set('X-API-Key', key).send(body as object);

  describe('create', () => {
    it('stores a penalty with its derived legal dates, delivery states, and its enterprise', async () => {
      const res = await post('penalties', penaltyBody(1));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      const r = res.body;
      expect(r.version).to.equal(1);
      expect(r.lifecycle).to.equal('active');
      expect(r.publicityDeadline).to.equal('2026-11-11');
      expect(r.severity).to.equal('一般');
      expect(r.published).to.equal(true);
      expect(r.repairEarliestDate).to.equal('2027-02-03'); // 民法典 arts. 201–203: the day after the 3 months' last day (2027-02-02)
      expect(r.publicityEndDate).to.equal('2027-11-02');
      expect(r.ruleVersion).to.equal('NDRC-36-2026');
      expect(r.delivery.municipal.state).to.equal('pending');
      expect(r.delivery.national.state).to.equal('pending');
      expect(r.districtCode).to.equal('440305');
      const ent = await EnterpriseModel.findOne({ uscc: penaltyBody(1).uscc }).lean();
      expect(ent?.origin).to.equal('record');
      expect(ent?.name).to.equal(penaltyBody(1).subjectName);
      expect(ent?.gradeDirty).to.equal(true);
      expect(await AuditModel.countDocuments({ action: 'penalty.create', resourceId: r.id })).to.equal(1);
    });

    it('does not publish a minor (轻微) penalty: warning only', async () => {
      const res = await post('penalties', penaltyBody(2, { penaltyTypes: ['警告'], fineAmount: undefined, content: '警告' }));
      expect(res.status).to.equal(201);
      expect(res.body.severity).to.equal('轻微');
      expect(res.body.published).to.equal(false);
      expect(res.body.delivery.municipal.state).to.equal('skipped');
    });

    it('stores a permit; its publicity deadline is the 7th working day', async () => {
      const res = await post('permits', permitBody(3, { decisionDate: '2026-09-29' }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.status).to.equal('1');
      // 2026-09-29 → Sep 30 (1), Oct 1–7 holiday, Oct 8 (2), Oct 9 (3), Oct 10 调休 (4), Oct 12 (5), 13 (6), 14 (7)
      expect(res.body.publicityDeadline).to.equal('2026-10-14');
      expect(res.body).not.to.have.property('severity');
    });
  });

  describe('idempotency on (deciding authority, 决定文书号)', () => {
    it('same key + same content → 200 with the existing record', async () => {
      const again = await post('penalties', penaltyBody(1));
      expect(again.status).to.equal(200);
      expect(again.body.version).to.equal(1);
      expect(await RecordModel.countDocuments({ decisionNumber: penaltyBody(1).decisionNumber })).to.equal(1);
    });
    it('same key + different content → 409 pointing to the correction route', async () => {
      const res = await post('penalties', penaltyBody(1, { fineAmount: 5 }));
      expect(res.status).to.equal(409);
      expectErrorShape(res.body);
      expect(res.body.error.message).to.match(/PATCH \/api\/v1\/penalties\/[0-9a-f]{24}/);
    });
    it('the same decision number from another authority is another record', async () => {
      const other = makeUscc(777, '440300');
      const res = await post('penalties', penaltyBody(1, { authorityUscc: other, sourceUscc: other, authorityName: '其他机关' }));
      expect(res.status).to.equal(201);
    });
  });

  describe('validation (domain.md rules), every failure with its path and a Chinese reason', () => {
    const cases: [string, string, Record<string, unknown>, string, RegExp][] = [
      ['罚款 without amount', 'penalties', { fineAmount: undefined }, 'fineAmount', /罚款金额/],
      ['fine with 7 decimals', 'penalties', { fineAmount: 1.1234567 }, 'fineAmount', /小数位数/],
      ['暂扣 without licence', 'penalties', { penaltyTypes: ['暂扣许可证件'], fineAmount: undefined }, 'licenceAffected', /证照名称及编号/],
      ['吊销 without licence', 'penalties', { penaltyTypes: ['罚款', '吊销许可证件'] }, 'licenceAffected', /证照名称及编号/],
      ['没收 without amount', 'penalties', { penaltyTypes: ['没收违法所得'], fineAmount: undefined }, 'confiscationAmount', /没收金额/],
      ['unknown penalty category', 'penalties', { penaltyTypes: ['罚酒三杯'] }, 'penaltyTypes.0', /取值须为以下之一/],
      ['legal person without USCC', 'penalties', { uscc: undefined }, 'uscc', /必填/],
      ['legal person with bad USCC', 'penalties', { uscc: '914403001922038217' }, 'uscc', /校验位错误/],
      ['legal person without legal representative', 'penalties', { legalRepresentative: undefined }, 'legalRepresentative', /必填/],
      ['placeholder for a legal person', 'penalties', { uscc: '00000000000000000X' }, 'uscc', /占位代码/],
      ['个体工商户 placeholder without 工商注册号', 'penalties', { subjectType: '个体工商户', uscc: '00000000000000000X' }, 'registrationNumber', /工商注册号/],
      ['自然人 with a USCC', 'penalties', { subjectType: '自然人', subjectIdType: '身份证', subjectIdNumber: '110105199001011234' }, 'uscc', /自然人不填写/],
      ['自然人 without ID number', 'penalties', { subjectType: '自然人', uscc: undefined, subjectIdType: '身份证' }, 'subjectIdNumber', /必填/],
      ['decision date in the future', 'penalties', { decisionDate: addDays(todayInShanghai(), 1) }, 'decisionDate', /不得晚于今天/],
      ['not a calendar date', 'penalties', { decisionDate: '2026-02-30' }, 'decisionDate', /有效的日历日期/],
      ['validUntil before decision date', 'penalties', { validUntil: '2026-10-01' }, 'validUntil', /不得早于/],
      ['unknown subject type', 'penalties', { subjectType: '公司' }, 'subjectType', /取值须为以下之一/],
      ['permit validity from after to', 'permits', { validFrom: '2027-01-01', validTo: '2026-12-31' }, 'validTo', /不得早于 有效期自/],
      ['permit category not in the list', 'permits', { permitCategory: '特殊' }, 'permitCategory', /取值须为以下之一/],
      ['permit state not 1/2', 'permits', { status: '3' }, 'status', /取值须为以下之一/],
      ['permit without content', 'permits', { content: undefined }, 'content', /必填/],
      ['unknown field', 'permits', { colour: 'red' }, 'colour', /不允许/],
    ];
    cases.forEach(([name, path, over, field, message], i) => {
      it(`${name} → 400 at ${field}`, async () => {
        const body = path === 'penalties' ? penaltyBody(500 + i, over) : permitBody(500 + i, over);
        const res = await post(path, body);
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        expectErrorShape(res.body);
        const d = res.body.error.details.find((x) => x.path === field);
        expect(d, JSON.stringify(res.body.error.details)).to.not.equal(undefined);
        expect(d!.message).to.match(message);
      });
    });

    it('accepts a 个体工商户 with the placeholder and a 工商注册号, and a 自然人 with an ID number', async () => {
      const a = await post('penalties', penaltyBody(600, { subjectType: '个体工商户', uscc: '00000000000000000X', registrationNumber: '440301600123456' }));
      expect(a.status, JSON.stringify(a.body)).to.equal(201);
      const b = await post('penalties', penaltyBody(601, { subjectType: '自然人', uscc: undefined, legalRepresentative: undefined, subjectIdType: '身份证', subjectIdNumber: '110105199001011234' }));
      expect(b.status, JSON.stringify(b.body)).to.equal(201);
      expect(await EnterpriseModel.countDocuments({ uscc: '00000000000000000X' })).to.equal(0);
    });

    it('lists several failures at once, and stores nothing', async () => {
      const before = await RecordModel.countDocuments();
      const res = await post('penalties', { ...penaltyBody(700), facts: '', fineAmount: -1, decisionDate: 'yesterday' });
      expect(res.status).to.equal(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['facts', 'fineAmount', 'decisionDate']);
      expect(await RecordModel.countDocuments()).to.equal(before);
    });
  });

  describe('versions: correction (更正) and revocation (撤销)', () => {
    let id: string;
    before(async () => {
      id = (await post('penalties', penaltyBody(10))).body.id;
    });

    it('a correction creates version 2, keeps version 1, and re-queues delivery', async () => {
      const res = await t.request.patch(`/api/v1/penalties/${id}`).set('X-API-Key', clerk).send({ action: 'correct', reason: '罚款金额录入错误', changes: { fineAmount: 4 } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.version).to.equal(2);
      expect(res.body.fineAmount).to.equal(4);
      expect(res.body.delivery.municipal).to.include({ state: 'pending', version: 2, op: 'upsert' });
      const v = await t.request.get(`/api/v1/penalties/${id}/versions`).set('X-API-Key', regulator);
      expect(v.body.items.map((x: { version: number }) => x.version)).to.deep.equal([1, 2]);
      expect(v.body.items[0].data.fineAmount).to.equal(3.5);
      expect(v.body.items[1].reason).to.equal('罚款金额录入错误');
      expect(await AuditModel.countDocuments({ action: 'penalty.correct', resourceId: id })).to.equal(1);
    });

    it('a correction is validated as a whole record', async () => {
      const res = await t.request.patch(`/api/v1/penalties/${id}`).set('X-API-Key', clerk).send({ action: 'correct', reason: '改类别', changes: { penaltyTypes: ['吊销许可证件'] } });
      expect(res.status).to.equal(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include('licenceAffected');
    });

    it('a correction needs a reason, and changes', async () => {
      const res = await t.request.patch(`/api/v1/penalties/${id}`).set('X-API-Key', clerk).send({ action: 'correct' });
      expect(res.status).to.equal(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['reason', 'changes']);
    });

    it('a revocation is version 3 with the revoking decision and withdraws publication (撤销)', async () => {
      const res = await t.request
        .patch(`/api/v1/penalties/${id}`)
        .set('X-API-Key', clerk)
        .send({ action: 'revoke', revocation: { decisionNumber: '深应急撤〔2026〕1号', decisionDate: '2026-11-20', reason: '复议撤销' } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.version).to.equal(3);
      expect(res.body.lifecycle).to.equal('revoked');
      expect(res.body.delivery.national).to.include({ state: 'pending', op: 'withdraw', reason: '撤销', version: 3 });
      const again = await t.request.patch(`/api/v1/penalties/${id}`).set('X-API-Key', clerk).send({ action: 'revoke', revocation: { decisionNumber: 'x', decisionDate: '2026-11-20', reason: '重复撤销' } });
      expect(again.status).to.equal(409);
      const v = await t.request.get(`/api/v1/penalties/${id}/versions`).set('X-API-Key', regulator);
      expect(v.body.items).to.have.length(3);
      expect(v.body.items[2].revocation.decisionNumber).to.equal('深应急撤〔2026〕1号');
    });
  });

  describe('batch', () => {
    it('answers per record: created, unchanged, error — valid ones stored even when others fail', async () => {
      const records = [penaltyBody(20), penaltyBody(1), { ...penaltyBody(21), fineAmount: undefined }, penaltyBody(1, { fineAmount: 99 }), penaltyBody(22), penaltyBody(22)];
      const res = await post('penalties/batch', { records });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.results.map((r: { status: string }) => r.status)).to.deep.equal(['created', 'unchanged', 'error', 'error', 'created', 'unchanged']);
      expect(res.body.results[2].details[0].path).to.equal('fineAmount');
      expect(res.body.results[3].code).to.equal('CONFLICT');
      expect(res.body.summary).to.deep.equal({ created: 2, unchanged: 2, error: 2 });
      expect(res.body.enterprisesCreated).to.equal(2);
      expect(await RecordModel.countDocuments({ decisionNumber: penaltyBody(22).decisionNumber })).to.equal(1);
    });
    it('refuses more than 1,000 records and an empty batch', async () => {
      const big = await post('penalties/batch', { records: Array.from({ length: 1001 }, (_, i) => penaltyBody(i)) });
      expect(big.status).to.equal(400);
      expect(big.body.error.details[0].path).to.equal('records');
      const empty = await post('penalties/batch', { records: [] });
      expect(empty.status).to.equal(400);
    });
  });

  describe('queries', () => {
    it('lists with filters and cursor pagination, newest decision first', async () => {
      for (let i = 0; i < 6; i++) await post('penalties', penaltyBody(30 + i, { decisionDate: `2026-0${i + 1}-15`, penaltyTypes: i % 2 ? ['警告'] : ['罚款'], fineAmount: i % 2 ? undefined : 1 }));
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: { decisionDate: string }[]; nextCursor: string | null } } = await t.request
          .get('/api/v1/penalties')
          .query({ limit: 4, from: '2026-01-01', to: '2026-06-30', ...(cursor ? { cursor } : {}) })
          .set('X-API-Key', regulator);
        all.push(...res.body.items.map((x) => x.decisionDate));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(all).to.deep.equal(['2026-06-15', '2026-05-15', '2026-04-15', '2026-03-15', '2026-02-15', '2026-01-15']);
      const minor = await t.request.get('/api/v1/penalties').query({ severity: '轻微', from: '2026-01-01', to: '2026-06-30' }).set('X-API-Key', regulator);
      expect(minor.body.items).to.have.length(3);
      const revoked = await t.request.get('/api/v1/penalties').query({ status: 'revoked' }).set('X-API-Key', regulator);
      expect(revoked.body.items).to.have.length(1);
    });

    it("one enterprise's history; an enterprise principal sees only its own", async () => {
      const uscc = penaltyBody(1).uscc;
      await post('permits', permitBody(1));
      const res = await t.request.get(`/api/v1/enterprises/${uscc}/records`).set('X-API-Key', regulator);
      // two penalties (the same decision number from two authorities) and one permit
      expect(res.body.items.map((x: { kind: string }) => x.kind).sort()).to.deep.equal(['penalty', 'penalty', 'permit']);
      const own = await t.key(['enterprise'], { uscc });
      const mine = await t.request.get('/api/v1/penalties').set('X-API-Key', own);
      expect(mine.body.items.every((x: { uscc: string }) => x.uscc === uscc)).to.equal(true);
      const otherId = (await RecordModel.findOne({ uscc: penaltyBody(20).uscc }).lean())!._id;
      expect((await t.request.get(`/api/v1/penalties/${otherId}`).set('X-API-Key', own)).status).to.equal(404);
      expect((await t.request.get(`/api/v1/enterprises/${penaltyBody(20).uscc}/records`).set('X-API-Key', own)).status).to.equal(404);
    });
  });

  describe('daily jobs: permit expiry and end of publicity', () => {
    it('a permit past its validity becomes version 2 with 当前状态 2', async () => {
      const p = await post('permits', permitBody(40, { decisionDate: '2023-01-05', validFrom: '2023-01-05', validTo: '2026-01-04' }));
      expect(p.status).to.equal(201);
      const n = await expirePermits('2026-11-25');
      expect(n).to.be.at.least(1);
      const r = await t.request.get(`/api/v1/permits/${p.body.id}`).set('X-API-Key', regulator);
      expect(r.body).to.include({ version: 2, status: '2', lifecycle: 'expired' });
      expect(r.body.delivery.municipal).to.include({ state: 'pending', op: 'upsert', version: 2 });
      expect(await expirePermits('2026-11-25')).to.equal(0);
    });
    it('a penalty past its publicity end date is withdrawn with reason 公示期满', async () => {
      const p = await post('penalties', penaltyBody(41, { decisionDate: '2024-03-01', validUntil: '2025-03-01' }));
      expect(p.body.publicityEndDate).to.equal('2025-03-01');
      expect(p.body.ruleVersion).to.equal('NDRC-58-2023');
      await endExpiredPublicity('2026-11-25');
      const r = await t.request.get(`/api/v1/penalties/${p.body.id}`).set('X-API-Key', regulator);
      expect(r.body.lifecycle).to.equal('withdrawn');
      expect(r.body.delivery.national).to.include({ op: 'withdraw', reason: '公示期满', version: 2 });
    });
  });
});

import { expect } from 'chai';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { enterpriseBody, makeUscc } from '../support/fixtures.js';
import { expectAudited } from '../support/audit.js';
import { AuditModel } from '../../src/modules/audit/index.js';
import { runGradeSweep } from '../../src/modules/grading/index.js';

describe('enterprises (企业主体) through HTTP', () => {
  let t: TestApp;
  let clerk: string;
  let regulator: string;
  before(async () => {
    t = await startTestApp('enterprises');
    clerk = await t.key(['clerk']);
    regulator = await t.key(['regulator']);
  });
  after(() => t.close());

  it('creates an enterprise, upper-casing the USCC, and keeps who and when', async () => {
    const body = enterpriseBody(1);
    const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send({ ...body, uscc: body.uscc.toLowerCase() });
    expect(res.status).to.equal(201);
    expect(res.body.uscc).to.equal(body.uscc);
    expect(res.body.createdBy).to.match(/^apikey:/);
    expect(res.body.revision).to.equal(1);
    expect(new Date(res.body.createdAt).getTime()).to.be.closeTo(Date.now(), 60_000);
    const audit = await expectAudited('enterprise.create', body.uscc, { principalId: res.body.createdBy });
    expect((audit.after as { name: string }).name).to.equal(body.name);
    expect(audit.requestId).to.equal(res.headers['x-request-id']);
  });

  it('answers 409 for a duplicate USCC', async () => {
    const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(enterpriseBody(1));
    expect(res.status).to.equal(409);
    expectErrorShape(res.body);
    expect(res.body.error.details[0].path).to.equal('uscc');
  });

  describe('USCC validation (table-driven)', () => {
    const valid = ['914403001922038216', '91110000100006194G', makeUscc(99, '110105')];
    const invalid: [string, unknown, string][] = [
      ['wrong check digit', '914403001922038217', '统一社会信用代码校验位错误'],
      ['too short', '9144030019220382', '统一社会信用代码应为 18 位'],
      ['forbidden letter I', '91440300192203821I', '统一社会信用代码含有非法字符（不允许 I、O、S、V、Z）'],
      ["not a string", 9144030019220382, '应为字符串'],
      ['missing', undefined, '必填'],
    ];
    for (const code of valid) {
      it(`accepts ${code}`, async () => {
        const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send({ ...enterpriseBody(5), uscc: code });
        expect(res.status, JSON.stringify(res.body)).to.equal(201);
      });
    }
    for (const [name, code, message] of invalid) {
      it(`rejects ${name}`, async () => {
        const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send({ ...enterpriseBody(6), uscc: code });
        expect(res.status).to.equal(400);
        expectErrorShape(res.body);
        expect(res.body.error.details).to.deep.include({ path: 'uscc', message });
      });
    }
  });

  it('lists every bad field at once', async () => {
    const res = await t.request
      .post('/api/v1/enterprises')
      .set('X-API-Key', clerk)
      .send({ uscc: '914403001922038217', name: '', districtCode: '4403', industryCode: '2614', subjectType: '公司', extra: 1 });
    expect(res.status).to.equal(400);
    expectErrorShape(res.body);
    const paths = res.body.error.details.map((d) => d.path).sort();
    expect(paths).to.deep.equal(['districtCode', 'extra', 'industryCode', 'legalRepresentative', 'name', 'subjectType', 'uscc'].sort());
    for (const d of res.body.error.details) expect(d.message).to.match(/[\u4e00-\u9fa5]/);
  });

  it('accepts a failing pilot-area code only with an explicit, audited override', async () => {
    const code = '914403001922038217';
    const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send({ ...enterpriseBody(7), uscc: code, usccOverride: { reason: '早期试点地区代码，经核实合法' } });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.usccOverride.reason).to.equal('早期试点地区代码，经核实合法');
    await expectAudited('enterprise.create.usccOverride', code);
  });

  it('gets one enterprise, 404 for an unknown one', async () => {
    const ok = await t.request.get(`/api/v1/enterprises/${enterpriseBody(1).uscc}`).set('X-API-Key', regulator);
    expect(ok.status).to.equal(200);
    expect(ok.body.name).to.equal(enterpriseBody(1).name);
    const missing = await t.request.get(`/api/v1/enterprises/${makeUscc(12345)}`).set('X-API-Key', regulator);
    expect(missing.status).to.equal(404);
    expectErrorShape(missing.body);
  });

  it('patches mutable fields, bumps the revision, audits before/after; USCC cannot change', async () => {
    const uscc = enterpriseBody(1).uscc;
    const res = await t.request.patch(`/api/v1/enterprises/${uscc}`).set('X-API-Key', clerk).send({ standardisationGrade: '一级', address: '新地址' });
    expect(res.status).to.equal(200);
    expect(res.body.standardisationGrade).to.equal('一级');
    expect(res.body.revision).to.equal(2);
    const entry = await expectAudited('enterprise.update', uscc);
    expect((entry.before as { standardisationGrade: string }).standardisationGrade).to.equal('二级');
    expect((entry.after as { standardisationGrade: string }).standardisationGrade).to.equal('一级');
    const bad = await t.request.patch(`/api/v1/enterprises/${uscc}`).set('X-API-Key', clerk).send({ uscc: makeUscc(3) });
    expect(bad.status).to.equal(400);
    const empty = await t.request.patch(`/api/v1/enterprises/${uscc}`).set('X-API-Key', clerk).send({});
    expect(empty.status).to.equal(400);
  });

  it('concurrent edits of one enterprise: each success bumps the revision exactly once, the others get 409 (no lost update)', async () => {
    const uscc = enterpriseBody(60).uscc;
    expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(enterpriseBody(60))).status).to.equal(201);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, k) =>
        t.request
          .patch(`/api/v1/enterprises/${uscc}`)
          .set('X-API-Key', clerk)
          .send({ address: `并发地址${k}` })
          .then((r) => ({ status: r.status, revision: r.body.revision as number | undefined, address: `并发地址${k}` })),
      ),
    );
    const won = outcomes.filter((o) => o.status === 200);
    expect(outcomes.every((o) => o.status === 200 || o.status === 409), JSON.stringify(outcomes)).to.equal(true);
    expect(won.length).to.be.at.least(1);
    // Every success answered a distinct revision; the stored one is the last of them, with that success's address.
    expect(new Set(won.map((w) => w.revision)).size).to.equal(won.length);
    const stored = (await t.request.get(`/api/v1/enterprises/${uscc}`).set('X-API-Key', regulator)).body;
    expect(stored.revision).to.equal(1 + won.length);
    expect(stored.address).to.equal(won.find((w) => w.revision === stored.revision)!.address);
    expect(await AuditModel.countDocuments({ action: 'enterprise.update', resourceId: uscc })).to.equal(won.length);
  });

  it('regulators cannot write (403)', async () => {
    const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', regulator).send(enterpriseBody(50));
    expect(res.status).to.equal(403);
    expectErrorShape(res.body);
  });

  describe('list with filters and cursor pagination', () => {
    before(async () => {
      for (let i = 100; i < 125; i++) {
        const districtCode = i % 2 ? '440305' : '110105';
        const res = await t.request
          .post('/api/v1/enterprises')
          .set('X-API-Key', clerk)
          .send(enterpriseBody(i, { districtCode, industryCode: i % 3 ? 'C2614' : 'B0610', name: `${i % 5 === 0 ? '华安' : '东方'}化工${i}` }));
        expect(res.status).to.equal(201);
      }
    });

    it('walks all pages without gaps or repeats', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: { items: { uscc: string }[]; nextCursor: string | null } } = await t.request.get("/api/v1/enterprises").query({ limit: 7, ...(cursor ? { cursor } : {}) }).set("X-API-Key", regulator);
        expect(res.status).to.equal(200);
        expect(res.body.items.length).to.be.at.most(7);
        seen.push(...res.body.items.map((e: { uscc: string }) => e.uscc));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      const total = await t.request.get('/api/v1/enterprises').query({ limit: 500 }).set('X-API-Key', regulator);
      expect(seen).to.deep.equal(total.body.items.map((e: { uscc: string }) => e.uscc));
      expect(new Set(seen).size).to.equal(seen.length);
      expect(pages).to.equal(Math.ceil(seen.length / 7));
      expect([...seen].sort()).to.deep.equal(seen);
    });

    it('finds a name by any part of it, each result with its current grade (null until graded)', async () => {
      // '化工11' is inside 东方化工110…化工119 (not at their start); '华安化' is a prefix of 5; 'xyz' nowhere.
      const middle = await t.request.get('/api/v1/enterprises').query({ name: '化工11', limit: 500 }).set('X-API-Key', regulator);
      expect(middle.status).to.equal(200);
      expect(middle.body.items.map((e: { name: string }) => e.name).sort()).to.deep.equal(Array.from({ length: 10 }, (_, k) => 110 + k).map((i) => `${i % 5 === 0 ? '华安' : '东方'}化工${i}`).sort());
      expect((await t.request.get('/api/v1/enterprises').query({ name: '安化', limit: 500 }).set('X-API-Key', regulator)).body.items).to.have.length(5);
      expect((await t.request.get('/api/v1/enterprises').query({ name: 'xyz' }).set('X-API-Key', regulator)).body.items).to.deep.equal([]);
      // Regex characters in the query are literal.
      expect((await t.request.get('/api/v1/enterprises').query({ name: '化工.*' }).set('X-API-Key', regulator)).body.items).to.deep.equal([]);
      const before = middle.body.items as { uscc: string; grade: unknown }[];
      expect(before.every((e) => 'grade' in e)).to.equal(true);
      await runGradeSweep();
      const after = (await t.request.get('/api/v1/enterprises').query({ name: '化工11', limit: 500 }).set('X-API-Key', regulator)).body.items as { grade: { tier: string; score: number } | null }[];
      expect(after.every((e) => e.grade !== null && /^[ABCD]$/.test(e.grade.tier) && typeof e.grade.score === 'number'), JSON.stringify(after[0])).to.equal(true);
    });

    it('filters by district, industry and name prefix', async () => {
      const d = await t.request.get('/api/v1/enterprises').query({ district: '1101', limit: 500 }).set('X-API-Key', regulator);
      expect(d.body.items.length).to.equal(13);
      expect(d.body.items.every((e: { districtCode: string }) => e.districtCode === '110105')).to.equal(true);
      const ind = await t.request.get('/api/v1/enterprises').query({ industry: 'B', limit: 500 }).set('X-API-Key', regulator);
      expect(ind.body.items.length).to.equal(8);
      const name = await t.request.get('/api/v1/enterprises').query({ name: '华安', limit: 500 }).set('X-API-Key', regulator);
      expect(name.body.items.length).to.equal(5);
    });

    it('rejects a forged cursor and a bad limit with field paths', async () => {
      const res = await t.request.get('/api/v1/enterprises').query({ cursor: 'garbage', limit: 0 }).set('X-API-Key', regulator);
      expect(res.status).to.equal(400);
      expectErrorShape(res.body);
      expect(res.body.error.details.map((x) => x.path)).to.include('query.limit');
      const forged = await t.request.get('/api/v1/enterprises').query({ cursor: 'garbage' }).set('X-API-Key', regulator);
      expect(forged.status).to.equal(400);
      expect(forged.body.error.details[0].path).to.equal('query.cursor');
    });
  });

  it('an enterprise key sees its own enterprise only; another one is 404', async () => {
    const own = enterpriseBody(1).uscc;
    const key = await t.key(['enterprise'], { uscc: own });
    expect((await t.request.get(`/api/v1/enterprises/${own}`).set('X-API-Key', key)).status).to.equal(200);
    expect((await t.request.get(`/api/v1/enterprises/${enterpriseBody(101).uscc}`).set('X-API-Key', key)).status).to.equal(404);
    const list = await t.request.get('/api/v1/enterprises').set('X-API-Key', key);
    expect(list.body.items.map((e: { uscc: string }) => e.uscc)).to.deep.equal([own]);
  });
});

import { expect } from 'chai';
import { Writable } from 'node:stream';
import express from 'express';
import supertest from 'supertest';
import winston from 'winston';
import { expectErrorShape, type TestApp } from '../support/app.js';
import { enterpriseBody, makeUscc, penaltyBody } from '../support/fixtures.js';
import { csvOf, importErrorReport, importFinished, startImportApp, type ImportApp } from '../support/importFiles.js';
import { daysAgo, listThroughHttp, type Keys } from '../support/dishonesty.js';
import { runCli } from '../support/process.js';
import { expectAudited } from '../support/audit.js';
import { logger } from '../../src/lib/logger.js';
import { errorHandler, MAX_DETAILS } from '../../src/http/errors.js';
import { requestIdMiddleware } from '../../src/http/requestId.js';

/**
 * Issue 16 through the HTTP API: the authority scope on every creation path, no subject change by
 * correction, one answer from the list check, malformed requests as client errors, pathological import rows.
 * (Separation of duties and the scoped creation routes are also in the route × role test, access.test.ts.)
 */
describe('integrity: scope on every write, subject corrections, one answer, malformed requests', function () {
  this.timeout(90_000);
  let app: ImportApp;
  let t: TestApp;
  /** Unscoped (city-wide) clerk. */
  let clerk: string;
  /** A clerk of 440305 only. */
  let scoped: string;
  let keys: Keys;
  /** 440305, its code's division too. */
  const A = enterpriseBody(1);
  /** 440306. */
  const B = enterpriseBody(2, { districtCode: '440306' });
  /** Registered in 440305 although its code names 440306: the enterprise's district decides. */
  const C = enterpriseBody(3, { districtCode: '440305', uscc: makeUscc(3, '440306') });
  const subject = (e: typeof A) => ({ uscc: e.uscc, subjectName: e.name });

  before(async () => {
    app = await startImportApp('integrity', 'integrity-');
    ({ t, clerk } = app);
    scoped = await t.key(['clerk'], { scope: ['440305'] });
    keys = { clerk, reviewer: await t.key(['reviewer']), regulator: await t.key(['regulator']), partner: await t.key(['partner']) };
    for (const e of [A, B, C]) expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(e)).status).to.equal(201);
  });
  after(() => app.close());

  const recordsOf = async (uscc: string) => (await t.request.get(`/api/v1/enterprises/${uscc}/records`).set('X-API-Key', keys.regulator)).body.items as { id: string }[];

  describe('the authority scope applies to every creation path', () => {
    it('single records: in scope 201; another district 403 with the reason, nothing stored', async () => {
      const own = await t.request.post('/api/v1/penalties').set('X-API-Key', scoped).send(penaltyBody(1, { ...subject(A), decisionNumber: '深应急罚〔辖区〕1号' }));
      expect(own.status, JSON.stringify(own.body)).to.equal(201);
      const other = await t.request.post('/api/v1/penalties').set('X-API-Key', scoped).send(penaltyBody(2, { ...subject(B), decisionNumber: '深应急罚〔辖区〕2号' }));
      expect(other.status, JSON.stringify(other.body)).to.equal(403);
      expectErrorShape(other.body);
      expect(other.body.error.code).to.equal('FORBIDDEN');
      expect(other.body.error.details).to.deep.equal([{ path: 'uscc', message: '该主体所在行政区划 440306 不在本人职权范围（440305）内' }]);
      expect(await recordsOf(B.uscc)).to.have.length(0);
      // The enterprise's registered district decides, not the division in its code.
      const c = await t.request.post('/api/v1/penalties').set('X-API-Key', scoped).send(penaltyBody(3, { ...subject(C), decisionNumber: '深应急罚〔辖区〕3号' }));
      expect(c.status, JSON.stringify(c.body)).to.equal(201);
      // City-wide staff use an unscoped key.
      const cityWide = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(2, { ...subject(B), decisionNumber: '深应急罚〔辖区〕2号' }));
      expect(cityWide.status, JSON.stringify(cityWide.body)).to.equal(201);
    });

    it('implicit enterprise creation: an unknown enterprise of another district is neither recorded nor created', async () => {
      const elsewhere = makeUscc(40, '440306');
      const res = await t.request.post('/api/v1/penalties').set('X-API-Key', scoped).send(penaltyBody(40, { uscc: elsewhere, decisionNumber: '深应急罚〔辖区〕40号' }));
      expect(res.status, JSON.stringify(res.body)).to.equal(403);
      expect((await t.request.get(`/api/v1/enterprises/${elsewhere}`).set('X-API-Key', keys.regulator)).status).to.equal(404);
      const here = makeUscc(41, '440305');
      const ok = await t.request.post('/api/v1/penalties').set('X-API-Key', scoped).send(penaltyBody(41, { uscc: here, decisionNumber: '深应急罚〔辖区〕41号' }));
      expect(ok.status, JSON.stringify(ok.body)).to.equal(201);
      expect((await t.request.get(`/api/v1/enterprises/${here}`).set('X-API-Key', scoped).send()).body.districtCode).to.equal('440305');
    });

    it('batches: an out-of-scope row is that row’s error; the others are stored', async () => {
      const res = await t.request
        .post('/api/v1/penalties/batch')
        .set('X-API-Key', scoped)
        .send({
          records: [
            penaltyBody(1, { ...subject(A), decisionNumber: '深应急罚〔批量〕1号' }),
            penaltyBody(2, { ...subject(B), decisionNumber: '深应急罚〔批量〕2号' }),
            penaltyBody(42, { uscc: makeUscc(42, '440306'), decisionNumber: '深应急罚〔批量〕42号' }),
            { ...penaltyBody(1), decisionDate: 'gestern' },
          ],
        });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.summary).to.deep.equal({ created: 1, unchanged: 0, error: 3 });
      expect(res.body.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).to.deep.equal(['created', 'FORBIDDEN', 'FORBIDDEN', 'VALIDATION_FAILED']);
      expect(res.body.results[1].details[0].path).to.equal('uscc');
      expect((await t.request.get(`/api/v1/enterprises/${makeUscc(42, '440306')}`).set('X-API-Key', keys.regulator)).status).to.equal(404);
      await expectAudited('penalty.batch');
    });

    it('imports: an out-of-scope row is that row’s error in the report; the others are stored', async () => {
      const csv = csvOf('penalty', [
        penaltyBody(1, { ...subject(A), decisionNumber: '深应急罚〔导入〕1号' }),
        penaltyBody(2, { ...subject(B), decisionNumber: '深应急罚〔导入〕2号' }),
      ]);
      const res = await t.request.post('/api/v1/imports?kind=penalties').set('X-API-Key', scoped).set('Content-Type', 'text/csv').send(csv);
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      const done = await importFinished(t, res.body.id, scoped);
      expect(done).to.include({ status: 'done', created: 1, failed: 1 });
      const report = (await importErrorReport(t, res.body.id, scoped)).toString('utf8');
      expect(report).to.include(B.uscc);
      expect(report).to.match(/^3,.*不在本人职权范围（440305）内/m);
    });
  });

  describe('correcting a record’s subject (行政相对人)', () => {
    it('is refused with how to proceed (revoke, then enter again); the record stays as it was, other corrections still work', async () => {
      const created = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(1, { ...subject(A), decisionNumber: '深应急罚〔相对人〕1号' }));
      expect(created.status).to.equal(201);
      for (const key of [clerk, scoped]) {
        const res = await t.request
          .patch(`/api/v1/penalties/${created.body.id}`)
          .set('X-API-Key', key)
          .send({ action: 'correct', reason: '相对人录入错误', changes: { uscc: B.uscc, subjectName: B.name } });
        expect(res.status, JSON.stringify(res.body)).to.equal(400);
        expectErrorShape(res.body);
        expect(res.body.error.message).to.equal('更正不能变更行政相对人');
        expect(res.body.error.details).to.have.length(1);
        expect(res.body.error.details[0].path).to.equal('changes.uscc');
        expect(res.body.error.details[0].message).to.match(/请撤销本记录（action=revoke），再按正确的相对人重新录入/);
      }
      const after = await t.request.get(`/api/v1/penalties/${created.body.id}`).set('X-API-Key', clerk);
      expect(after.body).to.include({ version: 1, uscc: A.uscc });
      expect((await recordsOf(A.uscc)).map((r) => r.id)).to.include(created.body.id);
      expect((await recordsOf(B.uscc)).map((r) => r.id)).to.not.include(created.body.id);
      const renamed = await t.request
        .patch(`/api/v1/penalties/${created.body.id}`)
        .set('X-API-Key', clerk)
        .send({ action: 'correct', reason: '名称录入错误', changes: { subjectName: `${A.name}（更名）` } });
      expect(renamed.status, JSON.stringify(renamed.body)).to.equal(200);
      expect(renamed.body).to.include({ version: 2, uscc: A.uscc });
    });
  });

  describe('GET /dishonesty-list/check gives the same answer whoever asks', () => {
    it('a clerk or reviewer of another district is told the truth about a listed unit, like a partner', async () => {
      const penalty = await t.request
        .post('/api/v1/penalties')
        .set('X-API-Key', clerk)
        .send(penaltyBody(2, { ...subject(B), decisionNumber: '深应急罚〔失信〕2号', decisionDate: daysAgo(70), validUntil: daysAgo(1) }));
      expect(penalty.status, JSON.stringify(penalty.body)).to.equal(201);
      const listed = await listThroughHttp(t, keys, { uscc: B.uscc, penaltyId: penalty.body.id }, 30);
      const scopedReviewer = await t.key(['reviewer'], { scope: ['440305'] });
      const answers = [];
      for (const key of [keys.partner, scoped, scopedReviewer, keys.regulator]) {
        const res = await t.request.get('/api/v1/dishonesty-list/check').query({ uscc: B.uscc }).set('X-API-Key', key);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        answers.push(res.body);
      }
      for (const a of answers) {
        expect(a.listed).to.equal(true);
        expect(a.message).to.equal(answers[0].message);
        expect(a.listings.map((l: { listingId: string }) => l.listingId)).to.deep.equal([listed.id]);
      }
      // An unlisted unit is "not listed" for everyone.
      const none = await t.request.get('/api/v1/dishonesty-list/check').query({ uscc: A.uscc }).set('X-API-Key', scoped);
      expect(none.body.listed).to.equal(false);
    });
  });

  describe('malformed requests are client errors', () => {
    let errors: Record<string, unknown>[];
    let capture: winston.transport;
    beforeEach(() => {
      errors = [];
      const sink = new Writable({
        objectMode: true,
        write(info: Record<string, unknown>, _enc, done) {
          if (info.level === 'error') errors.push(info);
          done();
        },
      });
      capture = new winston.transports.Stream({ stream: sink, level: 'error' });
      logger.add(capture);
    });
    afterEach(() => logger.remove(capture));

    it('a bad percent-escape anywhere in the URL → 400, without credentials, no error logged', async () => {
      for (const path of ['/api/v1/penalties/%ff', '/api/v1/enterprises/%E0%A4%A', '/api/v1/%ff', '/api/v1/penalties?uscc=%ff', '/docs/%c0', '/console/%']) {
        const anonymous = await t.request.get(path);
        expect(anonymous.status, `${path}: ${JSON.stringify(anonymous.body)}`).to.equal(400);
        expectErrorShape(anonymous.body);
        expect(anonymous.body.error.code).to.equal('MALFORMED_URI');
        expect(anonymous.body.error.message).to.match(/百分号编码/);
        const withKey = await t.request.get(path).set('X-API-Key', clerk);
        expect(withKey.status, path).to.equal(400);
      }
      expect((await t.request.patch('/api/v1/penalties/%ff').set('X-API-Key', clerk).send({})).status).to.equal(400);
      expect(errors, 'nothing logged at error level').to.deep.equal([]);
    });

    it('every body parse error → 4xx in the error shape, never 500', async () => {
      const cases: [string, string, Record<string, string>][] = [
        ['{"uscc": ', 'application/json', {}],
        ['[1,2', 'application/json', {}],
        ['{"a":1}', 'application/json; charset=utf-7', {}],
        ['{"a":1}', 'application/json', { 'Content-Encoding': 'compress' }],
        ['\u0000\u0001', 'application/json', {}],
      ];
      for (const [body, type, headers] of cases) {
        const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).set('Content-Type', type).set(headers).send(body);
        expect(res.status, `${type} ${JSON.stringify(headers)} ${body}: ${JSON.stringify(res.body)}`).to.be.within(400, 499);
        expectErrorShape(res.body);
      }
      expect(errors).to.deep.equal([]);
    });

    it('a client error raised by any other middleware keeps its 4xx (never 500), in the error shape', async () => {
      const raised: [number, string | undefined, number, string][] = [
        [400, 'request.size.invalid', 400, 'BAD_REQUEST'],
        [400, 'parameters.too.many', 400, 'BAD_REQUEST'],
        [416, undefined, 416, 'RANGE_NOT_SATISFIABLE'],
        [404, undefined, 404, 'NOT_FOUND'],
      ];
      for (const [status, type, expected, code] of raised) {
        const mini = express();
        mini.use(requestIdMiddleware);
        mini.get('/x', () => {
          throw Object.assign(new Error('internal words'), { status, statusCode: status, expose: true, type });
        });
        mini.use(errorHandler);
        const res = await supertest(mini).get('/x');
        expect(res.status, `${status} ${type}`).to.equal(expected);
        expectErrorShape(res.body);
        expect(res.body.error.code).to.equal(code);
        expect(res.body.error.message).to.match(/[\u4e00-\u9fa5]/);
      }
      expect(errors).to.deep.equal([]);
    });

    it('a validation error lists at most 50 details, then “…以及另外 N 项”: a 1 MB body of 90,000 unknown keys answers a small error', async () => {
      const body: Record<string, number> = {};
      for (let i = 0; i < 90_000; i++) body[`k${i}`] = 1;
      const raw = JSON.stringify(body);
      expect(raw.length).to.be.within(900_000, 1_048_576);
      const res = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).set('Content-Type', 'application/json').send(raw);
      expect(res.status).to.equal(400);
      expectErrorShape(res.body);
      expect(res.body.error.details).to.have.length(MAX_DETAILS + 1);
      expect(res.body.error.details[0]).to.deep.equal({ path: 'k0', message: '不允许提交此字段' });
      expect(res.body.error.details[MAX_DETAILS]).to.deep.equal({ path: '', message: `…以及另外 ${90_000 - MAX_DETAILS} 项` });
      expect(res.text.length).to.be.below(10_000);
      // The same bound for joi's own failures (many bad fields, no unknown key) and for each row of a batch.
      const many = await t.request.post('/api/v1/repairs/0123456789abcdef01234567/refuse').set('X-API-Key', keys.reviewer).send({ missing: Array.from({ length: 60 }, () => '') });
      expect(many.status).to.equal(400);
      expect(many.body.error.details).to.have.length(MAX_DETAILS + 1);
      expect(many.body.error.details[0].path).to.equal('missing.0');
      expect(many.body.error.details[MAX_DETAILS].message).to.match(/^…以及另外 1\d 项$/);
      const row: Record<string, unknown> = { ...penaltyBody(1) };
      for (let i = 0; i < 200; i++) row[`x${i}`] = i;
      const batch = await t.request.post('/api/v1/penalties/batch').set('X-API-Key', clerk).send({ records: [row] });
      expect(batch.status, JSON.stringify(batch.body).slice(0, 500)).to.equal(200);
      expect(batch.body.results[0].details).to.have.length(MAX_DETAILS + 1);
      expect(batch.body.results[0].details[MAX_DETAILS].message).to.equal('…以及另外 150 项');
    });

    it('an import row nested 100,000 levels deep is that row’s error; the rows around it are stored', async () => {
      const deep = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
      const lines = [
        JSON.stringify(penaltyBody(1, { ...subject(A), decisionNumber: '深应急罚〔深层〕1号' })),
        `{"decisionNumber":"深应急罚〔深层〕2号","remarks":${deep}}`,
        `{"备注":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
        JSON.stringify(penaltyBody(1, { ...subject(A), decisionNumber: '深应急罚〔深层〕4号' })),
      ];
      const res = await t.request.post('/api/v1/imports?kind=penalties').set('X-API-Key', clerk).set('Content-Type', 'application/x-ndjson').send(lines.join('\n'));
      expect(res.status, JSON.stringify(res.body)).to.equal(202);
      const done = await importFinished(t, res.body.id, clerk);
      expect(done).to.include({ status: 'done', rowsRead: 4, created: 2, failed: 2, error: null });
      const report = (await importErrorReport(t, res.body.id, clerk)).toString('utf8');
      expect(report).to.match(/^2,.*嵌套层级超过/m);
      expect(report).to.match(/^3,.*嵌套层级超过/m);
      expect(errors).to.deep.equal([]);
    });
  });

  it('CLI: a key holding `enterprise` with a staff role is refused at creation (exit 2, the rule in Chinese)', async function () {
    this.timeout(60_000);
    const out = await runCli(t.dbName, ['api-key', 'create', '--role', 'enterprise', 'clerk', '--name', '某企业', '--uscc', A.uscc], { ADMIN_API_KEY: undefined });
    expect(out.code, out.stderr).to.equal(2);
    expect(out.stderr).to.include('roles: 企业用户角色不能与监管人员角色（录入人员）授予同一凭据（职责分离）');
  });
});

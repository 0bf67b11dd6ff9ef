import { expect } from 'chai';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { enterpriseBody, penaltyBody } from '../support/fixtures.js';
import { unsafeKeyPaths } from '../../src/http/security.js';
import { EnterpriseModel } from '../../src/modules/enterprises/index.js';
import { AuditModel, recordAudit } from '../../src/modules/audit/index.js';

describe('http hardening: headers, CORS, rate limits, operator injection, ID-number masking', () => {
  let t: TestApp;
  let clerk: string;
  before(async () => {
    t = await startTestApp('security');
    clerk = await t.key(['clerk']);
  });
  after(() => t.close());

  describe('security headers (helmet)', () => {
    it('are set on API responses, errors and health checks', async () => {
      for (const res of [await t.request.get('/healthz'), await t.request.get('/api/v1/enterprises').set('X-API-Key', clerk), await t.request.get('/api/v1/enterprises')]) {
        expect(res.headers['content-security-policy']).to.include("default-src 'self'");
        expect(res.headers['content-security-policy']).not.to.include('upgrade-insecure-requests');
        expect(res.headers['x-content-type-options']).to.equal('nosniff');
        expect(res.headers['strict-transport-security']).to.match(/max-age=\d+/);
        expect(res.headers['x-frame-options']).to.equal('SAMEORIGIN');
        expect(res.headers['referrer-policy']).to.equal('no-referrer');
        expect(res.headers).not.to.have.property('x-powered-by');
      }
    });

    it('leave Swagger UI working: its page and scripts are same-origin files', async () => {
      const page = await t.request.get('/docs/');
      expect(page.status).to.equal(200);
      expect(page.text).not.to.match(/<script>[^<]/); // no inline script the CSP would block
      for (const asset of ['swagger-ui-init.js', 'swagger-ui-bundle.js', 'swagger-ui.css']) expect((await t.request.get(`/docs/${asset}`)).status, asset).to.equal(200);
    });
  });

  describe('CORS from configuration', () => {
    const ORIGIN = 'https://xy.yjj.example.gov.cn';
    const preflight = (agent: TestApp['request'], origin: string) =>
      agent.options('/api/v1/enterprises').set('Origin', origin).set('Access-Control-Request-Method', 'POST').set('Access-Control-Request-Headers', 'x-api-key,content-type');

    it('by default answers no cross-origin request', async () => {
      const pre = await preflight(t.request, ORIGIN);
      expect(pre.headers).not.to.have.property('access-control-allow-origin');
      const get = await t.request.get('/api/v1/enterprises').set('Origin', ORIGIN).set('X-API-Key', clerk);
      expect(get.status).to.equal(200);
      expect(get.headers).not.to.have.property('access-control-allow-origin');
    });

    it('allows exactly the configured origins, with the API-key and bearer headers', async () => {
      const app = t.withOptions({ corsOrigins: [ORIGIN, 'http://localhost:5173'] });
      const pre = await preflight(app, ORIGIN);
      expect(pre.status).to.equal(204);
      expect(pre.headers['access-control-allow-origin']).to.equal(ORIGIN);
      expect(pre.headers['access-control-allow-headers']).to.match(/X-API-Key/i).and.match(/Authorization/);
      const get = await app.get('/api/v1/enterprises').set('Origin', ORIGIN).set('X-API-Key', clerk);
      expect(get.headers['access-control-allow-origin']).to.equal(ORIGIN);
      expect(get.headers['access-control-expose-headers']).to.include('X-Request-Id');
      const other = await preflight(app, 'https://evil.example.com');
      expect(other.headers).not.to.have.property('access-control-allow-origin');
    });
  });

  describe('rate limits (429 + Retry-After, standard error shape)', () => {
    it('per API key: a key over its limit is refused; another key from the same address is not', async () => {
      const app = t.withOptions({ rateLimit: { perMinute: 3, ipPerMinute: 100 } });
      const a = await t.key(['regulator']);
      const b = await t.key(['regulator']);
      for (let i = 0; i < 3; i++) expect((await app.get('/api/v1/enterprises').set('X-API-Key', a)).status).to.equal(200);
      const limited = await app.get('/api/v1/enterprises').set('X-API-Key', a);
      expect(limited.status).to.equal(429);
      expectErrorShape(limited.body);
      expect(limited.body.error.code).to.equal('RATE_LIMITED');
      expect(limited.body.error.message).to.equal('请求过于频繁，请稍后重试');
      expect(limited.body.error.details[0].message).to.match(/每分钟最多 3 次请求/);
      expect(Number(limited.headers['retry-after'])).to.be.within(1, 60);
      expect(limited.headers.ratelimit).to.match(/limit=3, remaining=0/);
      expect((await app.get('/api/v1/enterprises').set('X-API-Key', b)).status).to.equal(200);
      // a bearer token is a credential of its own
      expect((await app.get('/api/v1/enterprises').set('Authorization', 'Bearer a.b.c')).status).to.equal(401);
    });

    it('per client address: anonymous floods and key-guessing are refused; other addresses are not', async () => {
      const app = t.withOptions({ rateLimit: { perMinute: 100, ipPerMinute: 4 } });
      const from = (ip: string) => app.get('/api/v1/enterprises').set('X-Forwarded-For', ip);
      for (let i = 0; i < 4; i++) expect((await from('203.0.113.7').set('X-API-Key', `csk_guess_${i}`)).status).to.equal(401);
      const limited = await from('203.0.113.7').set('X-API-Key', clerk);
      expect(limited.status).to.equal(429);
      expect(limited.headers['retry-after']).to.match(/^\d+$/);
      expect((await from('203.0.113.8').set('X-API-Key', clerk)).status).to.equal(200);
    });

    it('a limit of 0 is off', async () => {
      const app = t.withOptions({ rateLimit: { perMinute: 0, ipPerMinute: 0 } });
      for (let i = 0; i < 15; i++) expect((await app.get('/api/v1/enterprises').set('X-API-Key', clerk)).status).to.equal(200);
    });
  });

  describe('NoSQL operator injection: keys starting with $ or containing . are rejected (400) before any handler', () => {
    it('lists every offending key by its path, creates nothing, audits nothing', async () => {
      const before = await EnterpriseModel.countDocuments();
      const auditsBefore = await AuditModel.countDocuments({ resource: 'enterprise' });
      const res = await t.request
        .post('/api/v1/enterprises')
        .set('X-API-Key', clerk)
        .send({ ...enterpriseBody(1), $where: 'sleep(1000)', address: { $ne: null }, usccOverride: { 'reason.x': '1' }, tags: [{ ok: 1 }, { $gt: '' }] });
      expect(res.status).to.equal(400);
      expectErrorShape(res.body);
      expect(res.body.error.message).to.equal('请求体包含不允许的字段名');
      expect(res.body.error.details.map((d) => d.path)).to.deep.equal(['address.$ne', '$where', 'usccOverride.reason.x', 'tags.1.$gt']);
      for (const d of res.body.error.details) expect(d.message).to.equal('字段名不能以 $ 开头或包含 .');
      expect(await EnterpriseModel.countDocuments()).to.equal(before);
      expect(await AuditModel.countDocuments({ resource: 'enterprise' })).to.equal(auditsBefore);
    });

    it('runs before authentication and on every JSON route (batch bodies included)', async () => {
      const anonymous = await t.request.patch(`/api/v1/enterprises/${enterpriseBody(1).uscc}`).send({ name: { $set: 'x' } });
      expect(anonymous.status).to.equal(400);
      expect(anonymous.body.error.details[0].path).to.equal('name.$set');
      const batch = await t.request.post('/api/v1/penalties/batch').set('X-API-Key', clerk).send({ records: [penaltyBody(1), { ...penaltyBody(2), 'fine.amount': 1 }] });
      expect(batch.status).to.equal(400);
      expect(batch.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['records.1.fine.amount']);
    });

    it('query strings cannot smuggle operators either (the schemas reject unknown keys)', async () => {
      const res = await t.request.get('/api/v1/enterprises').query('name[$ne]=x&district[$gt]=').set('X-API-Key', clerk);
      expect(res.status).to.equal(400);
    });

    it('unsafeKeyPaths walks any depth without recursion, in document order', () => {
      let deep: unknown = { $deepest: 1 };
      for (let i = 0; i < 100_000; i++) deep = [deep];
      const paths = unsafeKeyPaths({ a: deep, 'b.c': [{ $d: { e: 1 } }] });
      expect(paths).to.have.length(3);
      expect(paths[0]).to.match(/^a(\.0){100000}\.\$deepest$/);
      expect(paths.slice(1)).to.deep.equal(['b.c', 'b.c.0.$d']);
      expect(unsafeKeyPaths({ fine: [1, 'a.b', { ok: '$x' }] })).to.deep.equal([]);
      expect(unsafeKeyPaths(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`$k${i}`, 1])))).to.have.length(50);
    });
  });

  describe('ID numbers (证件号码) in responses', () => {
    const ID = '110105199001011234';
    let id: string;
    before(async () => {
      const res = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(30, { legalRepIdType: '身份证', legalRepIdNumber: ID }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      id = res.body.id;
      expect(res.body.legalRepIdNumber, 'the clerk who entered it sees it whole').to.equal(ID);
    });

    it('are masked for roles that do not need them, whole for those that do', async () => {
      const as = async (key: string) => (await t.request.get(`/api/v1/penalties/${id}`).set('X-API-Key', key)).body.legalRepIdNumber;
      expect(await as(await t.key(['regulator']))).to.equal('110105********1234');
      expect(await as(await t.key(['enterprise'], { uscc: penaltyBody(30).uscc }))).to.equal('110105********1234');
      expect(await as(await t.key(['reviewer']))).to.equal(ID);
      expect(await as(clerk)).to.equal(ID);
      const list = await t.request.get('/api/v1/penalties').set('X-API-Key', await t.key(['regulator']));
      expect(list.text).not.to.include(ID);
      expect(list.text).to.include('110105********1234');
    });

    it('the audit trail keeps the full value, but shows it masked to the admin reading it', async () => {
      await recordAudit({ action: 'test.idNumber', resource: 'test', resourceId: 'id-masking', after: { subjectIdNumber: ID, persons: [{ zjhm: ID }] } });
      expect(JSON.stringify(await AuditModel.findOne({ resourceId: 'id-masking' }).lean())).to.include(ID);
      const res = await t.request.get('/api/v1/audit').query({ resourceId: 'id-masking' }).set('X-API-Key', await t.key(['admin']));
      expect(res.status).to.equal(200);
      expect(res.body.items[0].after).to.deep.equal({ subjectIdNumber: '110105********1234', persons: [{ zjhm: '110105********1234' }] });
      expect(res.text).not.to.include(ID);
    });
  });
});

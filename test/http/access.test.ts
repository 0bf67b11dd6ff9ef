import { expect } from 'chai';
import type supertest from 'supertest';
import { SignJWT } from 'jose';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { enterpriseBody, penaltyBody, permitBody } from '../support/fixtures.js';
import { apiRoutes } from '../../src/app.js';
import { routeRegistry, type RouteSpec } from '../../src/http/route.js';
import { loadConfig } from '../../src/config.js';
import { ApiKeyModel, hashKey, ROLES, STAFF_ROLES, type Role } from '../../src/modules/auth/index.js';
import { runGradeSweep } from '../../src/modules/grading/index.js';
import { daysAgo, listThroughHttp, proposeThroughHttp } from '../support/dishonesty.js';
import { applyForRepair, repairablePenalty } from '../support/repair.js';

/**
 * Route × role: who may call what. Written out by hand — NOT derived from the route specs — so that a
 * new route without a row here fails this test, and a changed rule must be changed in two places.
 * `'public'`: anyone, without credentials.
 */
const READERS: Role[] = ['clerk', 'reviewer', 'regulator', 'enterprise'];
const CLERK: Role[] = ['clerk'];
const ADMIN: Role[] = ['admin'];
const STAFF: Role[] = ['clerk', 'reviewer', 'regulator'];
const EXPECTED: Record<string, readonly Role[] | 'public'> = {
  'GET /me': ROLES,
  'POST /api-keys': ADMIN,
  'GET /api-keys': ADMIN,
  'DELETE /api-keys/:id': ADMIN,
  'GET /audit': ADMIN,
  'GET /metrics': ADMIN,

  'POST /enterprises': CLERK,
  'POST /enterprises/batch': CLERK,
  'GET /enterprises': READERS,
  'GET /enterprises/:uscc': READERS,
  'PATCH /enterprises/:uscc': CLERK,
  'GET /enterprises/:uscc/records': READERS,

  'POST /permits': CLERK,
  'POST /permits/batch': CLERK,
  'GET /permits': READERS,
  'GET /permits/:id': READERS,
  'PATCH /permits/:id': CLERK,
  'GET /permits/:id/versions': READERS,

  'POST /penalties': CLERK,
  'POST /penalties/batch': CLERK,
  'GET /penalties': READERS,
  'GET /penalties/:id': READERS,
  'PATCH /penalties/:id': CLERK,
  'GET /penalties/:id/versions': READERS,

  'POST /imports': CLERK,
  'GET /imports': ['clerk', 'admin'],
  'GET /imports/templates/:kind.csv': ['clerk', 'admin'],
  'GET /imports/templates/:kind.xlsx': ['clerk', 'admin'],
  'GET /imports/:id': ['clerk', 'admin'],
  'GET /imports/:id/errors': ['clerk', 'admin'],
  'GET /imports/:id/errors.csv': ['clerk', 'admin'],

  'POST /publicity/run': ADMIN,
  'GET /publicity/status': ['admin', 'clerk', 'reviewer', 'regulator'],
  'GET /publicity/timeliness': ['admin', 'clerk', 'reviewer', 'regulator'],
  'GET /permits/:id/deliveries': READERS,
  'GET /penalties/:id/deliveries': READERS,

  'POST /penalties/:id/fulfilment': CLERK,
  'GET /penalties/:id/repair-eligibility': READERS,
  'GET /penalties/:id/repair-notice': READERS,
  'POST /repairs': ['enterprise'],
  'GET /repairs/overdue': ['reviewer', 'regulator'],
  'GET /repairs': READERS,
  'GET /repairs/:id': READERS,
  'GET /repairs/:id/decision': READERS,
  'GET /repairs/:id/files/:fileId': READERS,
  'POST /repairs/:id/accept': ['reviewer'],
  'POST /repairs/:id/refuse': ['reviewer'],
  'POST /repairs/:id/extend': ['reviewer'],
  'POST /repairs/:id/approve': ['reviewer'],
  'POST /repairs/:id/deny': ['reviewer'],
  'POST /repairs/:id/revoke': ['reviewer'],

  'GET /grades': READERS,
  'GET /grades/stats': STAFF,
  'GET /grades/:uscc': READERS,
  'GET /grades/:uscc/history': READERS,
  'POST /enterprises/:uscc/accidents': CLERK,
  'GET /enterprises/:uscc/accidents': READERS,
  'POST /enterprises/:uscc/hazards': CLERK,
  'GET /enterprises/:uscc/hazards': READERS,
  'PATCH /enterprises/:uscc/hazards/:id': CLERK,
  'POST /supervision-plans': ['clerk', 'regulator'],
  'GET /supervision-plans': STAFF,
  'GET /supervision-plans/:id': STAFF,
  'GET /supervision-plans/:id/items': STAFF,
  'GET /supervision-plans/:id/export': STAFF,
  'POST /commitments': ['enterprise', 'clerk'],
  'GET /commitments': READERS,
  'GET /commitments/:id': READERS,
  'POST /commitments/:id/breach': CLERK,
  'GET /enterprises/:uscc/commitments': READERS,

  'POST /dishonesty-list/proposals': CLERK,
  'GET /dishonesty-list': READERS,
  'GET /dishonesty-list/check': ['partner', 'clerk', 'reviewer', 'regulator'],
  'POST /dishonesty-list/comparisons': ['partner'],
  'GET /dishonesty-list/measures': STAFF,
  'GET /dishonesty-list/measures/summary': STAFF,
  'GET /dishonesty-list/:id': READERS,
  'POST /dishonesty-list/:id/notice': CLERK,
  'POST /dishonesty-list/:id/notice/service': CLERK,
  'GET /dishonesty-list/:id/notice': READERS,
  'POST /dishonesty-list/:id/objections': ['clerk', 'enterprise'],
  'POST /dishonesty-list/:id/decision': ['reviewer'],
  'GET /dishonesty-list/:id/decision': READERS,
  'PATCH /dishonesty-list/:id': ['reviewer'],
  'GET /dishonesty-list/:id/removal-eligibility': READERS,
  'POST /dishonesty-list/:id/removal-applications': ['clerk', 'enterprise'],
  'POST /dishonesty-list/:id/removal-decision': ['reviewer'],
  'POST /dishonesty-list/:id/removal-revocation': ['reviewer'],
  'GET /dishonesty-list/reviews': ['reviewer', 'regulator'],
  'POST /dishonesty-list/:id/basis-review': ['reviewer'],
  'POST /dishonesty-list/:id/measures': ['partner'],
  'GET /exports/dishonesty-list': ['partner', 'clerk', 'reviewer', 'regulator'],
  'GET /exports': ['admin', 'partner', 'clerk', 'reviewer', 'regulator'],
  'GET /exports/:id': ['admin', 'partner', 'clerk', 'reviewer', 'regulator'],
  'GET /exports/:id/file': ['admin', 'partner', 'clerk', 'reviewer', 'regulator'],

  'GET /calendar/years': ['admin', 'clerk', 'reviewer', 'regulator'],
  'GET /calendar/years/:year': ['admin', 'clerk', 'reviewer', 'regulator'],
  'PUT /calendar/years/:year': ADMIN,
  'POST /calendar/recompute': ADMIN,
};

/** A credit commitment (信用承诺) body; `uscc` omitted = the calling enterprise's own. */
const commitmentBody = (uscc?: string) => ({ ...(uscc ? { uscc } : {}), type: '安全生产承诺', text: '本单位承诺严格落实安全生产主体责任。', signedDate: '2026-01-05', termEnd: '2027-01-04' });

const rowOf = (r: RouteSpec) => `${r.method.toUpperCase()} ${r.path}`;
type Caller = Role | 'none';
const CALLERS: Caller[] = [...ROLES, 'none'];

const OWN = enterpriseBody(1);
const OTHER = enterpriseBody(2);
const JWT_ENV = { JWT_ISSUER: 'https://idp.yjj.example.gov.cn', JWT_AUDIENCE: 'credit-supervision', JWT_SECRET: 'access-test-secret-0123456789abcdef' };

/** Fills `:param`s; an unknown param name fails loudly so the table above gets a sample for it. */
function fillPath(path: string, values: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    if (!(name in values)) throw new Error(`access test: no sample value for :${name} (route ${path}); add one`);
    return encodeURIComponent(values[name]);
  });
}

function send(agent: ReturnType<typeof supertest>, route: RouteSpec, path: string, headers: Record<string, string>, query: Record<string, string> = {}) {
  let req = agent[route.method](`/api/v1${path}`).query(query);
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  return route.method === 'get' || route.method === 'delete' ? req : req.send({});
}

describe('access control: every route × every role (explicit table)', () => {
  let t: TestApp;
  let jwtApp: ReturnType<typeof supertest>;
  const apiKeys = {} as Record<Role, string>;
  const tokens = {} as Record<Role, string>;
  const ids: Record<'permit' | 'penalty' | 'repair' | 'file' | 'commitment' | 'dishonesty', { own: string; other: string }> = {
    dishonesty: { own: '', other: '' },
    commitment: { own: '', other: '' },
    permit: { own: '', other: '' },
    penalty: { own: '', other: '' },
    repair: { own: '', other: '' },
    file: { own: '', other: '' },
  };

  before(async () => {
    // Every route × every caller × both credentials: more requests a minute than the default limits allow (limits: security.test.ts).
    t = await startTestApp('access', { rateLimit: { perMinute: 0, ipPerMinute: 0 } });
    const jwt = loadConfig(JWT_ENV).jwt!;
    jwtApp = t.withOptions({ jwt });
    const secret = new TextEncoder().encode(JWT_ENV.JWT_SECRET);
    for (const role of ROLES) {
      apiKeys[role] = await t.key([role], role === 'enterprise' ? { uscc: OWN.uscc } : {});
      tokens[role] = await new SignJWT({ roles: [role], name: `${role} 用户`, ...(role === 'enterprise' ? { uscc: OWN.uscc } : {}) })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(JWT_ENV.JWT_ISSUER)
        .setAudience(JWT_ENV.JWT_AUDIENCE)
        .setSubject(`user-${role}`)
        .setExpirationTime('10m')
        .sign(secret);
    }
    const clerk = apiKeys.clerk;
    for (const e of [OWN, OTHER]) expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(e)).status).to.equal(201);
    for (const [n, side] of [[1, 'own'], [2, 'other']] as const) {
      const permit = await t.request.post('/api/v1/permits').set('X-API-Key', clerk).send(permitBody(n));
      expect(permit.status, JSON.stringify(permit.body)).to.equal(201);
      ids.permit[side] = permit.body.id;
      const penalty = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(n));
      expect(penalty.status, JSON.stringify(penalty.body)).to.equal(201);
      ids.penalty[side] = penalty.body.id;
    }
    // A credit repair application of each enterprise (an eligible penalty of 4 months ago); the own one decided.
    const otherEnterprise = await t.key(['enterprise'], { uscc: OTHER.uscc });
    for (const [n, side, key] of [[1, 'own', apiKeys.enterprise], [2, 'other', otherEnterprise]] as const) {
      const penaltyId = await repairablePenalty(t, clerk, n, `深应急罚〔修复〕${n}号`);
      const repair = await applyForRepair(t.request, { 'X-API-Key': key }, penaltyId);
      expect(repair.status, JSON.stringify(repair.body)).to.equal(201);
      ids.repair[side] = repair.body.id;
      ids.file[side] = repair.body.files[0].id;
    }
    for (const step of ['accept', 'approve']) {
      const res = await t.request.post(`/api/v1/repairs/${ids.repair.own}/${step}`).set('X-API-Key', apiKeys.reviewer).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
    }
    // A credit commitment of each enterprise (the own one signed by the enterprise), then grades for both.
    for (const [side, key, uscc] of [['own', apiKeys.enterprise, undefined], ['other', clerk, OTHER.uscc]] as const) {
      const c = await t.request.post('/api/v1/commitments').set('X-API-Key', key).send(commitmentBody(uscc));
      expect(c.status, JSON.stringify(c.body)).to.equal(201);
      ids.commitment[side] = c.body.id;
    }
    expect((await runGradeSweep()).ran).to.equal(true);
    // A serious-dishonesty listing of each enterprise (own penalties of 60 days ago), through the whole procedure.
    for (const [n, side, e] of [[1, 'own', OWN], [2, 'other', OTHER]] as const) {
      const penalty = await t.request
        .post('/api/v1/penalties')
        .set('X-API-Key', clerk)
        .send(penaltyBody(n, { decisionNumber: `深应急罚〔失信〕${n}号`, decisionDate: daysAgo(70), validUntil: daysAgo(1) }));
      expect(penalty.status, JSON.stringify(penalty.body)).to.equal(201);
      ids.dishonesty[side] = (await listThroughHttp(t, { clerk, reviewer: apiKeys.reviewer, regulator: apiKeys.regulator, partner: apiKeys.partner }, { uscc: e.uscc, penaltyId: penalty.body.id }, 30)).id;
    }
  });
  after(() => t.close());

  it('has a row for every route, and a route for every row', () => {
    const routes = apiRoutes.map(rowOf);
    expect(routes.filter((r) => !(r in EXPECTED)), 'routes without a row in EXPECTED').to.deep.equal([]);
    expect(Object.keys(EXPECTED).filter((r) => !routes.includes(r)), 'rows without a route').to.deep.equal([]);
    expect(new Set(routes).size, 'duplicate routes').to.equal(routes.length);
    for (const r of apiRoutes) expect(routeRegistry, `${rowOf(r)} mounted`).to.include(r);
  });

  /** Sample path values: ids that do not exist (allowed callers get 404/400, never data). */
  const samples = { id: '0123456789abcdef01234567', fileId: '0123456789abcdef01234567', uscc: OWN.uscc, year: '2027', kind: 'enterprises' };

  for (const credential of ['apiKey', 'jwt'] as const) {
    describe(`with ${credential === 'apiKey' ? 'API keys (X-API-Key)' : 'bearer tokens (JWT)'}`, () => {
      for (const route of apiRoutes) {
        const row = rowOf(route);
        it(`${row}`, async () => {
          const expected = EXPECTED[row];
          expect(expected, `no row for ${row} in EXPECTED`).to.not.equal(undefined);
          const agent = credential === 'apiKey' ? t.request : jwtApp;
          const path = fillPath(route.path, samples);
          const seen: string[] = [];
          for (const caller of CALLERS) {
            const headers: Record<string, string> =
              caller === 'none' ? {} : credential === 'apiKey' ? { 'X-API-Key': apiKeys[caller] } : { Authorization: `Bearer ${tokens[caller]}` };
            const res = await send(agent, route, path, headers);
            seen.push(`${caller}:${res.status}`);
            const allowed = expected === 'public' || (caller !== 'none' && expected.includes(caller));
            if (allowed) {
              expect(res.status, `${row} as ${caller} must be allowed (${seen.join(' ')}) ${JSON.stringify(res.body)}`).to.not.be.oneOf([401, 403]);
              expect(res.status, `${row} as ${caller}: ${JSON.stringify(res.body)}`).to.be.below(500);
            } else {
              expect(res.status, `${row} as ${caller} (${seen.join(' ')})`).to.equal(caller === 'none' ? 401 : 403);
              expectErrorShape(res.body);
              expect(res.body.error.code).to.equal(caller === 'none' ? 'UNAUTHORIZED' : 'FORBIDDEN');
              expect(res.body.error.message).to.match(/[\u4e00-\u9fa5]/);
            }
          }
        });
      }
    });
  }

  it('a principal holding several roles gets the union of their rights', async () => {
    const both = await t.key(['regulator', 'partner']);
    const read = await t.request.get('/api/v1/enterprises').set('X-API-Key', both);
    expect(read.status).to.equal(200);
    expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', both).send({})).status).to.equal(403);
    const clerkToo = await t.key(['regulator', 'clerk']);
    expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerkToo).send({})).status).to.equal(400);
  });

  describe('separation of duties (职责分离) and the authority scope on writes', () => {
    const secret = new TextEncoder().encode(JWT_ENV.JWT_SECRET);
    const token = (claims: Record<string, unknown>, sub: string) =>
      new SignJWT({ name: sub, ...claims }).setProtectedHeader({ alg: 'HS256' }).setIssuer(JWT_ENV.JWT_ISSUER).setAudience(JWT_ENV.JWT_AUDIENCE).setSubject(sub).setExpirationTime('10m').sign(secret);

    it('a credential holding `enterprise` with any staff role is refused on every route (403, Chinese reason), with API keys and tokens', async () => {
      for (const staff of STAFF_ROLES) {
        // A key stored before the rule existed (written directly: the API and the CLI refuse to create one).
        const key = `csk_mixed_${staff}_0123456789abcdef`;
        await ApiKeyModel.create({ name: `旧混合密钥 ${staff}`, prefix: key.slice(0, 12), hash: hashKey(key), roles: ['enterprise', staff], uscc: OWN.uscc, scope: [] });
        const jwt = await token({ roles: ['enterprise', staff], uscc: OWN.uscc }, `mixed-${staff}`);
        for (const route of apiRoutes) {
          const path = fillPath(route.path, samples);
          for (const [agent, headers] of [[t.request, { 'X-API-Key': key }], [jwtApp, { Authorization: `Bearer ${jwt}` }]] as const) {
            const res = await send(agent, route, path, headers);
            expect(res.status, `${rowOf(route)} with enterprise+${staff}: ${JSON.stringify(res.body)}`).to.equal(403);
            expectErrorShape(res.body);
            expect(res.body.error.message).to.match(/职责分离/);
          }
        }
      }
      // Refused at creation, with the rule as the reason.
      const created = await t.request.post('/api/v1/api-keys').set('X-API-Key', apiKeys.admin).send({ name: '混合', roles: ['enterprise', 'reviewer'], uscc: OWN.uscc });
      expect(created.status).to.equal(400);
      expect(created.body.error.details).to.deep.equal([{ path: 'roles', message: '企业用户角色不能与监管人员角色（审核人员）授予同一凭据（职责分离）' }]);
      // Refusals at authentication are audited.
      const audit = await t.request.get('/api/v1/audit').query({ action: 'auth.forbidden', limit: '200' }).set('X-API-Key', apiKeys.admin);
      expect(audit.body.items.some((e: { detail?: { reason?: string } }) => /职责分离/.test(e.detail?.reason ?? ''))).to.equal(true);
    });

    it('the same principal cannot submit and decide a repair, nor propose and decide a listing', async () => {
      // One person (token subject) acting first for the enterprise, then as a reviewer.
      const asEnterprise = await token({ roles: ['enterprise'], uscc: OWN.uscc }, 'same-person');
      const asReviewer = await token({ roles: ['reviewer'] }, 'same-person');
      const penaltyId = await repairablePenalty(t, apiKeys.clerk, 1, '深应急罚〔职责分离〕1号');
      const repair = await applyForRepair(jwtApp, { Authorization: `Bearer ${asEnterprise}` }, penaltyId);
      expect(repair.status, JSON.stringify(repair.body)).to.equal(201);
      const bodies: Record<string, object> = { accept: {}, refuse: { missing: ['缴款凭证'] }, extend: { reason: '情况复杂' }, approve: {}, deny: { reasons: ['不符合条件'] } };
      for (const [step, body] of Object.entries(bodies)) {
        const own = await jwtApp.post(`/api/v1/repairs/${repair.body.id}/${step}`).set('Authorization', `Bearer ${asReviewer}`).send(body);
        expect(own.status, `${step}: ${JSON.stringify(own.body)}`).to.equal(403);
        expect(own.body.error.message).to.match(/职责分离/);
      }
      expect((await t.request.post(`/api/v1/repairs/${repair.body.id}/accept`).set('X-API-Key', apiKeys.reviewer).send({})).status).to.equal(200);
      // Four eyes on listings: a key holding clerk and reviewer proposes, then may not decide; another reviewer may.
      const both = await t.key(['clerk', 'reviewer']);
      const penalty = await t.request
        .post('/api/v1/penalties')
        .set('X-API-Key', apiKeys.clerk)
        .send(penaltyBody(1, { decisionNumber: '深应急罚〔四眼〕1号', decisionDate: daysAgo(70), validUntil: daysAgo(1) }));
      expect(penalty.status, JSON.stringify(penalty.body)).to.equal(201);
      const { decide } = await proposeThroughHttp(t, { clerk: both }, { uscc: OWN.uscc, penaltyId: penalty.body.id }, 30);
      const self = await decide(both);
      expect(self.status, JSON.stringify(self.body)).to.equal(403);
      expect(self.body.error.message).to.match(/职责分离/);
      expect((await decide(apiKeys.reviewer)).status).to.equal(200);
    });

    it('a clerk with an authority scope creates nothing outside it, by any creation route (API key and token)', async () => {
      // OWN and OTHER are enterprises of 440305; this clerk covers 440306 only.
      const key = await t.key(['clerk'], { scope: ['440306'] });
      const jwt = await token({ roles: ['clerk'], scope: '440306' }, 'scoped-clerk');
      const newcomer = enterpriseBody(77, { districtCode: '440305' });
      for (const [agent, headers] of [[t.request, { 'X-API-Key': key }], [jwtApp, { Authorization: `Bearer ${jwt}` }]] as const) {
        const single: [string, Record<string, unknown>][] = [
          ['/enterprises', newcomer],
          ['/permits', permitBody(1, { decisionNumber: '深应急许〔越权〕1号' })],
          ['/penalties', penaltyBody(1, { decisionNumber: '深应急罚〔越权〕1号' })],
          // An enterprise not registered yet, of 440305 by its USCC: not created implicitly either.
          ['/penalties', penaltyBody(77, { decisionNumber: '深应急罚〔越权〕77号' })],
        ];
        for (const [path, body] of single) {
          const res = await agent.post(`/api/v1${path}`).set(headers).send(body);
          expect(res.status, `POST ${path}: ${JSON.stringify(res.body)}`).to.equal(403);
          expect(res.body.error.message).to.match(/职权范围/);
        }
        for (const [kind, body] of [['permits', permitBody(2, { decisionNumber: '深应急许〔越权〕2号' })], ['penalties', penaltyBody(2, { decisionNumber: '深应急罚〔越权〕2号' })]] as const) {
          const res = await agent.post(`/api/v1/${kind}/batch`).set(headers).send({ records: [body] });
          expect(res.status, JSON.stringify(res.body)).to.equal(200);
          expect(res.body.results[0]).to.deep.include({ status: 'error', code: 'FORBIDDEN' });
        }
        const roster = await agent.post('/api/v1/enterprises/batch').set(headers).send({ enterprises: [newcomer] });
        expect(roster.status, JSON.stringify(roster.body)).to.equal(200);
        expect(roster.body.results[0]).to.deep.include({ status: 'error', code: 'FORBIDDEN' });
      }
      const unscoped = await t.request.get(`/api/v1/enterprises/${newcomer.uscc}`).set('X-API-Key', apiKeys.regulator);
      expect(unscoped.status, 'no enterprise created implicitly').to.equal(404);
    });
  });

  describe('enterprise isolation: an enterprise principal never reads another enterprise’s data, by any route', () => {
    /** Path values pointing at the other enterprise's data, and at its own (the control). */
    const values = (side: 'own' | 'other', route: RouteSpec): Record<string, string> => {
      if (route.path.startsWith('/repairs')) return { id: ids.repair[side], fileId: ids.file[side] };
      if (route.path.startsWith('/commitments')) return { id: ids.commitment[side] };
      if (route.path.startsWith('/dishonesty-list')) return { id: ids.dishonesty[side] };
      const kind = route.path.startsWith('/penalties') ? 'penalty' : 'permit';
      return { uscc: side === 'own' ? OWN.uscc : OTHER.uscc, id: ids[kind][side] };
    };
    const leaks = (text: string) => [OTHER.uscc, OTHER.name, ids.permit.other, ids.penalty.other, ids.commitment.other, ids.dishonesty.other].filter((s) => text.includes(s));

    for (const credential of ['apiKey', 'jwt'] as const) {
      it(`every route open to enterprises, with ${credential}`, async () => {
        const agent = credential === 'apiKey' ? t.request : jwtApp;
        const headers: Record<string, string> = credential === 'apiKey' ? { 'X-API-Key': apiKeys.enterprise } : { Authorization: `Bearer ${tokens.enterprise}` };
        const open = apiRoutes.filter((r) => {
          const e = EXPECTED[rowOf(r)];
          return e === 'public' || e?.includes('enterprise');
        });
        expect(open.length).to.be.greaterThan(0);
        for (const route of open) {
          const row = rowOf(route);
          if (row === 'POST /repairs') {
            // Applying for another enterprise's penalty: 404, nothing of it shown; for its own (not yet eligible): refused with reasons.
            const own = await applyForRepair(agent, headers, ids.penalty.own);
            expect(own.status, `${row} for its own penalty: ${JSON.stringify(own.body)}`).to.equal(422);
            const other = await applyForRepair(agent, headers, ids.penalty.other);
            expect(other.status, `${row} for another enterprise's penalty`).to.equal(404);
            expect(leaks(other.text), `${row} leaked`).to.deep.equal([]);
            continue;
          }
          if (row === 'POST /dishonesty-list/:id/objections' || row === 'POST /dishonesty-list/:id/removal-applications') {
            // Statements and early-removal applications: on another enterprise's case 404, nothing shown; on its own
            // (listed 30 days ago: the objection period is over, 12 months have not passed) refused with the reason.
            const body = row.endsWith('objections')
              ? { content: '本单位对列入有异议，特此陈述。' }
              : { statements: { penaltyFulfilled: true, hazardRectified: true, commitment: true }, commitment: '本单位承诺依法诚信经营，落实安全生产主体责任。', evidence: '缴款凭证1份' };
            const own = await agent.post(`/api/v1${fillPath(route.path, values('own', route))}`).set(headers).send(body);
            expect(own.status, `${row} on its own case: ${JSON.stringify(own.body)}`).to.equal(409);
            const other = await agent.post(`/api/v1${fillPath(route.path, values('other', route))}`).set(headers).send(body);
            expect(other.status, `${row} on another enterprise's case`).to.equal(404);
            expect(leaks(other.text), `${row} leaked`).to.deep.equal([]);
            continue;
          }
          if (row === 'POST /commitments') {
            // Signing for itself: 201; for another enterprise: 403, nothing of it shown.
            const own = await agent.post('/api/v1/commitments').set(headers).send(commitmentBody());
            expect(own.status, `${row} for itself: ${JSON.stringify(own.body)}`).to.equal(201);
            expect(own.body.uscc).to.equal(OWN.uscc);
            const other = await agent.post('/api/v1/commitments').set(headers).send(commitmentBody(OTHER.uscc));
            expect(other.status, `${row} for another enterprise`).to.equal(403);
            expect(leaks(other.text), `${row} leaked`).to.deep.equal([]);
            continue;
          }
          // Enterprise writes need a valid body per route: add them here when they exist.
          expect(route.method, `${row}: add an isolation case for this enterprise write`).to.equal('get');
          if (/:[A-Za-z]/.test(route.path)) {
            const own = await send(agent, route, fillPath(route.path, values('own', route)), headers);
            expect(own.status, `${row} on its own data: ${JSON.stringify(own.body)}`).to.equal(200);
            const other = await send(agent, route, fillPath(route.path, values('other', route)), headers);
            expect(other.status, `${row} on another enterprise's data must be 404 (look the enterprise/record up within the principal's scope first)`).to.equal(404);
            expect(leaks(other.text), `${row} leaked`).to.deep.equal([]);
          } else {
            const attempts: Record<string, string>[] = [{}, { uscc: OTHER.uscc }, { district: OTHER.districtCode, limit: '500' }];
            for (const query of attempts) {
              const res = await send(agent, route, route.path, headers, query);
              expect(res.status, `${row} ${JSON.stringify(query)}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 400]);
              expect(leaks(res.text), `${row} ${JSON.stringify(query)} leaked`).to.deep.equal([]);
            }
            const mine = await send(agent, route, route.path, headers);
            expect(mine.text, `${row} shows the enterprise its own data`).to.include(OWN.uscc);
          }
        }
      });
    }

    it('the same requests as a regulator do see the other enterprise (the test data is reachable)', async () => {
      const res = await t.request.get(`/api/v1/penalties/${ids.penalty.other}`).set('X-API-Key', apiKeys.regulator);
      expect(res.status).to.equal(200);
      expect(res.text).to.include(OTHER.uscc);
    });
  });
});

import { expect } from 'chai';
import type supertest from 'supertest';
import { SignJWT } from 'jose';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { enterpriseBody, penaltyBody, permitBody } from '../support/fixtures.js';
import { apiRoutes } from '../../src/app.js';
import { routeRegistry, type RouteSpec } from '../../src/http/route.js';
import { loadConfig } from '../../src/config.js';
import { ROLES, type Role } from '../../src/modules/auth/index.js';

/**
 * Route × role: who may call what. Written out by hand — NOT derived from the route specs — so that a
 * new route without a row here fails this test, and a changed rule must be changed in two places.
 * `'public'`: anyone, without credentials.
 */
const READERS: Role[] = ['clerk', 'reviewer', 'regulator', 'enterprise'];
const CLERK: Role[] = ['clerk'];
const ADMIN: Role[] = ['admin'];
const EXPECTED: Record<string, readonly Role[] | 'public'> = {
  'POST /api-keys': ADMIN,
  'GET /api-keys': ADMIN,
  'DELETE /api-keys/:id': ADMIN,
  'GET /audit': ADMIN,

  'POST /enterprises': CLERK,
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
  'GET /imports/:id': ['clerk', 'admin'],
  'GET /imports/:id/errors.csv': ['clerk', 'admin'],

  'POST /publicity/run': ADMIN,
  'GET /publicity/status': ['admin', 'clerk', 'reviewer', 'regulator'],
  'GET /publicity/timeliness': ['admin', 'clerk', 'reviewer', 'regulator'],
  'GET /permits/:id/deliveries': READERS,
  'GET /penalties/:id/deliveries': READERS,
};

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
  const ids: Record<'permit' | 'penalty', { own: string; other: string }> = { permit: { own: '', other: '' }, penalty: { own: '', other: '' } };

  before(async () => {
    t = await startTestApp('access');
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
  const samples = { id: '0123456789abcdef01234567', uscc: OWN.uscc };

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

  describe('enterprise isolation: an enterprise principal never reads another enterprise’s data, by any route', () => {
    /** Path values pointing at the other enterprise's data, and at its own (the control). */
    const values = (side: 'own' | 'other', route: RouteSpec): Record<string, string> => {
      const kind = route.path.startsWith('/penalties') ? 'penalty' : 'permit';
      return { uscc: side === 'own' ? OWN.uscc : OTHER.uscc, id: ids[kind][side] };
    };
    const leaks = (text: string) => [OTHER.uscc, OTHER.name, ids.permit.other, ids.penalty.other].filter((s) => text.includes(s));

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
          // Enterprise writes (e.g. repair applications) need a valid body per route: add them here when they exist.
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

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type supertest from 'supertest';
import { SignJWT, base64url, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, type CryptoKey, type JWTPayload } from 'jose';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { enterpriseBody } from '../support/fixtures.js';
import { runCli as runCliOn } from '../support/process.js';
import { ConfigError, loadConfig, type JwtConfig } from '../../src/config.js';
import { ApiKeyModel, createApiKey, hashKey } from '../../src/modules/auth/index.js';

const ISS = 'https://idp.yjj.example.gov.cn';
const AUD = 'credit-supervision';

function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('auth: API keys, JWT bearer tokens, authentication audit', () => {
  let t: TestApp;
  let admin: string;
  let clerk: string;
  before(async () => {
    t = await startTestApp('auth');
    admin = await t.key(['admin']);
    clerk = await t.key(['clerk']);
    for (const n of [1, 2]) expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(enterpriseBody(n))).status).to.equal(201);
    expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(enterpriseBody(3, { districtCode: '110105' }))).status).to.equal(201);
  });
  after(() => t.close());

  describe('API keys', () => {
    it('an admin creates a key: shown once, stored only as its sha256, audited', async () => {
      const res = await t.request.post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: '李录入', roles: ['clerk'], scope: ['440305'] });
      expect(res.status).to.equal(201);
      const { key, id } = res.body;
      expect(key).to.match(/^csk_[A-Za-z0-9_-]{32}$/);
      const stored = await ApiKeyModel.findById(id).lean();
      expect(stored?.hash).to.equal(hashKey(key));
      expect(JSON.stringify(stored)).not.to.include(key);
      const list = await t.request.get('/api/v1/api-keys').set('X-API-Key', admin);
      expect(list.text).not.to.include(key);
      expect(list.text).not.to.include(stored!.hash);
      expect(list.body.items.find((k: { id: string }) => k.id === id)).to.include({ name: '李录入', prefix: key.slice(0, 12) });
      const entry = await expectAudited('apiKey.create', id);
      expect(JSON.stringify(entry)).not.to.include(key);
    });

    it('records the last use', async () => {
      const key = await t.key(['regulator'], { name: 'last-used' });
      const before = Date.now();
      expect((await t.request.get('/api/v1/enterprises').set('X-API-Key', key)).status).to.equal(200);
      const doc = await ApiKeyModel.findOne({ hash: hashKey(key) }).lean();
      expect(doc?.lastUsedAt?.getTime()).to.be.within(before - 1000, Date.now() + 1000);
    });

    it('a revoked key fails on the very next request; revoking twice is 409; both audited', async () => {
      const created = await t.request.post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: '临时', roles: ['regulator'] });
      const { key, id } = created.body;
      expect((await t.request.get('/api/v1/enterprises').set('X-API-Key', key)).status).to.equal(200);
      const revoked = await t.request.delete(`/api/v1/api-keys/${id}`).set('X-API-Key', admin);
      expect(revoked.status).to.equal(200);
      expect(revoked.body.revokedAt).to.be.a('string');
      const next = await t.request.get('/api/v1/enterprises').set('X-API-Key', key);
      expect(next.status).to.equal(401);
      expectErrorShape(next.body);
      expect(next.body.error.message).to.equal('API 密钥已被吊销');
      expect((await t.request.delete(`/api/v1/api-keys/${id}`).set('X-API-Key', admin)).status).to.equal(409);
      expect((await t.request.delete('/api/v1/api-keys/0123456789abcdef01234567').set('X-API-Key', admin)).status).to.equal(404);
      await expectAudited('apiKey.revoke', id);
      const failed = await expectAudited('auth.failed', undefined, { outcome: 'denied', requestId: next.headers['x-request-id'] });
      expect(failed.detail).to.deep.include({ credential: 'apiKey', reason: 'API 密钥已被吊销', path: '/api/v1/enterprises' });
    });

    it('an expired key → 401; an expiry in the past cannot be set', async () => {
      const { key } = await createApiKey({ name: 'expired', roles: ['regulator'], expiresAt: new Date(Date.now() - 1000) });
      const res = await t.request.get('/api/v1/enterprises').set('X-API-Key', key);
      expect(res.status).to.equal(401);
      expect(res.body.error.message).to.equal('API 密钥已过期');
      const past = await t.request.post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: 'x', roles: ['clerk'], expiresAt: '2001-01-01T00:00:00Z' });
      expect(past.status).to.equal(400);
      expect(past.body.error.details[0].path).to.equal('expiresAt');
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const ok = await t.request.post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: 'x', roles: ['clerk'], expiresAt: future });
      expect(ok.status).to.equal(201);
      expect(new Date(ok.body.expiresAt).toISOString()).to.equal(future);
    });

    it('an enterprise key must be bound to a USCC, and only an enterprise key may be', async () => {
      const unbound = await t.request.post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: 'e', roles: ['enterprise'] });
      expect(unbound.status).to.equal(400);
      expect(unbound.body.error.details).to.deep.include({ path: 'uscc', message: '企业用户须绑定统一社会信用代码' });
      const bound = await t.request.post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: 'c', roles: ['clerk'], uscc: enterpriseBody(1).uscc });
      expect(bound.status).to.equal(400);
    });

    it('no key, an unknown key, and a known principal without the right are audited (401 / 403)', async () => {
      const none = await t.request.get('/api/v1/enterprises');
      expect(none.status).to.equal(401);
      expect(none.body.error.message).to.equal('缺少认证凭据（X-API-Key 或 Authorization: Bearer <令牌>）');
      const e1 = await expectAudited('auth.failed', undefined, { requestId: none.headers['x-request-id'] });
      expect(e1.ip).to.match(/127\.0\.0\.1|::1/);
      expect(e1.detail).to.deep.include({ credential: 'none' });
      const bad = await t.request.get('/api/v1/enterprises').set('X-API-Key', 'csk_not-a-key');
      expect(bad.status).to.equal(401);
      await expectAudited('auth.failed', undefined, { requestId: bad.headers['x-request-id'] });
      const forbidden = await t.request.get('/api/v1/api-keys').set('X-API-Key', clerk);
      expect(forbidden.status).to.equal(403);
      expect(forbidden.body.error.message).to.equal('无权执行此操作');
      const e3 = await expectAudited('auth.forbidden', undefined, { requestId: forbidden.headers['x-request-id'], outcome: 'denied' });
      expect(e3.principalId).to.match(/^apikey:/);
      expect(e3.roles).to.deep.equal(['clerk']);
    });

    it('both an API key and a bearer token at once → 401; other Authorization schemes → 401', async () => {
      const both = await t.request.get('/api/v1/enterprises').set('X-API-Key', clerk).set('Authorization', 'Bearer abc.def.ghi');
      expect(both.status).to.equal(401);
      expect(both.body.error.message).to.match(/只提供一种认证凭据/);
      const basic = await t.request.get('/api/v1/enterprises').set('Authorization', 'Basic dXNlcjpwYXNz');
      expect(basic.status).to.equal(401);
      expect(basic.body.error.message).to.match(/Bearer/);
      const noJwt = await t.request.get('/api/v1/enterprises').set('Authorization', 'Bearer abc.def.ghi');
      expect(noJwt.status).to.equal(401);
      expect(noJwt.body.error.message).to.equal('本服务未启用令牌认证，请使用 X-API-Key');
    });

    describe('CLI: npm run cli -- api-key create', () => {
      const runCli = (args: string[]) => runCliOn(t.dbName, args, { ADMIN_API_KEY: undefined });

      it('prints a new key once; the key works against the service; the creation is audited as the CLI', async function () {
        this.timeout(60_000);
        const out = await runCli(['api-key', 'create', '--role', 'clerk', 'regulator', '--name', '张三', '--scope', '440305']);
        expect(out.code, out.stderr).to.equal(0);
        const created = JSON.parse(out.stdout);
        expect(created).to.include({ name: '张三', createdBy: 'cli' });
        expect(created.roles).to.deep.equal(['clerk', 'regulator']);
        expect(created.scope).to.deep.equal(['440305']);
        expect(out.stderr).to.include('只显示这一次');
        const list = await t.request.get('/api/v1/enterprises').query({ limit: 500 }).set('X-API-Key', created.key);
        expect(list.status).to.equal(200);
        expect(list.body.items.map((e: { districtCode: string }) => e.districtCode)).to.satisfy((d: string[]) => d.length > 0 && d.every((x) => x === '440305'));
        expect((await ApiKeyModel.findById(created.id).lean())?.hash).to.equal(hashKey(created.key));
        await expectAudited('apiKey.create', created.id, { principalId: 'cli' });
      });

      it('rejects invalid input with the same rules as the API (exit 2, Chinese message)', async function () {
        this.timeout(60_000);
        const out = await runCli(['api-key', 'create', '--role', 'enterprise', '--name', '某企业']);
        expect(out.code).to.equal(2);
        expect(out.stderr).to.include('uscc: 企业用户须绑定统一社会信用代码');
        const badRole = await runCli(['api-key', 'create', '--role', 'root', '--name', 'x']);
        expect(badRole.code).to.not.equal(0);
      });
    });
  });

  describe('JWT bearer tokens', () => {
    let rsa: { publicKey: CryptoKey; privateKey: CryptoKey };
    let jwt: JwtConfig;
    let api: ReturnType<typeof supertest>;

    const sign = (claims: JWTPayload, o: { key?: CryptoKey | Uint8Array; alg?: string; iss?: string; aud?: string; exp?: number | string | null; sub?: string | null; kid?: string } = {}) => {
      const j = new SignJWT({ roles: ['clerk'], name: '王执法', ...claims }).setProtectedHeader({ alg: o.alg ?? 'RS256', ...(o.kid ? { kid: o.kid } : {}) }).setIssuer(o.iss ?? ISS).setAudience(o.aud ?? AUD).setIssuedAt();
      if (o.sub !== null) j.setSubject(o.sub ?? 'u-1001');
      if (o.exp !== null) j.setExpirationTime(o.exp ?? '5m');
      return j.sign(o.key ?? rsa.privateKey);
    };
    const call = (token: string, agent = api) => agent.get('/api/v1/enterprises').query({ limit: 500 }).set('Authorization', `Bearer ${token}`);
    const expect401 = async (token: string, message: string | RegExp) => {
      const res = await call(token);
      expect(res.status, JSON.stringify(res.body)).to.equal(401);
      expectErrorShape(res.body);
      if (typeof message === 'string') expect(res.body.error.message).to.equal(message);
      else expect(res.body.error.message).to.match(message);
      return res;
    };

    before(async () => {
      rsa = await generateKeyPair('RS256', { extractable: true });
      jwt = loadConfig({ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_PUBLIC_KEY: await exportSPKI(rsa.publicKey) }).jwt!;
      expect(jwt.algorithms).to.deep.equal(['RS256']);
      api = t.withOptions({ jwt });
    });

    it('a valid token authenticates: sub → principal id, name claim, roles → rights; writes are attributed to it', async () => {
      const token = await sign({ roles: ['clerk'] });
      expect((await call(token)).status).to.equal(200);
      const res = await api.post('/api/v1/enterprises').set('Authorization', `Bearer ${token}`).send(enterpriseBody(20));
      expect(res.status).to.equal(201);
      expect(res.body.createdBy).to.equal('jwt:u-1001');
      await expectAudited('enterprise.create', enterpriseBody(20).uscc, { principalId: 'jwt:u-1001', principalName: '王执法' });
    });

    it('roles may be a space- or comma-separated string; unknown roles are ignored (→ 403, not 401)', async () => {
      expect((await call(await sign({ roles: 'openid regulator' }))).status).to.equal(200);
      expect((await call(await sign({ roles: 'partner,regulator' }))).status).to.equal(200);
      const none = await call(await sign({ roles: ['superuser', 'root'] }));
      expect(none.status).to.equal(403);
      const badShape = await call(await sign({ roles: { admin: true } }));
      expect(badShape.status).to.equal(401);
    });

    it('expired → 401 令牌已过期 (beyond the clock tolerance)', async () => {
      await expect401(await sign({}, { exp: Math.floor(Date.now() / 1000) - 120 }), '令牌已过期');
      expect((await call(await sign({}, { exp: Math.floor(Date.now() / 1000) - 5 }))).status, 'within tolerance').to.equal(200);
    });

    it('signed by another key → 401 令牌签名无效', async () => {
      const other = await generateKeyPair('RS256');
      await expect401(await sign({}, { key: other.privateKey }), '令牌签名无效');
    });

    it('a tampered payload → 401', async () => {
      const [h, , s] = (await sign({ roles: ['regulator'] })).split('.');
      const forged = base64url.encode(JSON.stringify({ roles: ['admin'], sub: 'u-1001', iss: ISS, aud: AUD, exp: Math.floor(Date.now() / 1000) + 300 }));
      await expect401(`${h}.${forged}.${s}`, '令牌签名无效');
    });

    it('alg none → 401', async () => {
      const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
      const payload = base64url.encode(JSON.stringify({ roles: ['admin'], sub: 'x', iss: ISS, aud: AUD, exp: Math.floor(Date.now() / 1000) + 300 }));
      await expect401(`${header}.${payload}.`, '令牌签名算法不被接受');
      await expect401(`${header}.${payload}.c2ln`, '令牌签名算法不被接受');
    });

    it('HS256 signed with the public key as secret (algorithm confusion) → 401', async () => {
      const pem = await exportSPKI(rsa.publicKey);
      await expect401(await sign({}, { alg: 'HS256', key: new TextEncoder().encode(pem) }), '令牌签名算法不被接受');
    });

    it('wrong issuer, wrong audience, not yet valid, no exp, no sub → 401 with the reason', async () => {
      await expect401(await sign({}, { iss: 'https://evil.example.com' }), '令牌签发者不受信任');
      await expect401(await sign({}, { aud: 'another-service' }), '令牌受众不匹配');
      await expect401(await sign({ nbf: Math.floor(Date.now() / 1000) + 600 }), '令牌尚未生效');
      await expect401(await sign({}, { exp: null }), '令牌缺少必要声明：exp');
      await expect401(await sign({}, { sub: null }), '令牌缺少必要声明：sub');
      await expect401('not-a-jwt', '令牌格式无效');
      await expect401('aaa.bbb.ccc', '令牌格式无效');
    });

    it('every token failure is audited with its reason, never the token', async () => {
      const token = await sign({}, { iss: 'https://evil.example.com' });
      const res = await call(token);
      const entry = await expectAudited('auth.failed', undefined, { requestId: res.headers['x-request-id'] });
      expect(entry.detail).to.deep.include({ credential: 'authorization', reason: '令牌签发者不受信任' });
      expect(JSON.stringify(entry)).not.to.include(token);
    });

    it('an enterprise token needs its uscc claim and sees only that enterprise', async () => {
      await expect401(await sign({ roles: ['enterprise'] }), /统一社会信用代码/);
      await expect401(await sign({ roles: ['enterprise'], uscc: 'not-a-code' }), /统一社会信用代码/);
      const own = enterpriseBody(1).uscc;
      const token = await sign({ roles: ['enterprise'], uscc: own.toLowerCase() });
      const list = await call(token);
      expect(list.body.items.map((e: { uscc: string }) => e.uscc)).to.deep.equal([own]);
      expect((await api.get(`/api/v1/enterprises/${enterpriseBody(2).uscc}`).set('Authorization', `Bearer ${token}`)).status).to.equal(404);
    });

    it('the scope claim limits a clerk to its divisions (reads and writes)', async () => {
      const token = await sign({ roles: ['clerk'], scope: '440305' });
      const list = await call(token);
      expect(list.body.items.length).to.be.greaterThan(0);
      expect(list.body.items.every((e: { districtCode: string }) => e.districtCode === '440305')).to.equal(true);
      expect((await api.get(`/api/v1/enterprises/${enterpriseBody(3, { districtCode: '110105' }).uscc}`).set('Authorization', `Bearer ${token}`)).status).to.equal(404);
      const outside = await api.post('/api/v1/enterprises').set('Authorization', `Bearer ${token}`).send(enterpriseBody(21, { districtCode: '110105' }));
      expect(outside.status).to.equal(403);
      await expect401(await sign({ scope: 'openid profile' }), /职权范围/);
    });

    it('HS256 with JWT_SECRET; a token signed with another secret fails', async () => {
      const secret = 'hs256-secret-for-tests-0123456789abcdef';
      const hs = t.withOptions({ jwt: loadConfig({ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_SECRET: secret }).jwt });
      const good = await sign({}, { alg: 'HS256', key: new TextEncoder().encode(secret) });
      expect((await call(good, hs)).status).to.equal(200);
      const bad = await sign({}, { alg: 'HS256', key: new TextEncoder().encode(`${secret}x`) });
      expect((await call(bad, hs)).status).to.equal(401);
      const rs = await sign({});
      expect((await call(rs, hs)).body.error.message).to.equal('令牌签名算法不被接受');
    });

    it('ES256 from a PEM public key', async () => {
      const ec = await generateKeyPair('ES256', { extractable: true });
      const es = t.withOptions({ jwt: loadConfig({ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_PUBLIC_KEY: await exportSPKI(ec.publicKey) }).jwt });
      expect((await call(await sign({}, { alg: 'ES256', key: ec.privateKey }), es)).status).to.equal(200);
      expect((await call(await sign({}), es)).status).to.equal(401);
    });

    it('a JWKS file: keys chosen by kid (rotation); an unknown kid → 401', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'jwks-'));
      try {
        const ec = await generateKeyPair('ES256', { extractable: true });
        const file = join(dir, 'jwks.json');
        const keys = [
          { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-2026', alg: 'RS256', use: 'sig' },
          { ...(await exportJWK(ec.publicKey)), kid: 'ec-2027', alg: 'ES256', use: 'sig' },
        ];
        writeFileSync(file, JSON.stringify({ keys }));
        const cfg = loadConfig({ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_JWKS_FILE: file }).jwt!;
        expect(cfg.algorithms).to.deep.equal(['RS256', 'ES256']);
        const jw = t.withOptions({ jwt: cfg });
        expect((await call(await sign({}, { kid: 'rsa-2026' }), jw)).status).to.equal(200);
        expect((await call(await sign({}, { kid: 'ec-2027', alg: 'ES256', key: ec.privateKey }), jw)).status).to.equal(200);
        const unknown = await call(await sign({}, { kid: 'retired-2020' }), jw);
        expect(unknown.status).to.equal(401);
        expect(unknown.body.error.message).to.equal('找不到与令牌匹配的验证密钥');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    describe('configuration (validated at start, every problem listed)', () => {
      it('accepts a PEM given with \\n escapes (one-line env var) and a comma-separated audience', async () => {
        const pem = (await exportSPKI(rsa.publicKey)).replace(/\n/g, '\\n');
        const cfg = loadConfig({ JWT_ISSUER: ISS, JWT_AUDIENCE: `${AUD}, other-aud`, JWT_PUBLIC_KEY: pem, JWT_ALGORITHMS: 'RS256,PS256' }).jwt!;
        expect(cfg.audience).to.deep.equal([AUD, 'other-aud']);
        expect(cfg.algorithms).to.deep.equal(['RS256', 'PS256']);
        expect(cfg.claims).to.deep.equal({ roles: 'roles', scope: 'scope', uscc: 'uscc' });
        expect(loadConfig({}).jwt).to.equal(undefined);
      });

      it('claim names are configurable, dotted paths included (e.g. Keycloak realm_access.roles)', async () => {
        const cfg = loadConfig({ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_PUBLIC_KEY: await exportSPKI(rsa.publicKey), JWT_ROLES_CLAIM: 'realm_access.roles', JWT_USCC_CLAIM: 'org_uscc' }).jwt!;
        const kc = t.withOptions({ jwt: cfg });
        const own = enterpriseBody(2).uscc;
        const res = await call(await sign({ roles: undefined, realm_access: { roles: ['enterprise'] }, org_uscc: own }), kc);
        expect(res.status).to.equal(200);
        expect(res.body.items.map((e: { uscc: string }) => e.uscc)).to.deep.equal([own]);
      });

      it('lists every JWT problem at once', async () => {
        const pem = await exportSPKI(rsa.publicKey);
        const cases: [Record<string, string>, RegExp][] = [
          [{ JWT_ISSUER: ISS }, /JWT_AUDIENCE/],
          [{ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD }, /JWT_ISSUER: needs one verification key/],
          [{ JWT_SECRET: 'x'.repeat(40) }, /JWT_SECRET: needs JWT_ISSUER/],
          [{ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_SECRET: 'short' }, /JWT_SECRET.*32/],
          [{ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_SECRET: 'x'.repeat(40), JWT_PUBLIC_KEY: pem }, /JWT_PUBLIC_KEY|JWT_SECRET/],
          [{ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_SECRET: 'x'.repeat(40), JWT_ALGORITHMS: 'none' }, /JWT_ALGORITHMS: none not usable/],
          [{ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_PUBLIC_KEY: pem, JWT_ALGORITHMS: 'HS256' }, /JWT_ALGORITHMS: HS256 not usable/],
          [{ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_PUBLIC_KEY: pem, JWT_ALGORITHMS: 'ES256' }, /ES256 not usable/],
          [{ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_PUBLIC_KEY: await exportPKCS8(rsa.privateKey) }, /private key/],
          [{ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_PUBLIC_KEY: 'not a pem' }, /JWT_PUBLIC_KEY: unusable verification key/],
          [{ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_JWKS_FILE: '/nonexistent/jwks.json' }, /JWT_JWKS_FILE: unusable verification key/],
        ];
        for (const [env, problem] of cases) {
          const problems = configProblems(env);
          expect(problems.join('\n'), JSON.stringify(Object.keys(env))).to.match(problem);
        }
        const many = configProblems({ JWT_ISSUER: ISS, JWT_AUDIENCE: AUD, JWT_PUBLIC_KEY: pem, JWT_ALGORITHMS: 'HS256', CORS_ORIGINS: 'ftp://x', RATE_LIMIT_PER_MINUTE: 'lots' });
        expect(many.join('\n')).to.match(/JWT_ALGORITHMS/).and.match(/CORS_ORIGINS/).and.match(/RATE_LIMIT_PER_MINUTE/);
      });
    });
  });
});

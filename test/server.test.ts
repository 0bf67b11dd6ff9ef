import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnService, waitFor, httpStatus, ferretdbPids } from './support/process.js';

describe('server process: config, embedded database, shutdown', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  const tmp = () => {
    const d = mkdtempSync(join(tmpdir(), 'credit-srv-'));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('lists every configuration problem at once and exits non-zero', async () => {
    const svc = await spawnService({ PORT: '3000', LOG_LEVEL: 'loud', PUSH_CRON: 'every now and then', MUNICIPAL_PLATFORM_URL: 'ftp://x', ADMIN_API_KEY: 'short' });
    const { code } = await svc.exited;
    expect(code).to.equal(1);
    const out = svc.output();
    for (const name of ['LOG_LEVEL', 'PUSH_CRON', 'MUNICIPAL_PLATFORM_URL', 'ADMIN_API_KEY']) expect(out).to.include(name);
    expect(out).to.include('配置无效');
  });

  it('says to set MONGODB_URI when the embedded database binary is missing', async () => {
    const svc = await spawnService({ DATA_DIR: tmp(), FERRETDB_BIN: '/nonexistent/ferretdb', PATH: '/usr/bin:/bin' });
    const { code } = await svc.exited;
    expect(code).to.equal(1);
    expect(svc.output()).to.include('MONGODB_URI');
  });

  it('starts the embedded database, serves /readyz, and on SIGTERM exits 0 leaving no ferretdb behind', async () => {
    const dataDir = tmp();
    const adminKey = 'test-admin-key-0123456789';
    const svc = await spawnService({ DATA_DIR: dataDir, ADMIN_API_KEY: adminKey });
    await waitFor(async () => (await httpStatus(`${svc.baseUrl}/readyz`)) === 200, 60_000, '/readyz 200');
    expect(ferretdbPids(dataDir)).to.have.length(1);
    expect(await httpStatus(`${svc.baseUrl}/api/v1/api-keys`, { 'X-API-Key': adminKey })).to.equal(200);
    svc.child.kill('SIGTERM');
    const { code } = await svc.exited;
    expect(code, svc.output()).to.equal(0);
    await waitFor(async () => ferretdbPids(dataDir).length === 0, 10_000, 'ferretdb to exit');
  });

  it('keeps data in DATA_DIR across restarts', async () => {
    const dataDir = tmp();
    const adminKey = 'test-admin-key-restart-01';
    for (let round = 0; round < 2; round++) {
      const svc = await spawnService({ DATA_DIR: dataDir, ADMIN_API_KEY: adminKey });
      await waitFor(async () => (await httpStatus(`${svc.baseUrl}/readyz`)) === 200, 60_000, '/readyz 200');
      const res = await fetch(`${svc.baseUrl}/api/v1/api-keys`, { headers: { 'X-API-Key': adminKey } });
      const body = (await res.json()) as { items: unknown[] };
      if (round === 0) {
        const created = await fetch(`${svc.baseUrl}/api/v1/api-keys`, {
          method: 'POST',
          headers: { 'X-API-Key': adminKey, 'Content-Type': 'application/json' },
          body: JSON.stringify({ name: 'persisted', roles: ['clerk'] }),
        });
        expect(created.status).to.equal(201);
      } else {
        expect(body.items).to.have.length(2);
      }
      svc.child.kill('SIGINT');
      expect((await svc.exited).code).to.equal(0);
    }
  });

  it('leaves no ferretdb behind even when the service is killed with SIGKILL', async () => {
    const dataDir = tmp();
    const svc = await spawnService({ DATA_DIR: dataDir });
    await waitFor(async () => (await httpStatus(`${svc.baseUrl}/readyz`)) === 200, 60_000, '/readyz 200');
    expect(ferretdbPids(dataDir)).to.have.length(1);
    svc.child.kill('SIGKILL');
    await svc.exited;
    await waitFor(async () => ferretdbPids(dataDir).length === 0, 10_000, 'ferretdb to exit after its parent died');
  });
});

import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnService, waitFor, httpStatus, ferretdbPids } from './support/process.js';

/**
 * Process hygiene: an unhandled rejection or an uncaught exception is logged with the request id it came
 * from, then the service stops the way SIGTERM stops it (nothing left behind) and exits non-zero. The fault
 * is raised by a test-only preload module (test/support/crash-preload.mjs, loaded with NODE_OPTIONS=--import),
 * so the service has no trigger of its own.
 */
describe('server process: unhandled rejections and uncaught exceptions stop it cleanly', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  for (const kind of ['rejection', 'exception'] as const) {
    it(`an ${kind === 'rejection' ? 'unhandled rejection' : 'uncaught exception'}: logged with its request id, clean stop, exit 1`, async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'credit-crash-'));
      dirs.push(dataDir);
      const requestId = `crash-${kind}-0001`;
      const svc = await spawnService({
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        NODE_OPTIONS: `--import ${resolve('test/support/crash-preload.mjs')}`,
        CRASH_KIND: kind,
        CRASH_REQUEST_ID: requestId,
      });
      await waitFor(async () => (await httpStatus(`${svc.baseUrl}/readyz`)) === 200, 60_000, '/readyz 200');
      expect(ferretdbPids(dataDir)).to.have.length(1);
      svc.child.kill('SIGUSR2');
      const { code, signal } = await svc.exited;
      const out = svc.output();
      expect({ code, signal }, out).to.deep.equal({ code: 1, signal: null });
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, any>);
      const logged = lines.find((l) => l.level === 'error' && l.kind === (kind === 'rejection' ? 'unhandledRejection' : 'uncaughtException'));
      expect(logged, out).to.not.equal(undefined);
      expect(logged!.requestId).to.equal(requestId);
      expect(logged!.err.message).to.match(/deliberate/);
      // The same path as SIGTERM: shutting down, then stopped (database closed), and the embedded database gone.
      const shutdown = lines.findIndex((l) => l.message === 'shutting down');
      const stopped = lines.findIndex((l) => l.message === 'stopped');
      expect(shutdown, out).to.be.greaterThan(-1);
      expect(stopped, out).to.be.greaterThan(shutdown);
      expect(lines[stopped].exitCode).to.equal(1);
      await waitFor(async () => ferretdbPids(dataDir).length === 0, 10_000, 'ferretdb to exit');
    });
  }
});

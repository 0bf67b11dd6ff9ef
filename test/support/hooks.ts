/**
 * Mocha root hooks: one embedded FerretDB for the whole run (in a throw-away directory on a free
 * port), or the MongoDB of MONGODB_URI when set. Each test file then uses its own database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbedded, type EmbeddedDb } from '../../src/db/embedded.js';
import { setLogLevel } from '../../src/lib/logger.js';

process.env.TZ = 'Asia/Shanghai';

// nock 15 (through @mswjs/interceptors) calls Promise.withResolvers, which Node 20 lacks; nock 14's
// interceptor API differs. A test-only stand-in with the standard semantics.
const promiseCtor = Promise as unknown as { withResolvers?: () => unknown };
promiseCtor.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};
setLogLevel(process.env.TEST_LOG_LEVEL ?? 'error');

let embedded: EmbeddedDb | undefined;
let dataDir: string | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    if (process.env.MONGODB_URI) {
      process.env.TEST_MONGODB_URI = process.env.MONGODB_URI;
      return;
    }
    dataDir = mkdtempSync(join(tmpdir(), 'credit-test-db-'));
    embedded = await startEmbedded({ dataDir, binPath: process.env.FERRETDB_BIN ?? resolve('.bin/ferretdb'), dbName: 'test' });
    process.env.TEST_MONGODB_URI = embedded.uri;
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
};

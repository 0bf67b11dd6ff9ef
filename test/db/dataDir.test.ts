import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mongoose from 'mongoose';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { connectMongoose, READINESS_COLLECTION } from '../../src/db/connection.js';
import { EmbeddedDbUnavailable, startEmbedded, type EmbeddedDb } from '../../src/db/embedded.js';
import { ferretdbPids, waitFor } from '../support/process.js';

/**
 * One FerretDB per data directory (patch 0004) and readiness that needs a WRITE answered.
 * Each test starts its own embedded server in its own directory (never the run's shared one,
 * which it stops or freezes).
 */
const bin = process.env.FERRETDB_BIN ?? resolve('.bin/ferretdb');

describe('embedded database: one server per data directory, readiness by a write', function () {
  this.timeout(60_000);
  let dir: string;
  let first: EmbeddedDb | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'credit-db-dir-'));
  });
  afterEach(async () => {
    for (const pid of ferretdbPids(dir)) process.kill(pid, 'SIGCONT');
    if (mongoose.connection.readyState !== 0) await mongoose.disconnect();
    await first?.stop();
    first = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second ferretdb on the same data directory; the CLI-style reuse still attaches to the first', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string'); // no embedded server on MongoDB
    first = await startEmbedded({ dataDir: dir, binPath: bin, dbName: 'x' });
    let err: unknown;
    try {
      const second = await startEmbedded({ dataDir: dir, binPath: bin, dbName: 'x' });
      await second.stop();
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(EmbeddedDbUnavailable);
    expect((err as Error).message).to.contain('已由另一个 FerretDB 进程使用');
    expect(ferretdbPids(dir)).to.have.length(1);

    const reused = await startEmbedded({ dataDir: dir, binPath: bin, dbName: 'x', reuse: true });
    expect(reused.owned).to.equal(false);
    expect(reused.port).to.equal(first.port);
  });

  it('a stopped server frees the directory for the next one', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    first = await startEmbedded({ dataDir: dir, binPath: bin, dbName: 'x' });
    await first.stop();
    first = await startEmbedded({ dataDir: dir, binPath: bin, dbName: 'x' });
    expect(ferretdbPids(dir)).to.have.length(1);
  });

  it('/readyz answers 200 while writes are answered, 503 within seconds once they are not (SIGSTOP), 200 again after', async () => {
    if (process.env.MONGODB_URI) return expect(process.env.MONGODB_URI).to.be.a('string');
    first = await startEmbedded({ dataDir: dir, binPath: bin, dbName: 'ready' });
    await connectMongoose(first.uri, 'ready');
    const request = supertest(createApp({ bodyLimit: '1mb' }));
    const ready = await request.get('/readyz');
    expect(ready.status).to.equal(200);
    expect(await mongoose.connection.db!.collection(READINESS_COLLECTION).countDocuments()).to.equal(1); // the probe wrote

    const [pid] = ferretdbPids(dir);
    process.kill(pid!, 'SIGSTOP');
    const started = Date.now();
    const frozen = await request.get('/readyz');
    expect(frozen.status).to.equal(503);
    expect(frozen.body).to.deep.equal({ status: 'unavailable', database: 'unreachable' });
    expect(Date.now() - started).to.be.lessThan(5000);

    process.kill(pid!, 'SIGCONT');
    await waitFor(async () => (await request.get('/readyz')).status === 200, 20_000, '/readyz to recover');
  });
});

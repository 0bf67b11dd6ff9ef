/**
 * `npm run chaos`: the service twice against one embedded database, two fake credit platforms (child
 * processes) with injected faults, record creation and corrections through both instances' HTTP APIs, and
 * one instance killed with SIGKILL at random points (and restarted). Then the load stops, the survivors
 * drain, and it asserts from the platforms' stores and the database:
 *   - every record's latest version accepted exactly once per platform, and no (recordId, version) twice;
 *   - no record lost: every record answered 201 is stored, every stored record is delivered;
 *   - no lease left: no record inflight, no partition lease held with a batch out;
 *   - an audit entry for every created record and every correction.
 * Finally the database is stopped in the middle of requests: they fail with 503 (readyz 503), succeed
 * again after its restart, and nothing is lost or changed.
 *
 * Bounded: CHAOS_LOAD_SECONDS (45) of load, at most 150 s to drain. Exit 0 when every check holds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import mongoose from 'mongoose';
import { freePort, startEmbedded, type EmbeddedDb } from '../src/db/embedded.js';
import { connectMongoose } from '../src/db/connection.js';
import { setLogLevel } from '../src/lib/logger.js';
import { RecordModel } from '../src/modules/records/index.js';
import { AuditModel } from '../src/modules/audit/index.js';
import { recordSummaries } from '../src/modules/publicity/index.js';
import { checkTally, sweepTally } from '../src/db/tally.js';
import { JobLockModel } from '../src/lib/jobLock.js';
import { penaltyBody } from '../test/support/fixtures.js';
import { spawnService, waitFor, httpStatus, type ServiceProcess } from '../test/support/process.js';
import type { FakeSnapshot } from '../test/support/fakePlatform.js';

setLogLevel('error');

const LOAD_MS = Number(process.env.CHAOS_LOAD_SECONDS ?? 45) * 1000;
const DRAIN_MS = 150_000;
const ADMIN_KEY = 'chaos-admin-key-0000000001';
const PLATFORMS = ['municipal', 'national'] as const;

const log = (msg: string) => process.stdout.write(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rnd = (a: number, b: number) => a + Math.floor(Math.random() * (b - a + 1));
const t0 = Date.now();

interface Fake {
  id: (typeof PLATFORMS)[number];
  child: ChildProcess;
  url: string;
  env: Record<string, string>;
}

async function startFake(id: Fake['id'], auth: 'token' | 'hmac'): Promise<Fake> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/fakePlatform.ts', '--port', '0', '--auth', auth], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: child.stdout! }).once('line', ok);
    child.once('exit', () => fail(new Error(`fake ${id} exited`)));
  });
  const info = JSON.parse(line) as { url: string; appId: string; appSecret: string };
  const prefix = id.toUpperCase();
  return { id, child, url: info.url, env: { [`${prefix}_PLATFORM_URL`]: info.url, [`${prefix}_PLATFORM_APP_ID`]: info.appId, [`${prefix}_PLATFORM_APP_SECRET`]: info.appSecret } };
}

async function call(method: string, url: string, key: string | undefined, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; body: any }> {
  const res = await fetch(url, {
    method,
    headers: { ...(key ? { 'x-api-key': key } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

const failures: string[] = [];
function check(ok: boolean, what: string): void {
  log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

const dir = mkdtempSync(join(tmpdir(), 'chaos-'));
const dbPort = await freePort();
const dbOptions = { dataDir: join(dir, 'db'), binPath: process.env.FERRETDB_BIN ?? resolve('.bin/ferretdb'), dbName: 'chaos', port: dbPort };
let embedded: EmbeddedDb = await startEmbedded(dbOptions);
const dbName = 'chaos';
const uri = embedded.uri.replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`);
const fakes = [await startFake('municipal', 'token'), await startFake('national', 'hmac')];
const services: (ServiceProcess | undefined)[] = [undefined, undefined];
const figures = { writeStatuses: {} as Record<string, number>, created: 0, corrections: 0, createFailures: 0, kills: 0, faults: 0, faultKinds: {} as Record<string, number>, dbDown503: 0 };

// Small batches, short leases, fast back-off and retries that outlast the faults (as in the crash test).
const configDir = join(dir, 'config');
cpSync('config', configDir, { recursive: true });
const platformsFile = JSON.parse(readFileSync(join(configDir, 'platforms.json'), 'utf8'));
for (const p of platformsFile.platforms) Object.assign(p, { batchSize: 20, leaseMs: 5000, timeoutMs: 1500, maxAttempts: 100, backoff: { baseMs: 100, maxMs: 1000 }, circuit: { failureThreshold: 5, openMs: 1000 } });
writeFileSync(join(configDir, 'platforms.json'), JSON.stringify(platformsFile));

const serviceEnv = {
  MONGODB_URI: uri,
  CONFIG_DIR: configDir,
  DATA_DIR: join(dir, 'data'),
  EXPORT_DIR: join(dir, 'exports'),
  JOBS_ENABLED: 'true',
  PUSH_CRON: '*/1 * * * * *',
  JOB_LEASE_MS: '2000',
  RATE_LIMIT_PER_MINUTE: '0',
  RATE_LIMIT_IP_PER_MINUTE: '0',
  ADMIN_API_KEY: ADMIN_KEY,
  LOG_LEVEL: 'warn',
  ...fakes[0].env,
  ...fakes[1].env,
};

async function startService(i: number): Promise<ServiceProcess> {
  const svc = await spawnService(serviceEnv);
  await waitFor(async () => {
    if (svc.child.exitCode !== null) throw new Error(`service ${i} exited:\n${svc.output().slice(-2000)}`);
    return (await httpStatus(`${svc.baseUrl}/readyz`)) === 200;
  }, 60_000, `service ${i} ready`).catch((err: unknown) => {
    svc.child.kill('SIGKILL');
    throw err;
  });
  // Only a ready instance takes requests (until then the writers skip the killed one it replaces).
  services[i] = svc;
  return svc;
}

async function fault(fake: Fake, body: unknown, kind: string): Promise<void> {
  await call('POST', `${fake.url}/__faults`, undefined, body);
  figures.faults++;
  figures.faultKinds[kind] = (figures.faultKinds[kind] ?? 0) + 1;
}

async function store(fake: Fake): Promise<FakeSnapshot> {
  return (await call('GET', `${fake.url}/__store?records=0`, undefined)).body as FakeSnapshot;
}

let exitCode = 1;
try {
  await startService(0);
  await startService(1);
  const clerk = (await call('POST', `${services[0]!.baseUrl}/api/v1/api-keys`, ADMIN_KEY, { name: 'chaos clerk', roles: ['clerk'] })).body.key as string;
  await connectMongoose(uri);
  log(`database ${uri}, services on ${services.map((s) => s!.port).join(' and ')}, platforms ${fakes.map((f) => f.url).join(' ')}`);

  const created = new Map<string, number>(); // id → expected latest version
  let running = true;
  let n = 0;

  // Writers: one loop per instance slot; a request to a killed instance fails and is retried elsewhere.
  const writer = async (slot: number) => {
    while (running) {
      const svc = services[slot];
      if (!svc || svc.child.exitCode !== null || svc.child.signalCode !== null) {
        await sleep(100);
        continue;
      }
      try {
        const ids = [...created.keys()];
        if (ids.length > 10 && Math.random() < 0.25) {
          const id = ids[rnd(0, ids.length - 1)];
          const r = await call('PATCH', `${svc.baseUrl}/api/v1/penalties/${id}`, clerk, { action: 'correct', reason: '更正违法事实描述', changes: { facts: `经复核更正：事实描述第 ${n++} 版。` } });
          figures.writeStatuses[`PATCH ${r.status}`] = (figures.writeStatuses[`PATCH ${r.status}`] ?? 0) + 1;
          if (r.status === 200) {
            created.set(id, r.body.version);
            figures.corrections++;
          }
        } else {
          const r = await call('POST', `${svc.baseUrl}/api/v1/penalties`, clerk, penaltyBody(600_000 + slot * 100_000 + n++));
          figures.writeStatuses[`POST ${r.status}`] = (figures.writeStatuses[`POST ${r.status}`] ?? 0) + 1;
          if (r.status === 201) {
            created.set(r.body.id, r.body.version);
            figures.created++;
          } else figures.createFailures++;
        }
      } catch (err) {
        figures.createFailures++;
        const kind = `error ${(err as Error).name}`;
        figures.writeStatuses[kind] = (figures.writeStatuses[kind] ?? 0) + 1;
      }
      await sleep(rnd(10, 60));
    }
  };

  // Faults on the platforms: 500s, 500 after storing, 429s, slow answers (time-outs), an outage.
  const faulter = async () => {
    for (let round = 0; running; round++) {
      await sleep(rnd(1500, 3000));
      const fake = fakes[rnd(0, 1)];
      // The first fault is always an outage; then any kind at random.
      switch (round === 0 ? 5 : rnd(0, 5)) {
        case 0:
          await fault(fake, { next: { n: rnd(1, 4), fault: { status: 500 } } }, '500');
          break;
        case 1:
          await fault(fake, { next: { n: rnd(1, 3), fault: { status: 500, storeBeforeFailing: true } } }, '500 after storing');
          break;
        case 2:
          await fault(fake, { next: { n: rnd(1, 4), fault: { status: 429, retryAfterSec: 1 } } }, '429');
          break;
        case 3:
          await fault(fake, { next: { n: rnd(1, 2), fault: { delayMs: 2500, storeBeforeFailing: Math.random() < 0.5 } } }, 'time-out');
          break;
        case 4:
          await fault(fake, { latencyMs: rnd(100, 400) }, 'slow');
          await sleep(3000);
          await call('POST', `${fake.url}/__faults`, undefined, { latencyMs: 0 });
          break;
        case 5:
          await fault(fake, { outage: true }, 'outage');
          await sleep(rnd(3000, 6000));
          await call('POST', `${fake.url}/__faults`, undefined, { outage: false });
          break;
      }
    }
  };

  // The killer: SIGKILL one instance at a random moment, restart it shortly after.
  const killer = async () => {
    while (running) {
      await sleep(rnd(6000, 12_000));
      if (!running) break;
      const i = rnd(0, 1);
      const svc = services[i]!;
      svc.child.kill('SIGKILL');
      await svc.exited;
      figures.kills++;
      log(`killed instance ${i} (SIGKILL) with ${created.size} records created so far`);
      await sleep(rnd(200, 1500));
      await startService(i);
    }
  };

  const loops = [writer(0), writer(1), faulter(), killer()];
  await sleep(LOAD_MS);
  running = false;
  await Promise.all(loops);
  for (const fake of fakes) await call('POST', `${fake.url}/__faults`, undefined, { clear: true });
  log(`load stopped: ${figures.created} created, ${figures.corrections} corrections, ${figures.kills} kills, ${figures.faults} faults; draining`);

  // Drain: every record's latest version delivered to both platforms.
  const drainStart = Date.now();
  // FerretDB has no $expr comparison of two fields: compared here.
  const undelivered = async () => {
    const docs = (await RecordModel.find({}, { version: 1, delivery: 1 }).lean()) as unknown as { version: number; delivery: Record<string, { state: string; version: number }> }[];
    return docs.filter((d) => PLATFORMS.some((p) => d.delivery?.[p]?.state !== 'delivered' || d.delivery[p].version !== d.version)).length;
  };
  // Polled every 2 s: on FerretDB each poll reads every record.
  while ((await undelivered()) > 0 && Date.now() - drainStart < DRAIN_MS) await sleep(2000);
  const drainMs = Date.now() - drainStart;

  // ---- checks
  const records = (await RecordModel.find({}, { _id: 1, version: 1, delivery: 1 }).lean()) as unknown as { _id: unknown; version: number; delivery: Record<string, { state: string; version: number; leaseOwner?: string | null }> }[];
  const stored = new Map(records.map((r) => [String(r._id), r]));
  check([...created.keys()].every((id) => stored.has(id)), `every record answered 201 is stored (${created.size} answered, ${records.length} stored)`);
  check([...created].every(([id, v]) => (stored.get(id)?.version ?? 0) >= v), 'every stored record has at least the version last answered');
  check((await undelivered()) === 0, `every record's latest version delivered to both platforms (drained in ${(drainMs / 1000).toFixed(1)} s)`);
  let resentDuplicates = 0;
  for (const fake of fakes) {
    const snap = await store(fake);
    check(snap.maxAcceptedCount <= 1, `${fake.id}: no (recordId, version) accepted twice (max ${snap.maxAcceptedCount})`);
    const missing = records.filter((r) => snap.acceptedCounts[`${String(r._id)}@${r.version}`] !== 1);
    check(missing.length === 0, `${fake.id}: every record's latest version accepted exactly once (${missing.length} not)`);
    resentDuplicates += Object.entries(snap.receivedCounts).filter(([k, c]) => c > (snap.acceptedCounts[k] ?? 0)).length;
    log(`${fake.id}: ${snap.storeSize} versions stored, ${snap.counters.batches} batches, ${snap.counters.faultsInjected} faulted requests`);
  }
  const leases = records.filter((r) => PLATFORMS.some((p) => r.delivery?.[p]?.state === 'inflight' || r.delivery?.[p]?.leaseOwner)).length;
  check(leases === 0, `no record left inflight by an engine (${leases})`);
  const batchesOut = await JobLockModel.countDocuments({ _id: /^delivery:/, work: { $ne: null }, until: { $gt: new Date() } });
  check(batchesOut === 0, `no partition lease held with a batch out (${batchesOut})`);
  const audited = new Set((await AuditModel.find({ action: 'penalty.create', outcome: 'success' }, { resourceId: 1 }).lean()).map((a) => String(a.resourceId)));
  const unaudited = [...created.keys()].filter((id) => !audited.has(id));
  check(unaudited.length === 0, `an audit entry for every created record (${unaudited.length} missing)`);
  const corrections = await AuditModel.countDocuments({ action: 'penalty.correct', outcome: 'success' });
  check(corrections >= figures.corrections, `an audit entry for every correction (${corrections} entries, ${figures.corrections} answered)`);

  // ---- the database restarts in the middle of requests
  const svc = services[0]!;
  const beforeCount = records.length;
  let sawUnavailable = false;
  let readyz503 = false;
  let other5xx = 0;
  let probing = true;
  // readyz is polled on its own: a write in flight when the database stops may wait out the outage
  // (the driver retries it) and succeed after the restart, so polling readyz only between probe pairs
  // could miss the whole outage.
  const readyzPoller = (async () => {
    while (probing) {
      if ((await httpStatus(`${svc.baseUrl}/readyz`).catch(() => 0)) === 503) readyz503 = true;
      await sleep(250);
    }
  })();
  const prober = (async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const [list, write] = await Promise.all([
        call('GET', `${svc.baseUrl}/api/v1/penalties?limit=5`, clerk, undefined, 15_000).catch(() => ({ status: 0, body: undefined })),
        call('POST', `${svc.baseUrl}/api/v1/penalties`, clerk, penaltyBody(900_000 + n++), 15_000).catch(() => ({ status: 0, body: undefined })),
      ]);
      if (process.env.CHAOS_VERBOSE) log(`probe: list ${list.status}, write ${write.status}`);
      for (const r of [list, write]) {
        if (r.status === 503 && r.body?.error?.code === 'SERVICE_UNAVAILABLE') {
          sawUnavailable = true;
          figures.dbDown503++;
        } else if (r.status >= 500 || r.status === 0) other5xx++;
      }
      if (write.status === 201) created.set(write.body.id, 1);
      if (sawUnavailable && readyz503 && list.status === 200 && write.status === 201) return true;
      await sleep(100);
    }
    return false;
  })();
  await sleep(1000);
  log('stopping the database in the middle of requests');
  await embedded.stop();
  // Longer than the driver's server selection time-out (5 s), so requests cannot just wait it out.
  await sleep(10_000);
  embedded = await startEmbedded(dbOptions);
  log('database restarted');
  const recovered = await prober;
  probing = false;
  await readyzPoller;
  check(sawUnavailable && readyz503, `requests while the database is down answer 503 SERVICE_UNAVAILABLE (${figures.dbDown503}), readyz 503`);
  check(recovered, 'requests succeed again after the restart');
  check(other5xx === 0, `no other 5xx or dropped connection while the database was down (${other5xx})`);
  await waitFor(async () => (await RecordModel.countDocuments().catch(() => -1)) >= beforeCount, 30_000, 'database readable').catch(() => undefined);
  const after = await RecordModel.find({}, { _id: 1, version: 1 }).lean();
  const afterIds = new Set(after.map((r) => String(r._id)));
  check(records.every((r) => afterIds.has(String(r._id))) && after.every((r) => (stored.get(String(r._id))?.version ?? 1) <= r.version), `no record lost or changed by the restart (${records.length} before, ${after.length} after)`);
  for (const end = Date.now() + 60_000; (await undelivered()) > 0 && Date.now() < end; ) await sleep(2000);
  check((await undelivered()) === 0, 'records written around the restart are delivered too');
  // The delivery summaries the instances kept through kills, faults and the restart equal a full count.
  await waitFor(async () => (await sweepTally(recordSummaries.name)).ran, 30_000, 'summaries lease').catch(() => undefined);
  const summaryCheck = await checkTally(recordSummaries.name);
  check(summaryCheck.differences.length === 0, `delivery summaries equal a count of the records (${summaryCheck.documents} records, ${summaryCheck.differences.length} keys differ)`);

  console.table([
    {
      records: after.length,
      corrections: figures.corrections,
      'writes not answered 2xx': figures.createFailures,
      kills: figures.kills,
      'faults injected': figures.faults,
      'resends answered duplicate': resentDuplicates,
      'drain s': (drainMs / 1000).toFixed(1),
      '503 while db down': figures.dbDown503,
    },
  ]);
  log(`faults by kind: ${JSON.stringify(figures.faultKinds)}`);
  log(`write answers: ${JSON.stringify(figures.writeStatuses)}`);
  exitCode = failures.length === 0 ? 0 : 1;
  log(failures.length === 0 ? 'chaos: every check holds' : `chaos: ${failures.length} check(s) failed:\n  ${failures.join('\n  ')}`);
  if (failures.length) for (const [i, s] of services.entries()) if (s) process.stdout.write(`--- service ${i} output (tail)\n${s.output().slice(-4000)}\n`);
} catch (err) {
  log(`chaos run aborted: ${(err as Error).stack}`);
  for (const [i, s] of services.entries()) if (s) process.stdout.write(`--- service ${i} output (tail)\n${s.output().slice(-3000)}\n`);
} finally {
  for (const s of services) s?.child.kill('SIGKILL');
  for (const f of fakes) f.child.kill('SIGTERM');
  await mongoose.disconnect().catch(() => undefined);
  await embedded.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(exitCode);

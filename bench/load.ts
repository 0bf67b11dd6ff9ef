/**
 * `npm run bench:load`: autocannon on loopback against the real service (a child process running
 * src/server.ts over an embedded FerretDB in a throw-away directory), next to a bare express "hello"
 * app (another child process) measured in the same run at the same rate.
 *
 *  1. baseline: GET /hello at a fixed LOAD_RATE (200/s) for LOAD_SECONDS (30 s);
 *  2. reads: GET /api/v1/grades/:uscc, then GET /api/v1/penalties?limit=20 (after the writes drain), each warmed, same rate
 *     and time; goal: p99 ≤ 3 × baseline p99, no errors;
 *  3. writes: POST /api/v1/penalties (a new record each), stepping the rate up (10 s per step) while p99
 *     stays under 500 ms with no errors; reports the highest such rate.
 *
 * Bounded: about 2 × LOAD_SECONDS + 5 × 10 s plus seeding. Loopback only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import mongoose from 'mongoose';
import { startEmbedded } from '../src/db/embedded.js';
import { connectMongoose } from '../src/db/connection.js';
import { setLogLevel } from '../src/lib/logger.js';
import { createApiKey } from '../src/modules/auth/index.js';
import { createRecords, SYSTEM_PRINCIPAL } from '../src/modules/records/index.js';
import { runFullRegrade } from '../src/modules/grading/index.js';
import { penaltyBody, makeUscc } from '../test/support/fixtures.js';
import { spawnService, waitFor, httpStatus } from '../test/support/process.js';
import { report } from './support.js';

setLogLevel('error');

const RATE = Number(process.env.LOAD_RATE ?? 200);
const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const STEP_SECONDS = Number(process.env.LOAD_STEP_SECONDS ?? 10);
const WRITE_RATES = (process.env.LOAD_WRITE_RATES ?? '10,25,50,100,200').split(',').map(Number);
const ENTERPRISES = 300;
const PENALTIES = 1000;

interface Figures {
  requests: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
}

async function measure(opts: autocannon.Options): Promise<Figures> {
  const r = await autocannon({ connections: 20, pipelining: 1, timeout: 10, ...opts });
  return { requests: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, errors: r.errors + r.timeouts, non2xx: r.non2xx };
}

/** A bare express app answering GET /hello, in its own process like the service. */
async function startBaseline(): Promise<{ url: string; stop: () => void }> {
  const code = "import express from 'express'; const app = express(); app.get('/hello', (_q, r) => { r.json({ hello: 'world' }); }); const s = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: s.address().port })));";
  const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((res, rej) => {
    child.stdout.once('data', (b: Buffer) => res(JSON.parse(b.toString()).port));
    child.once('exit', () => rej(new Error('baseline app exited')));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-load-'));
const embedded = await startEmbedded({ dataDir: dir, binPath: process.env.FERRETDB_BIN ?? resolve('.bin/ferretdb'), dbName: 'load' });
const dbName = `load_${Date.now()}`;
const stops: (() => unknown)[] = [];
try {
  // Seed in this process, straight through the use cases: enterprises (created with their records), penalties, grades.
  await connectMongoose(embedded.uri, dbName);
  const usccs = Array.from({ length: ENTERPRISES }, (_, i) => makeUscc(300_000 + i, '440305'));
  const seed = Array.from({ length: PENALTIES }, (_, i) => penaltyBody(300_000 + (i % ENTERPRISES), { decisionNumber: `深应急罚〔2026〕L${i}号` }));
  for (let i = 0; i < seed.length; i += 500) await createRecords('penalty', seed.slice(i, i + 500), { principal: SYSTEM_PRINCIPAL, source: 'bench' });
  const regrade = await runFullRegrade({ trigger: 'cli', waitMs: 60_000 });
  const reader = (await createApiKey({ name: 'bench-reader', roles: ['regulator'] })).key;
  const clerk = (await createApiKey({ name: 'bench-clerk', roles: ['clerk'] })).key;
  await mongoose.disconnect();
  process.stdout.write(`seeded ${ENTERPRISES} enterprises, ${PENALTIES} penalties, regrade ${JSON.stringify(regrade)}\n`);

  const svc = await spawnService({
    MONGODB_URI: embedded.uri.replace(/\/[^/?]*(\?|$)/, `/${dbName}$1`),
    RATE_LIMIT_PER_MINUTE: '0',
    RATE_LIMIT_IP_PER_MINUTE: '0',
    JOBS_ENABLED: 'false',
    LOG_LEVEL: 'warn',
  });
  stops.push(() => svc.child.kill('SIGTERM'));
  await waitFor(async () => (await httpStatus(`${svc.baseUrl}/readyz`)) === 200, 60_000, 'service ready').catch((err: unknown) => {
    process.stderr.write(svc.output());
    throw err;
  });
  for (const path of [`/api/v1/grades/${usccs[0]}`, '/api/v1/penalties?limit=20']) {
    const t = Date.now();
    const r = await fetch(`${svc.baseUrl}${path}`, { headers: { 'x-api-key': reader } });
    process.stdout.write(`probe ${path}: ${r.status} in ${Date.now() - t} ms, ${(await r.text()).length} bytes\n`);
  }
  const baseline = await startBaseline();
  stops.push(baseline.stop);

  // Warm both (JIT, connection pools) before measuring.
  await measure({ url: `${baseline.url}/hello`, duration: 3, overallRate: RATE });
  const pick = () => usccs[Math.floor(Math.random() * usccs.length)];
  const readRequests: autocannon.Request[] = [
    { method: 'GET', path: '/api/v1/grades/x', setupRequest: (req) => ({ ...req, path: `/api/v1/grades/${pick()}` }) },
    { method: 'GET', path: '/api/v1/penalties?limit=20' },
  ];
  await measure({ url: svc.baseUrl, duration: 3, overallRate: RATE, headers: { 'x-api-key': reader }, requests: [readRequests[0]] });

  const base = await measure({ url: `${baseline.url}/hello`, duration: SECONDS, overallRate: RATE });
  const grades = await measure({ url: svc.baseUrl, duration: SECONDS, overallRate: RATE, headers: { 'x-api-key': reader }, requests: [readRequests[0]] });

  let n = 400_000;
  const writeRequest: autocannon.Request = {
    method: 'POST',
    path: '/api/v1/penalties',
    headers: { 'content-type': 'application/json', 'x-api-key': clerk },
    setupRequest: (req) => ({ ...req, body: JSON.stringify(penaltyBody(300_000 + (n % ENTERPRISES), { decisionNumber: `深应急罚〔2026〕W${n++}号` })) }),
  };
  /** A step holds when the rate was delivered (≥ 90 % of the requests answered), p99 < 500 ms, no errors. */
  const holds = (f: Figures, rate: number, seconds: number) => f.requests >= 0.9 * rate * seconds && f.p99 < 500 && f.errors === 0 && f.non2xx === 0;
  const steps: (Figures & { rate: number })[] = [];
  for (const rate of WRITE_RATES) {
    const f = await measure({ url: svc.baseUrl, duration: STEP_SECONDS, overallRate: rate, connections: Math.min(50, Math.max(10, rate)), requests: [writeRequest] });
    steps.push({ rate, ...f });
    if (!holds(f, rate, STEP_SECONDS)) break;
  }
  const sustained = steps.filter((s) => holds(s, s.rate, STEP_SECONDS)).pop();
  // Last: the list may not keep up, and a backlog would spoil the runs after it. The last write step may
  // leave writes queued in the service: let them drain first.
  await new Promise((r) => setTimeout(r, 5_000));
  await measure({ url: svc.baseUrl, duration: 5, overallRate: 20, headers: { 'x-api-key': reader }, requests: [readRequests[1]] });
  const lists = await measure({ url: svc.baseUrl, duration: SECONDS, overallRate: RATE, headers: { 'x-api-key': reader }, requests: [readRequests[1]] });
  const reads = { requests: grades.requests + lists.requests, p50: Math.max(grades.p50, lists.p50), p99: Math.max(grades.p99, lists.p99), max: Math.max(grades.max, lists.max), errors: grades.errors + lists.errors, non2xx: grades.non2xx + lists.non2xx };

  const row = (name: string, f: Figures, rate: number | string = RATE) => ({ run: name, rate, requests: f.requests, p50_ms: f.p50, p99_ms: f.p99, max_ms: f.max, errors: f.errors, non2xx: f.non2xx, p99_vs_baseline: (f.p99 / Math.max(1, base.p99)).toFixed(2) });
  report(`read load: ${RATE}/s for ${SECONDS} s (20 connections), service vs bare express in the same run`, [
    row('baseline express GET /hello', base),
    row('GET /api/v1/grades/:uscc', grades),
    row('GET /api/v1/penalties?limit=20', lists),
  ]);
  report(`write steps: POST /api/v1/penalties, ${STEP_SECONDS} s per step`, steps.map((s) => row(`writes @${s.rate}/s`, s, s.rate)));
  const readOk = holds(grades, RATE, SECONDS) && holds(lists, RATE, SECONDS) && reads.p99 <= 3 * Math.max(1, base.p99) && reads.errors === 0 && reads.non2xx === 0;
  process.stdout.write(
    `\nread p99 (worse of the two) ${reads.p99} ms vs baseline ${base.p99} ms = ${(reads.p99 / Math.max(1, base.p99)).toFixed(2)}× (goal ≤ 3×, zero errors): ${readOk ? 'met' : 'NOT met'}\n` +
      `highest write rate with p99 < 500 ms and no errors: ${sustained ? `${sustained.rate}/s (p99 ${sustained.p99} ms)` : `below ${WRITE_RATES[0]}/s`}\n`,
  );
  svc.child.kill('SIGTERM');
  await svc.exited;
  stops.length = 0;
  baseline.stop();
} finally {
  for (const stop of stops) stop();
  await embedded.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);

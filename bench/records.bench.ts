import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';
import mongoose from 'mongoose';
import { startBenchEnv, pool, timed, rate, report, postJson, keepAliveAgent } from './support.js';
import { penaltyBody } from '../test/support/fixtures.js';
import { csvHeader, csvLine } from '../test/support/importFiles.js';
import { RecordModel } from '../src/modules/records/index.js';
import { configureImports } from '../src/modules/imports/index.js';

const rows = () => Number(process.env.BENCH_RECORDS ?? 100_000);
const BATCH = 1000;
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

function batches(n: number, size: number, base: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < n; i += size) out.push(Array.from({ length: Math.min(size, n - i) }, (_, k) => base + i + k));
  return out;
}

/**
 * (a) Penalties through POST /api/v1/penalties/batch (1,000 per request, a few concurrent) vs a raw
 * insertMany of documents shaped exactly like the stored ones (a sample read back, re-keyed), into a
 * collection with the same indexes, same database, same concurrency. Goal: ratio ≥ 0.5.
 */
export async function benchRecords(n = rows()): Promise<void> {
  const env = await startBenchEnv('records');
  try {
    const clerk = await env.key(['clerk']);
    const api = await timed(() =>
      pool(batches(n, BATCH, 3_000_000), CONCURRENCY, async (ids) => {
        const res = await postJson(`${env.baseUrl}/api/v1/penalties/batch`, clerk, { records: ids.map((i) => penaltyBody(i)) });
        const summary = (res.body as { summary?: { created: number } }).summary;
        if (res.status !== 200 || summary?.created !== ids.length) throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
      }),
    );

    const db = mongoose.connection.db!;
    const sample = await RecordModel.collection.find({}).limit(1000).toArray();
    const raw = db.collection('records_raw');
    for (const [fields, options] of RecordModel.schema.indexes()) await raw.createIndex(fields as Record<string, 1 | -1>, options as object);
    const docs = Array.from({ length: n }, (_, i) => {
      const s = sample[i % sample.length];
      return { ...s, _id: new mongoose.Types.ObjectId(), decisionNumber: `${s.decisionNumber}#${i}` };
    });
    const ins = await timed(() => pool(batches(n, BATCH, 0), CONCURRENCY, async (ids) => void (await raw.insertMany(ids.map((i) => docs[i]), { ordered: false }))));
    const avgBytes = Math.round(JSON.stringify(sample).length / sample.length);

    report(`penalty creation: ${n} records (${BATCH} per request/insert, ${CONCURRENCY} concurrent, ~${avgBytes} B per stored document)`, [
      { path: 'POST /api/v1/penalties/batch', ms: Math.round(api.ms), rate: rate(n, api.ms) },
      { path: 'raw insertMany (same documents)', ms: Math.round(ins.ms), rate: rate(n, ins.ms) },
    ]);
    const ratio = ins.ms / api.ms;
    process.stdout.write(`ratio api/raw throughput: ${ratio.toFixed(3)} (goal ≥ 0.5: ${ratio >= 0.5 ? 'met' : 'MISSED'})\n`);
    process.stdout.write('  the API path also validates every record, derives its legal dates, creates its enterprise and writes one audit entry per record\n');
  } finally {
    await env.close();
  }
}

/** Writes a CSV of `n` penalties (Chinese label headers, UTF-8 with BOM) without holding it in memory. */
async function writeCsv(path: string, n: number, base: number): Promise<void> {
  const out = createWriteStream(path);
  const names = Object.keys(penaltyBody(0));
  out.write(`\uFEFF${csvHeader('penalty', names)}`);
  for (let i = 0; i < n; i++) {
    if (!out.write(csvLine(names, penaltyBody(base + i, { decisionDate: '2026/11/2' })))) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function uploadFile(baseUrl: string, key: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}/api/v1/imports?kind=penalties`,
      { method: 'POST', agent: keepAliveAgent, headers: { 'content-type': 'text/csv', 'content-length': statSync(path).size, 'x-api-key': key } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => (res.statusCode === 202 ? resolve((JSON.parse(text) as { id: string }).id) : reject(new Error(`upload ${res.statusCode}: ${text}`))));
      },
    );
    req.on('error', reject);
    createReadStream(path).pipe(req);
  });
}

interface ImportRun {
  rows: number;
  mb: number;
  ms: number;
  rssBase: number;
  rssPeak: number;
  heapPeak: number;
  heapBase: number;
  heapAfter: number;
  created: number;
}

async function runImport(baseUrl: string, key: string, dir: string, n: number, base: number): Promise<ImportRun> {
  const file = join(dir, `penalties-${n}.csv`);
  await writeCsv(file, n, base);
  const mb = statSync(file).size / 1024 / 1024;
  gc();
  const rssBase = process.memoryUsage().rss;
  const heapBase = process.memoryUsage().heapUsed;
  let rssPeak = rssBase;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    rssPeak = Math.max(rssPeak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 50);
  try {
    const { ms, result } = await timed(async () => {
      const id = await uploadFile(baseUrl, key, file);
      for (;;) {
        const res = await fetch(`${baseUrl}/api/v1/imports/${id}`, { headers: { 'x-api-key': key } });
        const body = (await res.json()) as { status: string; created: number; failed: number; error: string | null };
        if (body.status === 'done' || body.status === 'failed') {
          if (body.status !== 'done' || body.failed) throw new Error(`import ended ${JSON.stringify(body)}`);
          return body;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    });
    gc();
    return { rows: n, mb, ms, rssBase, rssPeak, heapPeak, heapBase, heapAfter: process.memoryUsage().heapUsed, created: result.created };
  } finally {
    clearInterval(sampler);
    rmSync(file, { force: true });
  }
}

/** A full GC, to tell retained memory from garbage V8 has not collected yet (no --expose-gc needed). */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;

/**
 * (b) Import of a generated CSV through the HTTP upload, polled to the end: rows/s and the process's
 * peak RSS. Run at a tenth of the size first: the memory growth must not follow the file size.
 */
export async function benchImport(n = rows()): Promise<void> {
  const env = await startBenchEnv('import');
  const dir = mkdtempSync(join(tmpdir(), 'bench-import-'));
  try {
    configureImports({ dataDir: dir });
    const clerk = await env.key(['clerk']);
    const small = Math.max(1000, Math.round(n / 10));
    const runs = [await runImport(env.baseUrl, clerk, dir, small, 5_000_000), await runImport(env.baseUrl, clerk, dir, n, 6_000_000)];
    // A 1,000-row file twice: the second time every row is looked up on its natural key and answers
    // unchanged (on FerretDB that lookup scans `records` once per batch, so it is kept small here).
    const once1 = await runImport(env.baseUrl, clerk, dir, 1000, 7_000_000);
    const again = await runImport(env.baseUrl, clerk, dir, 1000, 7_000_000);
    report(
      `CSV import (UTF-8, Chinese label headers, upload → done; in-process: HTTP server + import worker)`,
      [...runs, once1, again].map((r, i) => ({
        run: i === 3 ? 'same file again' : 'new rows',
        rows: r.rows,
        created: r.created,
        file: `${r.mb.toFixed(1)} MB`,
        ms: Math.round(r.ms),
        rate: rate(r.rows, r.ms),
        'rss before': mib(r.rssBase),
        'rss peak': mib(r.rssPeak),
        'rss growth': mib(r.rssPeak - r.rssBase),
        'heap peak': mib(r.heapPeak),
        'heap retained after GC': mib(r.heapAfter - r.heapBase),
      })),
    );
    const [a, b] = runs;
    process.stdout.write(`file ×${(b.mb / a.mb).toFixed(1)} → peak RSS growth ${mib(a.rssPeak - a.rssBase)} → ${mib(b.rssPeak - b.rssBase)}, heap retained after GC ${mib(a.heapAfter - a.heapBase)} → ${mib(b.heapAfter - b.heapBase)}\n`);
    process.stdout.write('  (peaks include garbage V8 collects lazily; NODE_OPTIONS=--max-old-space-size=160 bounds it and the import still completes)\n');
  } finally {
    await env.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

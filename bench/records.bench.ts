import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import v8 from 'node:v8';
import vm from 'node:vm';
import mongoose from 'mongoose';
import { startBenchEnv, pool, timed, rate, report, postJson, keepAliveAgent } from './support.js';
import { makeUscc, penaltyBody } from '../test/support/fixtures.js';
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

/**
 * Record lists right after a write (issue 14): loads LIST_RECORDS penalties of LIST_ENTERPRISES subjects over
 * nine districts and nine deciding authorities through `POST /penalties/batch`, then for each list shape
 * writes one penalty and times the list call right after it (no answer can come from a cache). A call that
 * fails (e.g. a database timeout) is reported as such. Run: `npx tsx -e "import('./bench/records.bench.ts').then((m) => m.benchRecordLists())"`.
 */
export async function benchRecordLists(): Promise<void> {
  const n = Number(process.env.LIST_RECORDS ?? 5000);
  const enterprises = Number(process.env.LIST_ENTERPRISES ?? 500);
  const repeat = Number(process.env.LIST_REPEAT ?? 3);
  const districts = ['440303', '440304', '440305', '440306', '440307', '440308', '440309', '440310', '440311'];
  const authorities = districts.map((d, i) => ({ authorityName: `深圳市${i}区应急管理局`, authorityUscc: makeUscc(900_000 + i, d) }));
  const subject = (i: number) => {
    const e = i % enterprises;
    return { uscc: makeUscc(e, districts[e % districts.length]), subjectName: `测试安全生产企业${e}有限公司` };
  };
  const date = (i: number) => new Date(Date.UTC(2025, 0, 2) + (i % 690) * 86_400_000).toISOString().slice(0, 10);
  const env = await startBenchEnv('record-lists');
  try {
    const clerk = await env.key(['clerk']);
    const regulator = await env.key(['regulator']);
    const own = await env.key(['enterprise'], subject(7).uscc);
    const load = await timed(() =>
      pool(batches(n, 500, 0), 2, async (ids) => {
        const records = ids.map((i) => penaltyBody(i, { ...subject(i), ...authorities[i % authorities.length], decisionDate: date(i), decisionNumber: `深应急罚〔L〕${i}号`, validUntil: '2028-12-31' }));
        const res = await postJson(`${env.baseUrl}/api/v1/penalties/batch`, clerk, { records });
        if (res.status !== 200) throw new Error(`batch: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      }),
    );
    let fresh = 0;
    const write = async () => {
      const i = n + fresh++;
      const res = await postJson(`${env.baseUrl}/api/v1/penalties`, clerk, penaltyBody(i, { ...subject(i), ...authorities[0], decisionNumber: `深应急罚〔LW〕${i}号` }));
      if (res.status !== 201) throw new Error(`write: ${res.status}`);
      return res.body as { id: string };
    };
    const get = async (key: string, path: string) => {
      const res = await fetch(`${env.baseUrl}/api/v1${path}`, { headers: { 'X-API-Key': key } });
      return { status: res.status, body: (await res.json()) as { items: { id: string }[]; nextCursor: string | null } };
    };
    const page1 = await get(regulator, '/penalties?limit=20');
    const shapes: { name: string; key: string; path: string }[] = [
      { name: 'newest first', key: regulator, path: '/penalties?limit=20' },
      { name: 'page 2 of newest', key: regulator, path: `/penalties?limit=20&cursor=${page1.body.nextCursor ?? ''}` },
      { name: 'by enterprise (uscc)', key: regulator, path: `/penalties?limit=20&uscc=${subject(3).uscc}` },
      { name: 'enterprise principal, own', key: own, path: '/penalties?limit=20' },
      { name: 'by district', key: regulator, path: `/penalties?limit=20&district=${districts[3]}` },
      { name: 'by authority', key: regulator, path: `/penalties?limit=20&authority=${authorities[2].authorityUscc}` },
      { name: 'by decision date range (a month)', key: regulator, path: '/penalties?limit=20&from=2025-06-01&to=2025-06-30' },
    ];
    const rows: Record<string, string | number>[] = [];
    for (const s of shapes) {
      const ms: number[] = [];
      let failed = '';
      for (let k = 0; k < repeat && !failed; k++) {
        await write();
        const { ms: took, result } = await timed(() => get(s.key, s.path));
        if (result.status !== 200) failed = `HTTP ${result.status} after ${Math.round(took)} ms`;
        else ms.push(took);
      }
      const sorted = [...ms].sort((a, b) => a - b);
      rows.push({ list: s.name, medianMs: failed || sorted[Math.floor(sorted.length / 2)].toFixed(1), maxMs: failed ? '—' : sorted[sorted.length - 1].toFixed(1) });
    }
    report(`record lists right after a write (${n} penalties, ${enterprises} enterprises; loaded in ${(load.ms / 1000).toFixed(1)} s)`, rows);
  } finally {
    await env.close();
  }
}

import http from 'node:http';
import mongoose from 'mongoose';
import { startBenchEnv, timed, rate, report } from './support.js';
import { addDays, addYears, todayInShanghai } from '../src/lib/calendar.js';
import { appendEntriesBulk, CaseModel, LedgerPageModel, LEDGER_PAGE_SIZE, unpackEntries, type LedgerEntry } from '../src/modules/dishonesty/index.js';
import { makeUscc, AUTHORITY_USCC } from '../test/support/fixtures.js';

const rows = () => Number(process.env.BENCH_EXPORT_ROWS ?? 1_000_000);
/** Case documents generated to show what scanning one document per listing would cost (a sample: they are not what exports read). */
const caseSample = () => Number(process.env.BENCH_EXPORT_CASES ?? 20_000);

/** A listing of 0–2 years ago (so on the list today), as the export ledger holds it. */
function entry(i: number, today: string): LedgerEntry {
  const start = addDays(today, -(i % 700) - 1);
  return {
    caseId: new mongoose.Types.ObjectId().toHexString(),
    span: 0,
    from: start,
    to: addDays(addYears(start, 3), -1),
    start,
    groundCode: 'abcdefghi'[i % 9],
    decisionNumber: `深应急失信决〔${start.slice(0, 4)}〕${i + 1}号`,
    decisionDate: start,
    authorityName: '深圳市应急管理局',
    authorityUscc: AUTHORITY_USCC,
    uscc: makeUscc(5_000_000 + i, '440305'),
    subjectName: `深圳市测试安全生产企业${i + 1}有限公司`,
    subjectType: '法人及非法人组织',
    persons: [],
    measures: ['M01', 'M02', 'M03', 'M04', 'M05', 'M06'],
    events: [{ type: 'listed', at: Date.parse(`${start}T02:00:00Z`) }],
  };
}

/** A case document as the procedure stores it (history, notice, decision …) for the same kind of listing. */
function caseDoc(e: LedgerEntry) {
  const at = new Date(e.events[0].at);
  const who = { by: 'apikey:bench', byName: '审核人员', at };
  return {
    _id: new mongoose.Types.ObjectId(e.caseId),
    uscc: e.uscc,
    subjectName: e.subjectName,
    subjectType: e.subjectType,
    districtCode: '440305',
    persons: [],
    groundCode: e.groundCode,
    groundText: '对重大事故隐患拒不整改，或者拒不执行责令停产停业、停止施工、停止使用相关设施设备的执法决定',
    penaltyIds: [new mongoose.Types.ObjectId().toHexString()],
    penalties: [{ id: 'x', decisionNumber: `深应急罚〔2025〕${e.decisionNumber}`, decisionDate: e.start }],
    authorityName: e.authorityName,
    authorityUscc: e.authorityUscc,
    facts: '该单位对重大事故隐患拒不整改，经责令停产停业后仍擅自组织生产。',
    status: 'listed',
    proposal: { proposedOn: e.start, ...who },
    notice: { number: `告〔${e.decisionNumber}〕`, issuedOn: e.start, reasons: '同上', basis: '第（g）项', measures: e.measures, rights: ['陈述申辩'], ...who },
    service: { servedOn: e.start, method: '直接送达', recipient: '办公室', deadline: e.start, ...who },
    waiver: null,
    objections: [],
    decision: { outcome: 'list', decidedOn: e.start, decisionNumber: e.decisionNumber, reasons: '事实清楚', objectionResponse: null, measures: e.measures, start: e.from, end: e.to, removalConditions: ['期满移出'], ruleVersion: 'MEM-11-2023', ...who },
    listing: { start: e.from, end: e.to, removedOn: null, removal: null },
    applications: [],
    spans: [{ from: e.from, to: e.to, subjectName: e.subjectName, persons: [], measures: e.measures, events: [{ type: 'listed', at }], ledger: null }],
    history: ['proposed', 'notice_issued', 'notice_served', 'listed'].map((type, seq) => ({ seq: seq + 1, type, on: e.start, note: null, ...who })),
    rev: 4,
    syncPending: false,
    lastEventAt: at,
    createdBy: 'apikey:bench',
    createdAt: at,
    updatedAt: at,
  };
}

/** Peak RSS above the level before `fn`, sampled every 20 ms (this process serves the export and reads it). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number; peakMb: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const { ms, result } = await timed(fn);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, ms, peakMb: (peak - base) / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

/** GET the export and read it to the end, counting bytes (the client keeps nothing). */
function download(url: string, key: string): Promise<{ status: number; bytes: number; exportId: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'x-api-key': key } }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, exportId: String(res.headers['x-export-id'] ?? '') }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/**
 * Exports of the serious-dishonesty list: N listings (default 1,000,000; BENCH_EXPORT_ROWS to try small
 * first) generated directly in the database in bulk, then exported through GET /api/v1/exports/dishonesty-list
 * in CSV, XLSX and JSONL, each next to a raw cursor scan of the same rows. Goals: CSV ≥ 50,000 rows/s,
 * XLSX ≥ 20,000 rows/s, peak RSS growth ≤ 100 MB.
 */
export async function benchExports(n = rows()): Promise<void> {
  const env = await startBenchEnv('exports');
  const rssAtStart = process.memoryUsage().rss;
  let rssPeak = rssAtStart;
  const overall = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
  try {
    const partner = await env.key(['partner']);
    const today = todayInShanghai();
    const gen = await timed(() =>
      appendEntriesBulk(
        (function* () {
          for (let i = 0; i < n; i++) yield entry(i, today);
        })(),
      ),
    );
    const sample = Math.min(caseSample(), n);
    const genCases = await timed(async () => {
      for (let i = 0; i < sample; i += 2000) {
        await CaseModel.collection.insertMany(Array.from({ length: Math.min(2000, sample - i) }, (_, k) => caseDoc(entry(i + k, today))) as never[], { ordered: false });
      }
    });
    process.stdout.write(`generated ${n} listings into ${gen.result} ledger pages of ${LEDGER_PAGE_SIZE} in ${Math.round(gen.ms)} ms; ${sample} case documents in ${Math.round(genCases.ms)} ms\n`);

    const raw = await withPeakRss(async () => {
      let count = 0;
      for await (const page of LedgerPageModel.collection.find({}, { projection: { z: 1, n: 1 }, batchSize: 4 })) count += page.n as number;
      return count;
    });
    if (raw.result !== n) throw new Error(`raw scan saw ${raw.result} rows, expected ${n}`);
    const inflated = await withPeakRss(async () => {
      let count = 0;
      for await (const page of LedgerPageModel.collection.find({}, { projection: { z: 1, n: 1 }, batchSize: 4 })) count += unpackEntries(page.z, page.n as number).length;
      return count;
    });
    const caseScan = await timed(async () => {
      let count = 0;
      for await (const _doc of CaseModel.collection.find({ status: 'listed' }, { batchSize: 1000 })) count++;
      return count;
    });

    const out: Record<string, string | number>[] = [
      { path: 'raw cursor scan of the ledger pages (same rows)', rows: raw.result, ms: Math.round(raw.ms), rate: rate(raw.result, raw.ms), 'vs raw': '1.00', 'peak RSS +MB': raw.peakMb.toFixed(1), MB: '' },
      { path: '  … and inflate each page to its rows', rows: inflated.result, ms: Math.round(inflated.ms), rate: rate(inflated.result, inflated.ms), 'vs raw': (raw.ms / inflated.ms).toFixed(2), 'peak RSS +MB': inflated.peakMb.toFixed(1), MB: '' },
    ];
    const goals: Record<string, number> = { csv: 50_000, xlsx: 20_000, jsonl: 50_000 };
    const verdicts: string[] = [];
    for (const format of ['csv', 'xlsx', 'jsonl'] as const) {
      const r = await withPeakRss(() => download(`${env.baseUrl}/api/v1/exports/dishonesty-list?format=${format}&asOf=${today}`, partner));
      if (r.result.status !== 200) throw new Error(`export ${format}: HTTP ${r.result.status}`);
      const manifest = (await mongoose.connection.db!.collection('exports').findOne({ _id: new mongoose.Types.ObjectId(r.result.exportId) }))!;
      if (manifest.rowCount !== n || manifest.bytes !== r.result.bytes) throw new Error(`export ${format}: manifest ${manifest.rowCount} rows / ${manifest.bytes} B, read ${r.result.bytes} B`);
      const perSec = (n / r.ms) * 1000;
      out.push({
        path: `GET /api/v1/exports/dishonesty-list?format=${format}`,
        rows: n,
        ms: Math.round(r.ms),
        rate: rate(n, r.ms),
        'vs raw': (raw.ms / r.ms).toFixed(2),
        'peak RSS +MB': r.peakMb.toFixed(1),
        MB: (r.result.bytes / 1024 / 1024).toFixed(1),
      });
      verdicts.push(`${format}: ${perSec.toFixed(0)} rows/s (goal ≥ ${goals[format]}: ${perSec >= goals[format] ? 'met' : 'MISSED'}), peak RSS +${r.peakMb.toFixed(1)} MB (goal ≤ 100: ${r.peakMb <= 100 ? 'met' : 'MISSED'})`);
    }
    out.push({ path: `reference: raw scan of one case document per listing (${sample} sample)`, rows: caseScan.result, ms: Math.round(caseScan.ms), rate: rate(caseScan.result, caseScan.ms), 'vs raw': '', 'peak RSS +MB': '', MB: '' });
    report(`serious-dishonesty list export: ${n} rows (asOf ${today}), ${mongoose.connection.db!.databaseName}`, out);
    for (const v of verdicts) process.stdout.write(`${v}\n`);
    process.stdout.write('  each export: ledger pages → rows → CSV/XLSX/JSONL → sha256 → HTTP response, with backpressure; manifest + audit entry recorded\n');
    process.stdout.write(`  process RSS: ${(rssAtStart / 1048576).toFixed(0)} MB at start, ${(rssPeak / 1048576).toFixed(0)} MB at the peak of the whole run (generation included); server and client share this process\n`);
  } finally {
    clearInterval(overall);
    await env.close();
  }
}

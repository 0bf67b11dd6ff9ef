/**
 * Exports of the list for partner departments (联合惩戒): who was on it on a day (`asOf`, from the dated
 * stretches), or what changed in a time window (`since`/`until`: additions, removals, changes, each with
 * its type and time). CSV (UTF-8 with BOM for Excel, formula cells escaped), XLSX (exceljs's streaming
 * WorkbookWriter) or JSONL — streamed from the ledger a page at a time with backpressure, so memory does
 * not grow with the list. Every export leaves a manifest (query, who, when, row count, bytes, sha256 of
 * exactly the bytes written) and an audit entry; a daily job writes the day's full and delta files.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import mongoose from 'mongoose';
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../../http/errors.js';
import { currentRequestId } from '../../lib/context.js';
import { logger } from '../../lib/logger.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { todayInShanghai, type LegalDate } from '../../lib/calendar.js';
import { recordAudit } from '../audit/index.js';
import type { Principal } from '../auth/index.js';
import { SYSTEM_PRINCIPAL } from '../records/index.js';
import { CaseModel, ExportModel, LedgerPageModel, type ExportDoc } from './model.js';
import { RowContext, cellsOf, columnsFor, decodeEntry, jsonLine, rowsOfEntry, unmaskRows, type ExportRow, type RowQuery } from './rows.js';
import { unpackEntries } from './ledger.js';
import { dishonestyRules, type DishonestyRules, type ExportFormat } from './rules.js';

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  jsonl: 'application/x-ndjson; charset=utf-8',
};

export interface ExportRequest {
  format: ExportFormat;
  asOf?: LegalDate;
  since?: Date;
  until?: Date;
}

type Lean = ExportDoc & { _id: mongoose.Types.ObjectId };

export function presentManifest(doc: Lean) {
  const id = String(doc._id);
  return {
    id,
    kind: doc.kind,
    format: doc.format,
    mode: doc.mode,
    query: doc.mode === 'asOf' ? { asOf: doc.query.asOf } : { since: doc.query.since, until: doc.query.until },
    status: doc.status,
    rowCount: doc.rowCount,
    bytes: doc.bytes,
    sha256: doc.sha256,
    fileName: doc.fileName,
    file: doc.path && doc.status === 'complete' ? `/api/v1/exports/${id}/file` : null,
    origin: doc.origin,
    principal: { id: doc.principalId, name: doc.principalName, roles: doc.roles },
    requestId: doc.requestId,
    error: doc.error,
    startedAt: doc.startedAt,
    completedAt: doc.completedAt,
  };
}
export type Manifest = ReturnType<typeof presentManifest>;

const stamp = (d: Date) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

export function exportFileName(format: ExportFormat, q: RowQuery): string {
  return 'asOf' in q ? `dishonesty-list_asof-${q.asOf}.${format}` : `dishonesty-list_delta_${stamp(q.since)}_${stamp(q.until)}.${format}`;
}

// ---------------------------------------------------------------------------------------------
// Rows from the ledger

/**
 * Iterates `source` while fetching up to `depth` items ahead (one fetch at a time, in order): the
 * database reads the next pages while this process turns the current one into bytes.
 */
export async function* readAhead<T>(source: AsyncIterable<T>, depth = 2): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let chain: Promise<unknown> = Promise.resolve();
  const queue: Promise<IteratorResult<T>>[] = [];
  const fetchNext = () => {
    const p = chain.then(() => it.next());
    p.catch(() => undefined); // rejections reach the consumer that awaits this fetch
    chain = p.catch(() => undefined);
    queue.push(p);
  };
  try {
    for (let i = 0; i < depth; i++) fetchNext();
    for (;;) {
      const r = await queue.shift()!;
      if (r.done) return;
      fetchNext();
      yield r.value;
    }
  } finally {
    await chain;
    await it.return?.();
  }
}

/** Row batches (one per ledger page) answering the query; a delta reads only pages changed since `since`. */
export async function* ledgerRows(q: RowQuery, rules: DishonestyRules = dishonestyRules()): AsyncGenerator<ExportRow[]> {
  const filter = 'asOf' in q ? {} : { changedAt: { $gt: q.since } };
  const ctx = new RowContext(rules);
  const cursor = LedgerPageModel.collection.find(filter, { projection: { z: 1, n: 1 }, batchSize: 4 });
  try {
    for await (const page of readAhead(cursor, 2)) {
      const rows: ExportRow[] = [];
      for (const s of unpackEntries(page.z, page.n as number)) {
        const e = decodeEntry(s);
        if (e) rowsOfEntry(e, q, ctx, rows);
      }
      if (rows.length) yield rows;
    }
  } finally {
    await cursor.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Serialisation with backpressure

/** Counts and hashes exactly the bytes that pass (what the reader receives). */
class Digest extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

class OutputClosed extends Error {
  constructor() {
    super('export output closed before the end');
    this.name = 'OutputClosed';
  }
}

/** Resolves when `s` may take more (drain), rejects when it closed instead. */
function drained(s: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new OutputClosed());
    };
    const cleanup = () => {
      s.off('drain', onDrain);
      s.off('close', onClose);
    };
    s.on('drain', onDrain);
    s.on('close', onClose);
  });
}

async function put(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed) throw new OutputClosed();
  if (!out.write(chunk)) await drained(out);
}

interface Serializer {
  begin(): Promise<void>;
  rows(batch: ExportRow[]): Promise<void>;
  /** Ends the output. */
  end(): Promise<void>;
}

const CSV_OPTIONS = { escape_formulas: true, record_delimiter: 'windows' as const };

/** CSV for Excel: UTF-8 BOM, CRLF, Chinese headers; cells starting with = + - @ tab or CR are prefixed with ' (formula injection). */
function csvSerializer(out: Writable, q: RowQuery): Serializer {
  const columns = columnsFor(q);
  return {
    begin: () => put(out, '\uFEFF' + stringify([columns.map((c) => c.label)], CSV_OPTIONS)),
    rows: (batch) => put(out, stringify(batch.map((r) => cellsOf(r, columns)), CSV_OPTIONS)),
    end: async () => void out.end(),
  };
}

function jsonlSerializer(out: Writable): Serializer {
  return {
    begin: async () => undefined,
    rows: (batch) => put(out, batch.map(jsonLine).join('\n') + '\n'),
    end: async () => void out.end(),
  };
}

/**
 * XLSX through exceljs's streaming WorkbookWriter (inline strings, no styles, fast deflate). The writer
 * does not pass backpressure from its zip stream to its callers, so after each batch this waits while
 * the output, or the zip entry the sheet streams into, holds more than its high-water mark.
 */
const XLSX_BACKLOG_BYTES = 1 << 20;

function xlsxSerializer(out: Writable, q: RowQuery): Serializer {
  const columns = columnsFor(q);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: false, useSharedStrings: false, zip: { zlib: { level: 1 } } } as ConstructorParameters<typeof ExcelJS.stream.xlsx.WorkbookWriter>[0]);
  const ws = wb.addWorksheet('严重失信主体名单');
  // The sheet's XML goes through a buffer (exceljs StreamBuf) into a zip entry stream (readable-stream 2,
  // which has no writableNeedDrain): its queued bytes are `_writableState.length`, and it emits 'drain'.
  const sheetSink = () => (ws as unknown as { stream?: { pipes?: (Writable & { _writableState?: { length: number } })[] } }).stream?.pipes?.[0];
  const settle = async () => {
    for (;;) {
      if (out.destroyed) throw new OutputClosed();
      const sink = sheetSink();
      if (out.writableNeedDrain) await drained(out);
      else if (sink && (sink._writableState?.length ?? 0) > XLSX_BACKLOG_BYTES) await drained(sink);
      else return;
    }
  };
  return {
    begin: async () => ws.addRow(columns.map((c) => c.label)).commit(),
    rows: async (batch) => {
      for (const r of batch) ws.addRow(cellsOf(r, columns)).commit();
      await settle();
    },
    end: async () => {
      ws.commit();
      await wb.commit();
    },
  };
}

function serializerFor(format: ExportFormat, out: Writable, q: RowQuery): Serializer {
  return format === 'csv' ? csvSerializer(out, q) : format === 'xlsx' ? xlsxSerializer(out, q) : jsonlSerializer(out);
}

// ---------------------------------------------------------------------------------------------
// Running an export

export interface ExportContext {
  principal: Pick<Principal, 'id' | 'name' | 'roles' | 'fullIdNumbers'>;
  origin: ExportDoc['origin'];
  ip?: string;
  /** Where a job or CLI export is written (kept in the manifest). */
  path?: string;
  /** Called once the manifest exists, before the first byte (HTTP: the response headers). */
  onStart?: (m: Manifest) => void;
  /**
   * Files: called after the output was ended, before the manifest says complete (the atomic rename).
   * Without it (HTTP) the manifest and audit entry are complete before the response ends, so a client
   * that read the last byte finds them.
   */
  beforeComplete?: () => Promise<void>;
}

export function rowQueryOf(req: ExportRequest, now = new Date()): RowQuery {
  if (req.since) return { since: req.since, until: req.until ?? now };
  return { asOf: req.asOf ?? todayInShanghai(now) };
}

async function endOutput(dest: Writable): Promise<void> {
  dest.end();
  await finished(dest);
}

async function updateManifest(id: mongoose.Types.ObjectId, set: Partial<ExportDoc>): Promise<Lean> {
  return (await ExportModel.findOneAndUpdate({ _id: id }, { $set: set }, { new: true }).lean()) as Lean;
}

/** Replaces masked ID numbers in a batch by the full ones of the cases' persons (read once per case). */
async function unmaskBatch(batch: ExportRow[], cache: Map<string, { name: string; idNumber: string }[]>): Promise<number> {
  const missing = [...new Set(batch.filter((r) => r.idNumber && !cache.has(r.listingId)).map((r) => r.listingId))];
  const docs = await Promise.all(missing.map((id) => CaseModel.findById(id, { persons: 1 }).lean()));
  missing.forEach((id, i) => cache.set(id, (docs[i]?.persons ?? []).map((p) => ({ name: p.name, idNumber: p.idNumber }))));
  return unmaskRows(batch, (id) => cache.get(id) ?? []);
}

/** Streams one export into `dest` and records its manifest. Returns the completed manifest. */
export async function runExport(req: ExportRequest, dest: Writable, ctx: ExportContext): Promise<Manifest> {
  const rules = dishonestyRules();
  const q = rowQueryOf(req);
  const created = await ExportModel.create({
    kind: 'dishonesty-list',
    format: req.format,
    mode: 'asOf' in q ? 'asOf' : 'delta',
    query: 'asOf' in q ? { asOf: q.asOf } : { since: q.since, until: q.until },
    status: 'running',
    rowCount: 0,
    bytes: 0,
    sha256: null,
    fileName: exportFileName(req.format, q),
    path: ctx.path ?? null,
    origin: ctx.origin,
    principalId: ctx.principal.id,
    principalName: ctx.principal.name,
    roles: [...ctx.principal.roles],
    requestId: currentRequestId() ?? null,
    error: null,
    startedAt: new Date(),
    completedAt: null,
  });
  const manifest = created.toObject() as Lean;
  ctx.onStart?.(presentManifest(manifest));

  const digest = new Digest();
  const piping = pipeline(digest, dest, { end: false });
  piping.catch(() => undefined); // awaited below; this only keeps an early failure from being "unhandled"
  const serializer = serializerFor(req.format, digest, q);
  let rowCount = 0;
  // Partners under a data-sharing agreement (key attribute fullIdNumbers) receive full ID numbers of listed persons; each such export says so in its audit entry.
  let unmasked = 0;
  const personsCache = new Map<string, { name: string; idNumber: string }[]>();
  const full = ctx.principal.fullIdNumbers === true;
  const auditEntry = (outcome: 'success' | 'failure', detail: Record<string, unknown>) =>
    recordAudit({ action: full ? 'export.dishonestyList.fullIdNumbers' : 'export.dishonestyList', resource: 'export', resourceId: String(manifest._id), outcome, principal: ctx.principal, ip: ctx.ip, detail: { format: req.format, origin: ctx.origin, query: manifest.query, ...(full ? { fullIdNumbers: true, unmasked } : {}), ...detail } });
  try {
    await serializer.begin();
    for await (const batch of ledgerRows(q, rules)) {
      rowCount += batch.length;
      if (ctx.principal.fullIdNumbers) unmasked += await unmaskBatch(batch, personsCache);
      await serializer.rows(batch);
    }
    await serializer.end();
    await piping;
    if (ctx.beforeComplete) {
      await endOutput(dest);
      await ctx.beforeComplete();
    }
  } catch (err) {
    digest.destroy();
    const message = err instanceof OutputClosed || (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' ? '接收方中断了下载' : (err as Error).message;
    await updateManifest(manifest._id, { status: 'failed', rowCount, bytes: digest.bytes, error: message, completedAt: new Date() }).catch(() => undefined);
    await auditEntry('failure', { rowCount, error: message }).catch(() => undefined);
    logger.warn('export failed', { exportId: String(manifest._id), rowCount, error: message });
    throw err;
  }
  const sha256 = digest.hash.digest('hex');
  const done = await updateManifest(manifest._id, { status: 'complete', rowCount, bytes: digest.bytes, sha256, completedAt: new Date() });
  await auditEntry('success', { rowCount, bytes: digest.bytes, sha256 });
  if (!ctx.beforeComplete) await endOutput(dest);
  return presentManifest(done);
}

/** An export into a file: written beside its final name, renamed when complete, with its manifest as `<file>.manifest.json`. */
export async function exportToFile(req: ExportRequest, path: string, ctx: Omit<ExportContext, 'path' | 'beforeComplete' | 'onStart'>): Promise<Manifest> {
  const part = `${path}.part`;
  const manifest = await runExport(req, createWriteStream(part), { ...ctx, path, beforeComplete: () => rename(part, path) });
  await writeFile(`${path}.manifest.json`, `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

// ---------------------------------------------------------------------------------------------
// Manifests

/** Administrators and regulators see every manifest; others their own and the daily job's. */
function manifestFilter(p: Principal): Record<string, unknown> {
  if (p.roles.some((r) => r === 'admin' || r === 'regulator')) return {};
  return { $or: [{ principalId: p.id }, { origin: 'job' }] };
}

async function findManifest(id: string, p: Principal): Promise<Lean> {
  if (!mongoose.isValidObjectId(id)) throw AppError.notFound('导出记录不存在');
  const doc = (await ExportModel.findOne({ $and: [{ _id: new mongoose.Types.ObjectId(id) }, manifestFilter(p)] }).lean()) as Lean | null;
  if (!doc) throw AppError.notFound('导出记录不存在');
  return doc;
}

export async function getManifest(id: string, p: Principal): Promise<Manifest> {
  return presentManifest(await findManifest(id, p));
}

export async function listManifests(q: PageRequest & { origin?: ExportDoc['origin'] }, p: Principal) {
  const and: Record<string, unknown>[] = [manifestFilter(p)];
  if (q.origin) and.push({ origin: q.origin });
  const page = await paginate(ExportModel, { $and: and }, q, { field: '_id', order: -1 });
  return { items: page.items.map((d) => presentManifest(d as Lean)), nextCursor: page.nextCursor };
}

/** The stored file of a job/CLI export, for download; its bytes are checked against the manifest's size. */
export async function exportFile(id: string, p: Principal): Promise<{ manifest: Manifest; stream: NodeJS.ReadableStream; bytes: number }> {
  const doc = await findManifest(id, p);
  if (!doc.path || doc.status !== 'complete') throw AppError.notFound('该导出没有可下载的文件（仅定时任务和命令行导出保存文件）');
  const size = await stat(doc.path).then((s) => s.size).catch(() => -1);
  if (size !== doc.bytes) throw new AppError('EXPORT_FILE_MISSING', 410, '导出文件已不存在或已被改动，请重新导出');
  return { manifest: presentManifest(doc), stream: createReadStream(doc.path), bytes: size };
}

// ---------------------------------------------------------------------------------------------
// The daily files

/**
 * Writes the day's full list (asOf today) and the delta since the previous daily delta (up to now minus
 * the settle margin, so changes still being written are left for the next day) in each configured format,
 * under `<dir>/dishonesty-list/<today>/`. Files already written today are not written again.
 */
export async function writeDailyExports(today: LegalDate, dir: string, now = new Date()): Promise<Manifest[]> {
  const rules = dishonestyRules();
  const until = new Date(now.getTime() - rules.dailyExport.settleSeconds * 1000);
  const dayDir = join(dir, 'dishonesty-list', today);
  await mkdir(dayDir, { recursive: true });
  const ctx = { principal: SYSTEM_PRINCIPAL, origin: 'job' as const };
  const out: Manifest[] = [];
  for (const format of rules.dailyExport.formats) {
    const full = await ExportModel.findOne({ origin: 'job', mode: 'asOf', format, 'query.asOf': today, status: 'complete' }, { _id: 1 }).lean();
    if (!full) out.push(await exportToFile({ format, asOf: today }, join(dayDir, exportFileName(format, { asOf: today })), ctx));
    const last = await ExportModel.findOne({ origin: 'job', mode: 'delta', format, status: 'complete' }).sort({ 'query.until': -1 }).lean();
    const since = last?.query.until ? new Date(last.query.until) : new Date(until.getTime() - 24 * 3600_000);
    if (since < until) out.push(await exportToFile({ format, since, until }, join(dayDir, exportFileName(format, { since, until })), ctx));
  }
  return out;
}

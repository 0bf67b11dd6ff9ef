/**
 * Bulk import (批量导入) of permits, penalties and the enterprise roster (企业名录): the file is streamed to
 * DATA_DIR/imports/<id>, then processed in the background of this process — counted and checked first
 * (nothing is created from a file that is too long or unreadable), then read again and fed in batches to
 * the same use case as the batch endpoints (createRecords, createEnterprises), so every row is validated and
 * idempotent on its natural key (决定机关 + 决定文书号; the USCC).
 *
 * Crash safety without transactions: each batch ends with ONE update of the import document (counters
 * and the checkpoint `lastRow`) under this instance's lease. An import whose lease expired (its process
 * died) is resumed after its checkpoint by resumeImports(); rows of a batch cut short are created again
 * idempotently (they answer `unchanged`).
 */
import { isDuplicateKey } from '../../db/errors.js';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, basename } from 'node:path';
import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import mongoose from 'mongoose';
import { stringify } from 'csv-stringify';
import { loadConfig } from '../../config.js';
import { AppError, toAppError, type ErrorDetail } from '../../http/errors.js';
import { logger } from '../../lib/logger.js';
import { requestContext } from '../../lib/context.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { auditId, recordAudit, recordAudits, writerPrincipal, type AuditInput } from '../audit/index.js';
import type { Principal } from '../auth/index.js';
import { createRecords } from '../records/index.js';
import { createEnterprises } from '../enterprises/index.js';
import { IMPORT_KIND_LABEL, IMPORT_KIND_PATH, importTable, kindOfParam, type ImportKind, type ImportKindParam } from './kinds.js';
import { ImportClaimModel, ImportErrorModel, ImportModel, type ImportColumn, type ImportDoc, type ImportErrorDoc, type ImportFormat, type ImportStatus } from './model.js';
import { FileInspector, FileTooLarge, ImportFileError, RowMapper, formatProblem, readSource, type MappedRow, type SourceItem } from './parse.js';
import { insertNew } from '../../db/bulk.js';

/** Most data rows one import accepts (the limit); a longer file fails before anything is created. */
export const IMPORT_MAX_ROWS = 100_000;

export interface ImportSettings {
  /** Uploads are stored under <dataDir>/imports. */
  dataDir: string;
  /** Largest file accepted (bytes). */
  maxBytes: number;
  /** Rows per batch (one createRecords / createEnterprises call). */
  batchSize: number;
  /** Batches in flight per import (the next batch is read while the previous is stored). */
  concurrency: number;
}

let settings: ImportSettings | undefined;

/** Sets where uploads go and the limits (server.ts and the CLI from the config; tests directly). */
export function configureImports(s: Partial<ImportSettings> & { dataDir: string }): void {
  settings = { maxBytes: 200 * 1024 * 1024, batchSize: 500, concurrency: 2, ...s };
}

function current(): ImportSettings {
  if (!settings) {
    const config = loadConfig();
    configureImports({ dataDir: config.dataDir, maxBytes: config.importMaxBytes });
  }
  return settings!;
}

// ---------------------------------------------------------------------------------------------
// Leases: which instance processes which import

const LEASE_MS = 60_000;
const HEARTBEAT_MS = 15_000;
const instanceId = `${hostname()}/${process.pid}/${randomBytes(3).toString('hex')}`;
/** Imports this instance holds a lease on (queued here or running). */
const owned = new Set<string>();
/**
 * The import running here. Only its own sequential flow writes its document (progress and lease), so
 * its counters and checkpoint move in order.
 */
let active: string | undefined;
let heartbeat: NodeJS.Timeout | undefined;
let queue: Promise<void> = Promise.resolve();
let stopping = false;

const leaseUntil = () => new Date(Date.now() + LEASE_MS);

function own(id: string): void {
  owned.add(id);
  heartbeat ??= setInterval(() => {
    const waiting = [...owned].filter((x) => x !== active);
    if (waiting.length === 0) return;
    ImportModel.updateMany({ _id: { $in: waiting }, leaseOwner: instanceId }, { $set: { leaseUntil: leaseUntil() } }, { timestamps: false }).catch((err: unknown) =>
      logger.warn('import lease renewal failed', { err }),
    );
  }, HEARTBEAT_MS).unref();
}

/** Renews the running import's lease from its own flow (at most every HEARTBEAT_MS). */
function leaseRenewer(id: string): () => Promise<void> {
  let last = Date.now();
  return async () => {
    if (Date.now() - last < HEARTBEAT_MS) return;
    last = Date.now();
    const res = await ImportModel.updateOne({ _id: id, leaseOwner: instanceId }, { $set: { leaseUntil: leaseUntil() } }, { timestamps: false });
    if (res.matchedCount === 0) throw new LeaseLost();
  };
}

function disown(id: string): void {
  owned.delete(id);
  if (owned.size === 0 && heartbeat) {
    clearInterval(heartbeat);
    heartbeat = undefined;
  }
}

class LeaseLost extends Error {}

/** Runs imports of this instance one after another, in the background. */
function enqueue(id: string): void {
  own(id);
  queue = queue
    .then(() => runImport(id))
    .then(
      () => undefined,
      (err: unknown) => void logger.error('import run failed', { err, importId: id }),
    );
}

// ---------------------------------------------------------------------------------------------
// Creating an import: store the upload, then queue it

export interface NewImport {
  kind: ImportKind;
  format: ImportFormat;
  fileName?: string | null;
  /** The file's bytes (the request itself, or a file stream for the CLI). */
  source: Readable;
  /** Declared size (Content-Length), checked before reading. */
  declaredBytes?: number;
  principal: Principal;
  origin: 'api' | 'cli';
  ip?: string;
  requestId?: string;
}

function tooLarge(limit: number): AppError {
  const mb = limit >= 1024 * 1024 ? `${Math.round((limit / 1024 / 1024) * 10) / 10} MB` : `${limit} 字节`;
  return new AppError('PAYLOAD_TOO_LARGE', 413, `文件超过大小上限（${mb}）`, [], { Connection: 'close' });
}

const invalidFile = (message: string) => new AppError('INVALID_FILE', 400, message, [{ path: 'body', message }]);

/**
 * Streams the file to DATA_DIR/imports/<id> (never held in memory), learning its size, sha256 and text
 * encoding on the way; records the import (queued, leased by this instance) and audits it.
 */
export async function createImport(input: NewImport): Promise<ImportDoc & { _id: mongoose.Types.ObjectId }> {
  const { maxBytes, dataDir } = current();
  if (input.declaredBytes !== undefined && input.declaredBytes > maxBytes) throw tooLarge(maxBytes);
  const id = new mongoose.Types.ObjectId();
  const dir = join(dataDir, 'imports');
  await mkdir(dir, { recursive: true });
  const filePath = join(dir, String(id));
  const inspector = new FileInspector(maxBytes);
  try {
    await pipeline(input.source, inspector, createWriteStream(filePath, { flags: 'wx' }));
  } catch (err) {
    await rm(filePath, { force: true });
    if (err instanceof FileTooLarge) throw tooLarge(maxBytes);
    if ((err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as { code?: string }).code === 'ECONNRESET') {
      throw new AppError('UPLOAD_ABORTED', 400, '上传中断，文件不完整');
    }
    throw err;
  }
  const file = inspector.result();
  const problem = formatProblem(input.format, file.head, file.bytes);
  if (problem) {
    await rm(filePath, { force: true });
    throw invalidFile(problem);
  }
  const previous = await ImportModel.findOne({ sha256: file.sha256, kind: input.kind }, { _id: 1 }).sort({ _id: -1 }).lean();
  const p = input.principal;
  const doc = await ImportModel.create({
    _id: id,
    kind: input.kind,
    format: input.format,
    encoding: input.format === 'xlsx' ? null : file.encoding,
    fileName: input.fileName ?? null,
    filePath,
    bytes: file.bytes,
    sha256: file.sha256,
    previousImportId: previous ? String(previous._id) : null,
    status: 'queued',
    principal: { id: p.id, name: p.name, roles: p.roles, scope: p.scope ?? [], ...(p.uscc ? { uscc: p.uscc } : {}), via: p.via },
    origin: input.origin,
    ip: input.ip ?? null,
    requestId: input.requestId ?? null,
    leaseOwner: instanceId,
    leaseUntil: leaseUntil(),
  });
  own(String(id));
  await recordAudits([creationAudit(doc.toObject(), { principal: p, ip: input.ip })]);
  return doc.toObject();
}

/**
 * The import's one `import.create` entry (its `_id` derives from the import's): written when the upload is
 * stored, and again — a no-op unless a crash came in between — each time the import is run or resumed.
 */
function creationAudit(doc: ImportDoc & { _id: mongoose.Types.ObjectId }, by: { principal?: Principal; ip?: string }, completes = false): AuditInput {
  return {
    id: auditId(`import:${String(doc._id)}:create`),
    at: doc.createdAt,
    action: 'import.create',
    resource: 'import',
    resourceId: String(doc._id),
    principal: writerPrincipal(doc.principal.id, by.principal ?? doc.principal),
    ip: by.ip ?? doc.ip ?? undefined,
    after: { kind: doc.kind, format: doc.format, encoding: doc.encoding, fileName: doc.fileName, bytes: doc.bytes, sha256: doc.sha256, previousImportId: doc.previousImportId },
    completes,
  };
}

/** Queues an import created by this instance for background processing. */
export function startImport(id: string): void {
  if (!stopping) enqueue(id);
}

/** The CLI: imports a local file with the same code as an upload, in this process, reporting progress. */
export async function importFile(path: string, kind: ImportKind, format: ImportFormat, principal: Principal, onProgress?: (p: ImportProgress) => void) {
  const doc = await createImport({ kind, format, fileName: basename(path), source: createReadStream(path), principal, origin: 'cli' });
  return runImport(String(doc._id), onProgress);
}

// ---------------------------------------------------------------------------------------------
// Processing

/** How far an import has got: its document's status and counters. */
export type ImportProgress = Pick<ImportDoc, 'status' | 'rowsTotal' | 'rowsRead' | 'created' | 'unchanged' | 'completed' | 'failed' | 'enterprisesCreated'>;

/** An import's row and enterprise counters as stored (counters added later default to 0). */
function countersOf(doc: Omit<ImportProgress, 'status'>): Omit<ImportProgress, 'status'> {
  return {
    rowsTotal: doc.rowsTotal,
    rowsRead: doc.rowsRead,
    created: doc.created,
    unchanged: doc.unchanged,
    completed: doc.completed ?? 0,
    failed: doc.failed,
    enterprisesCreated: doc.enterprisesCreated ?? 0,
  };
}

type Lean = ImportDoc & { _id: mongoose.Types.ObjectId };

/** Counts data rows (checking the header and the file's structure on the way). */
async function countRows(doc: Lean): Promise<number> {
  const mapper = new RowMapper(doc.kind);
  const renew = leaseRenewer(String(doc._id));
  let rows = 0;
  let header = doc.format === 'jsonl';
  for await (const item of readSource(doc.filePath, doc.format, doc.encoding)) {
    if (stopping) throw new Stopped();
    if (rows % 5000 === 0) await renew();
    if (item.type === 'header') {
      mapper.setHeader(item.headers);
      header = true;
      continue;
    }
    if (++rows > IMPORT_MAX_ROWS) {
      throw new ImportFileError(`文件的数据行超过单次导入上限 ${IMPORT_MAX_ROWS} 行（不含表头），未导入任何记录；请拆分为多个文件分别导入`);
    }
  }
  if (!header) throw new ImportFileError('文件中没有表头，也没有数据');
  return rows;
}

class Stopped extends Error {}

interface BatchOutcome {
  rows: number;
  lastRow: number;
  created: number;
  unchanged: number;
  completed: number;
  failed: number;
  enterprisesCreated: number;
  errors: ImportErrorDoc[];
}

/** A row's outcome as an import counts it; a refused row's problems by field. */
type RowOutcome = { status: 'created' | 'unchanged' | 'completed' } | { status: 'error'; details: ErrorDetail[] };

/** Stores inputs through the use case of the import's kind, the batch endpoints' own. */
async function storeInputs(kind: ImportKind, inputs: Record<string, unknown>[], ctx: { principal: Principal; ip?: string; source: string }): Promise<{ outcomes: RowOutcome[]; enterprisesCreated: number }> {
  if (kind === 'enterprise') {
    // A conflict names the differing cells (and the USCC's, with the route that changes an enterprise).
    const results = await createEnterprises(inputs, ctx);
    return { outcomes: results.map((r) => (r.status === 'error' ? { status: 'error', details: r.details } : r)), enterprisesCreated: 0 };
  }
  const results = await createRecords(kind, inputs, ctx);
  return {
    outcomes: results.map((r) => (r.status !== 'error' ? r : { status: 'error', details: r.code === 'CONFLICT' ? [{ path: 'decisionNumber', message: r.message }] : r.details })),
    enterprisesCreated: results.enterprisesCreated.length,
  };
}

/** One batch through its kind's use case; problems become one error document per row. */
async function storeBatch(doc: Lean, mapper: RowMapper, rows: MappedRow[]): Promise<BatchOutcome> {
  const out: BatchOutcome = { rows: rows.length, lastRow: rows[rows.length - 1].row, created: 0, unchanged: 0, completed: 0, failed: 0, enterprisesCreated: 0, errors: [] };
  const importId = doc._id;
  const ready = rows.filter((r) => r.problems.length === 0);
  for (const r of rows) {
    if (r.problems.length) {
      out.failed++;
      out.errors.push({ importId, row: r.row, problems: r.problems });
    }
  }
  if (ready.length === 0) return out;
  const { outcomes, enterprisesCreated } = await storeInputs(
    doc.kind,
    ready.map((r) => r.input),
    { principal: doc.principal as Principal, ip: doc.ip ?? undefined, source: `import:${String(importId)}` },
  );
  out.enterprisesCreated = enterprisesCreated;
  outcomes.forEach((res, i) => {
    if (res.status !== 'error') out[res.status]++;
    else {
      out.failed++;
      out.errors.push({ importId, row: ready[i].row, problems: mapper.problems(ready[i], res.details) });
    }
  });
  return out;
}

async function processRows(doc: Lean, progress: ImportProgress, onProgress?: (p: ImportProgress) => void): Promise<{ stopped: boolean; columns: ImportColumn[] }> {
  const { batchSize, concurrency } = current();
  const mapper = new RowMapper(doc.kind);
  let columns: ImportColumn[] = doc.columns ?? [];
  const inFlight: Promise<{ ok?: BatchOutcome; err?: unknown }>[] = [];

  // Set once a batch could not be committed: the batches after it are not committed either, so the checkpoint
  // never passes a batch that was not stored (a resumed run stores it and those after it again, idempotently).
  let broken = false;
  const commit = async () => {
    const r = await inFlight.shift()!;
    if (broken) return;
    try {
      await commitBatch(r);
    } catch (err) {
      broken = true;
      throw err;
    }
  };
  const commitBatch = async (r: { ok?: BatchOutcome; err?: unknown }) => {
    if (r.err) throw r.err;
    const o = r.ok!;
    if (o.errors.length) {
      // Rows already reported by an interrupted run of the same batch are kept as they are.
      await insertNew(ImportErrorModel.collection, o.errors);
    }
    const res = await ImportModel.updateOne(
      { _id: doc._id, leaseOwner: instanceId },
      { $inc: { rowsRead: o.rows, created: o.created, unchanged: o.unchanged, completed: o.completed, failed: o.failed, enterprisesCreated: o.enterprisesCreated }, $set: { lastRow: o.lastRow, leaseUntil: leaseUntil() } },
    );
    if (res.matchedCount === 0) throw new LeaseLost();
    progress.rowsRead += o.rows;
    progress.created += o.created;
    progress.unchanged += o.unchanged;
    progress.completed += o.completed;
    progress.failed += o.failed;
    progress.enterprisesCreated += o.enterprisesCreated;
    onProgress?.({ ...progress });
  };
  const submit = async (rows: MappedRow[]) => {
    inFlight.push(storeBatch(doc, mapper, rows).then((ok) => ({ ok }), (err: unknown) => ({ err })));
    if (inFlight.length >= concurrency) await commit();
  };

  let stopped = false;
  let batch: MappedRow[] = [];
  try {
    for await (const item of readSource(doc.filePath, doc.format, doc.encoding) as AsyncGenerator<SourceItem>) {
      if (stopping) {
        stopped = true;
        break;
      }
      if (item.type === 'header') {
        columns = mapper.setHeader(item.headers);
        if (!doc.columns?.length) await ImportModel.updateOne({ _id: doc._id, leaseOwner: instanceId }, { $set: { columns } });
        continue;
      }
      if (item.row <= doc.lastRow) continue; // done before an interruption
      batch.push(mapper.map(item));
      if (batch.length >= batchSize) {
        await submit(batch);
        batch = [];
      }
    }
    if (batch.length && !stopped) await submit(batch);
  } finally {
    // Whatever happens, batches already sent to be stored are awaited, and accounted for in order up to the
    // first that failed (whose error surfaces).
    while (inFlight.length) await commit();
  }
  if (doc.format === 'jsonl') columns = mapper.seenColumns();
  return { stopped, columns };
}

/** Ends an import: audited first (a reader who sees the final status finds its entry), then the status, then the file removed. */
async function finish(doc: Lean, progress: ImportProgress, status: 'done' | 'failed', error: string | null, columns?: ImportColumn[]): Promise<Lean | null> {
  const { rowsTotal, rowsRead, created, unchanged, completed, failed, enterprisesCreated } = progress;
  await recordAudit({
    // One entry per outcome: a run resumed after a crash between this entry and the status finishes again.
    id: auditId(`import:${String(doc._id)}:finish:${status}`),
    action: 'import.finish',
    resource: 'import',
    resourceId: String(doc._id),
    outcome: status === 'done' ? 'success' : 'failure',
    principal: doc.principal,
    ip: doc.ip ?? undefined,
    after: { status, rowsTotal, rowsRead, created, unchanged, completed, failed, enterprisesCreated, error },
  });
  const after = (await ImportModel.findOneAndUpdate(
    { _id: doc._id, leaseOwner: instanceId },
    { $set: { status, error, finishedAt: new Date(), leaseOwner: null, leaseUntil: null, ...(columns ? { columns } : {}) } },
    { new: true },
  ).lean()) as Lean | null;
  if (!after) return null;
  await rm(doc.filePath, { force: true });
  logger.info('import finished', { importId: String(doc._id), status, rowsRead, created, unchanged, completed, failed });
  return after;
}

/**
 * Processes one import this instance holds the lease on, from its checkpoint to the end. Returns the
 * import as it ended (or as it was left, when the process is stopping or lost the lease).
 */
export async function runImport(id: string, onProgress?: (p: ImportProgress) => void): Promise<Lean | null> {
  const claimed = (await ImportModel.findOne({ _id: id, leaseOwner: instanceId, status: { $in: ['queued', 'running'] } }).lean()) as Lean | null;
  if (!claimed) {
    disown(id);
    return (await ImportModel.findById(id).lean()) as Lean | null;
  }
  const run = async (): Promise<Lean | null> => {
    active = id;
    const doc = (await ImportModel.findOneAndUpdate(
      { _id: id, leaseOwner: instanceId },
      { $set: { status: 'running', startedAt: claimed.startedAt ?? new Date(), leaseUntil: leaseUntil() }, $inc: { runs: 1 } },
      { new: true },
    ).lean()) as Lean | null;
    if (!doc) return null;
    // Its process may have stopped between storing the upload and auditing it.
    await recordAudits([creationAudit(doc, {}, true)]);
    const progress: ImportProgress = { status: 'running', ...countersOf(doc) };
    try {
      if (!existsSync(doc.filePath)) throw new ImportFileError('导入文件已不存在（可能已被清理），无法继续导入，请重新上传');
      if (doc.rowsTotal === null) {
        progress.rowsTotal = await countRows(doc);
        await ImportModel.updateOne({ _id: id, leaseOwner: instanceId }, { $set: { rowsTotal: progress.rowsTotal } });
      }
      onProgress?.({ ...progress });
      const { stopped, columns } = await processRows(doc, progress, onProgress);
      if (stopped) throw new Stopped();
      return await finish(doc, progress, 'done', null, columns);
    } catch (err) {
      if (err instanceof Stopped) {
        await ImportModel.updateOne({ _id: id, leaseOwner: instanceId }, { $set: { leaseOwner: null, leaseUntil: null } }).catch(() => undefined);
        logger.info('import paused for shutdown; it resumes at the next start', { importId: id });
        return (await ImportModel.findById(id).lean()) as Lean | null;
      }
      if (err instanceof LeaseLost) {
        logger.warn('import lease lost to another instance', { importId: id });
        return null;
      }
      if (toAppError(err).status === 503) {
        // The database is gone: leave it running; its lease expires and a later start resumes it.
        logger.error('import interrupted: database unavailable', { err, importId: id });
        return null;
      }
      if (!(err instanceof ImportFileError)) logger.error('import failed', { err, importId: id });
      const message = err instanceof ImportFileError ? err.message : `导入过程中发生内部错误，已停止：${(err as Error).message ?? String(err)}`;
      return await finish(doc, progress, 'failed', message);
    } finally {
      active = undefined;
      disown(id);
    }
  };
  // Audit entries of the rows carry the upload's request id and client address.
  return claimed.requestId ? requestContext.run({ requestId: claimed.requestId, ip: claimed.ip ?? undefined }, run) : run();
}

/**
 * At start-up (after the database opens): takes over imports left queued or running by a process that
 * died (lease expired) and resumes them after their checkpoint. Imports whose lease has not expired yet
 * are looked at again when it does. Returns how many were taken over now.
 */
export async function resumeImports(): Promise<number> {
  stopping = false;
  const now = new Date();
  const open = await ImportModel.find({ status: { $in: ['queued', 'running'] } }, { _id: 1, leaseOwner: 1, leaseUntil: 1 }).sort({ _id: 1 }).lean();
  let taken = 0;
  let recheckAt: number | undefined;
  for (const imp of open) {
    const id = String(imp._id);
    if (imp.leaseOwner === instanceId) continue;
    if (imp.leaseOwner && imp.leaseUntil && imp.leaseUntil > now) {
      recheckAt = Math.min(recheckAt ?? Infinity, imp.leaseUntil.getTime());
      continue;
    }
    // Taking over is decided by a unique-key insert naming the lease being taken over, so two starting
    // instances cannot both win.
    const claimKey = `${id}:${imp.leaseOwner ?? '-'}:${imp.leaseUntil?.getTime() ?? '-'}`;
    try {
      await ImportClaimModel.collection.insertOne({ _id: claimKey as never, by: instanceId, at: now });
    } catch (err) {
      if (isDuplicateKey(err)) continue;
      throw err;
    }
    const claimed = await ImportModel.findOneAndUpdate(
      { _id: imp._id, status: { $in: ['queued', 'running'] } },
      { $set: { leaseOwner: instanceId, leaseUntil: leaseUntil() } },
      { new: true },
    ).lean();
    if (!claimed) continue;
    logger.info('resuming import', { importId: id, lastRow: claimed.lastRow, previousOwner: imp.leaseOwner });
    enqueue(id);
    taken++;
  }
  if (recheckAt !== undefined) {
    setTimeout(() => void resumeImports().catch((err: unknown) => logger.error('resuming imports failed', { err })), Math.max(1000, recheckAt - Date.now() + 1000)).unref();
  }
  return taken;
}

/** Graceful stop: the running import finishes its batches in flight and keeps its checkpoint; leases are released so the next start resumes at once. */
export async function stopImports(): Promise<void> {
  stopping = true;
  await queue;
  if (owned.size) {
    await ImportModel.updateMany({ _id: { $in: [...owned] }, leaseOwner: instanceId }, { $set: { leaseOwner: null, leaseUntil: null } }).catch(() => undefined);
    for (const id of [...owned]) disown(id);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading imports

const isAdmin = (p: Principal) => p.roles.includes('admin');

/** Clerks see the imports they made; administrators see all. */
function visibleTo(p: Principal): Record<string, unknown> {
  return isAdmin(p) ? {} : { 'principal.id': p.id };
}

export function presentImport(doc: ImportDoc & { _id: unknown }) {
  const id = String(doc._id);
  return {
    id,
    kind: IMPORT_KIND_PATH[doc.kind],
    kindLabel: IMPORT_KIND_LABEL[doc.kind],
    format: doc.format,
    encoding: doc.encoding,
    fileName: doc.fileName,
    bytes: doc.bytes,
    sha256: doc.sha256,
    previousImportId: doc.previousImportId,
    status: doc.status,
    ...countersOf(doc),
    columns: (doc.columns ?? []).filter((c) => c.field).map((c) => ({ header: c.header, field: c.field })),
    ignoredColumns: (doc.columns ?? []).filter((c) => !c.field && c.header).map((c) => c.header),
    error: doc.error,
    origin: doc.origin,
    createdBy: { id: doc.principal.id, name: doc.principal.name },
    createdAt: doc.createdAt,
    startedAt: doc.startedAt,
    finishedAt: doc.finishedAt,
    errorsUrl: `/api/v1/imports/${id}/errors.csv`,
  };
}

async function findVisible(id: string, principal: Principal): Promise<Lean> {
  const doc = mongoose.isValidObjectId(id) ? ((await ImportModel.findOne({ $and: [{ _id: id }, visibleTo(principal)] }).lean()) as Lean | null) : null;
  if (!doc) throw AppError.notFound('导入任务不存在');
  return doc;
}

export async function getImport(id: string, principal: Principal) {
  return presentImport(await findVisible(id, principal));
}

export interface ImportListQuery extends PageRequest {
  kind?: ImportKindParam;
  status?: ImportStatus;
}

export async function listImports(q: ImportListQuery, principal: Principal) {
  const and: Record<string, unknown>[] = [visibleTo(principal)];
  if (q.kind) and.push({ kind: kindOfParam(q.kind) });
  if (q.status) and.push({ status: q.status });
  const page = await paginate(ImportModel, { $and: and }, q, { field: '_id', order: -1 });
  return { items: page.items.map(presentImport), nextCursor: page.nextCursor };
}

/**
 * The row-level error report as CSV (UTF-8 with BOM, so Excel shows Chinese; cells that a spreadsheet
 * would run as formulas are prefixed with '), streamed from the database row by row.
 */
export async function writeErrorReport(doc: ImportDoc & { _id: mongoose.Types.ObjectId }, out: Writable): Promise<void> {
  const cursor = ImportErrorModel.find({ importId: doc._id }).sort({ row: 1 }).lean().cursor();
  async function* lines() {
    if (doc.error) yield { row: '', column: '', value: '', reason: doc.error };
    for await (const e of cursor) for (const p of e.problems) yield { row: e.row, column: p.column, value: p.value, reason: p.reason };
  }
  const csv = stringify({
    bom: true,
    header: true,
    escape_formulas: true,
    columns: [
      { key: 'row', header: '行号' },
      { key: 'column', header: '列' },
      { key: 'value', header: '值' },
      { key: 'reason', header: '原因' },
    ],
  });
  await pipeline(Readable.from(lines()), csv, out);
}

export async function errorReportFor(id: string, principal: Principal) {
  return findVisible(id, principal);
}

/** How many rows with errors GET /imports/:id/errors shows (the CSV report has them all). */
export const IMPORT_ERRORS_SHOWN = 200;

/**
 * The first rows with errors of an import, one item per problem (行号, the column as written in the file, the
 * field's Chinese label from the kind's field table, the value, the reason): what the console shows on the page.
 */
export async function importErrors(id: string, principal: Principal) {
  const doc = await findVisible(id, principal);
  const labels = new Map(importTable(doc.kind).fields.map((f) => [f.name, f.label]));
  const rows = await ImportErrorModel.find({ importId: doc._id }).sort({ row: 1 }).limit(IMPORT_ERRORS_SHOWN + 1).lean();
  const items = rows.slice(0, IMPORT_ERRORS_SHOWN).flatMap((e) =>
    e.problems.map((p) => ({ row: e.row, column: p.column, label: (p.field ? labels.get(p.field) : undefined) ?? (p.column || null), value: p.value, reason: p.reason })),
  );
  return { id: String(doc._id), error: doc.error, failed: doc.failed, items, truncated: rows.length > IMPORT_ERRORS_SHOWN };
}

import mongoose, { Schema, type Collection, type Query } from 'mongoose';
import { isDuplicateKey } from './errors.js';
import { JOB_LEASE_MS, release, tryAcquire } from '../lib/jobLock.js';
import { logger } from '../lib/logger.js';

/**
 * Summaries kept up to date with each write (counts per key, for dashboards and statistics), exact after
 * crashes, with no multi-document transaction. Written for MongoDB's semantics; nothing here depends on
 * which database runs.
 *
 * How it works, for a source collection (records, grades) declared with `defineTally`:
 *  - Every write to a source document also sets `tallyDirty: true` and increments `tallyRev` in the same
 *    single-document write (the schema plugin `tallied` adds both to every update, bulk write and insert
 *    made through the model).
 *  - Each source document carries the keys it is counted under (`tallyKeys`).
 *  - One worker at a time (a lease per source) reads a batch of dirty documents and moves each from the keys
 *    it is counted under to the keys its content gives, as one *operation* written to the source's state
 *    document before anything is counted:
 *      1. read the batch, compute the deltas per key and each document's new keys, note them;
 *      2. apply each key's delta with `{_id: key, lastOp: {$ne: op}}` → `$inc` and `lastOp = op`: a key
 *         already carrying the operation is not counted again;
 *      3. store each document's new keys, clearing its flag only if `tallyRev` is still the one read (a
 *         write since keeps it dirty for the next batch); 4. clear the operation.
 *    A worker killed at any step leaves the operation in the state document; the next worker finishes it
 *    first (steps 2–4 are idempotent), so no change is counted twice or lost.
 *  - A nightly recount (`recountTally`) rebuilds every summary from the documents' `tallyKeys` and marks
 *    dirty every document whose keys disagree with its content (a write that bypassed the model).
 *  - Readers call `readTally`, which first applies what is dirty (bounded), so an answer right after a write
 *    includes it.
 */

export interface TallyKey {
  family: string;
  /** Dimension values in the family's declared order (see TallySpec.families). */
  values: string[];
  /** Display labels stored with the summary when it is first created (an authority's name, say). */
  labels?: Record<string, string>;
}

export interface TallySpec<D = Record<string, unknown>> {
  /** The source's name; also its lease and state document. */
  name: string;
  collection: () => Collection;
  /** Fields `keysOf` reads. */
  projection: Record<string, 1>;
  /** Each family's dimension names, in key order; the first is also the summary's `part` (its index). */
  families: Record<string, readonly string[]>;
  keysOf(doc: D): TallyKey[];
}

interface Delta {
  key: string;
  d: number;
  labels?: Record<string, string>;
}
interface TallyOp {
  id: string;
  deltas: Delta[];
  /** Each document of the batch: the `tallyRev` read and, when they changed, its new keys. */
  docs: { id: unknown; rev: number; keys?: string[] }[];
}

/** One summary: the count of source documents under one key. */
export interface TallyRow {
  _id: string;
  family: string;
  part: string;
  dims: Record<string, string>;
  labels?: Record<string, string>;
  n: number;
  lastOp?: string;
}

const tallySchema = new Schema<TallyRow>(
  { _id: String, family: String, part: String, dims: Schema.Types.Mixed, labels: Schema.Types.Mixed, n: Number, lastOp: String },
  { collection: 'tallies', versionKey: false },
);
tallySchema.index({ family: 1, part: 1 });
export const TallyModel = mongoose.model<TallyRow>('Tally', tallySchema);

interface StateDoc {
  _id: string;
  op?: TallyOp;
  recountedAt?: Date;
}
const stateSchema = new Schema<StateDoc>({ _id: String, op: Schema.Types.Mixed, recountedAt: Date }, { collection: 'tallyStates', versionKey: false });
export const TallyStateModel = mongoose.model<StateDoc>('TallyState', stateSchema);

const SEP = '|';
const clean = (v: string) => v.replaceAll(SEP, '/');
export const tallyKeyId = (k: Pick<TallyKey, 'family' | 'values'>) => [k.family, ...k.values.map(clean)].join(SEP);

function parseKey(spec: TallySpec<never>, key: string): Pick<TallyRow, 'family' | 'part' | 'dims'> {
  const [family, ...values] = key.split(SEP);
  const names = spec.families[family] ?? [];
  return { family, part: values[0] ?? '', dims: Object.fromEntries(names.map((n, i) => [n, values[i] ?? ''])) };
}

const specs = new Map<string, TallySpec<never>>();

/** Declares a summarised source collection (once per process, at module load). */
export function defineTally<D>(spec: TallySpec<D>): TallySpec<D> {
  specs.set(spec.name, spec as TallySpec<never>);
  return spec;
}
export function tallySpecs(): TallySpec<never>[] {
  return [...specs.values()];
}
function specOf(name: string): TallySpec<never> {
  const s = specs.get(name);
  if (!s) throw new Error(`unknown tally ${name}`);
  return s;
}

const DIRTY = { tallyDirty: true } as const;
const BUMP = { tallyRev: 1 } as const;

/**
 * Schema plugin for a summarised collection: the fields, the index the worker finds dirty documents by, and
 * the mark on every write made through the model (query updates, bulk writes, inserts). Writes through the
 * native collection must set `tallyDirty: true` themselves (see `tallyDirtyFields`).
 */
export function tallied(schema: Schema): void {
  schema.add({ tallyDirty: { type: Boolean, default: true }, tallyRev: { type: Number, default: 0 }, tallyKeys: { type: [String], default: undefined } });
  schema.index({ tallyDirty: 1 });
  schema.pre(['updateOne', 'updateMany', 'findOneAndUpdate'], function (this: Query<unknown, unknown>) {
    this.setUpdate(markUpdate(this.getUpdate()) as never);
  });
  // Model.bulkWrite runs 'bulkWrite' middleware with (next, ops, options); mongoose's typings do not list it.
  (schema as unknown as { pre(name: 'bulkWrite', fn: (next: (err?: Error) => void, ops: BulkOp[]) => void): void }).pre('bulkWrite', (next, ops) => {
    try {
      for (const op of ops) markBulkOp(op);
      next();
    } catch (err) {
      next(err as Error);
    }
  });
}

/** The fields a document inserted through the native collection carries. */
export const tallyDirtyFields = (): { tallyDirty: true; tallyRev: 0 } => ({ ...DIRTY, tallyRev: 0 });

/** An update through the native collection with the mark every write of a summarised document carries. */
export function tallyMarked<U extends Record<string, unknown>>(update: U): U {
  return markUpdate(update) as U;
}

type BulkOp = Record<string, { update?: unknown; replacement?: unknown; document?: unknown }>;

function markBulkOp(op: BulkOp): void {
  const [type, body] = Object.entries(op)[0] ?? [];
  if (!body) return;
  if (type === 'insertOne') Object.assign(body.document as object, DIRTY);
  else if (type === 'updateOne' || type === 'updateMany') body.update = markUpdate(body.update);
  else if (type === 'replaceOne') throw new Error('replaceOne would drop tallyKeys of a summarised document: use updateOne with $set');
}

function markUpdate(update: unknown): unknown {
  if (Array.isArray(update)) throw new Error('pipeline updates of a summarised document are not supported');
  const u = (update ?? {}) as Record<string, unknown>;
  const operators = Object.keys(u).filter((k) => k.startsWith('$'));
  const plain = Object.fromEntries(Object.entries(u).filter(([k]) => !k.startsWith('$')));
  const rest = Object.fromEntries(operators.map((k) => [k, u[k]]));
  return { ...rest, $set: { ...plain, ...(u.$set as object | undefined), ...DIRTY }, $inc: { ...(u.$inc as object | undefined), ...BUMP } };
}

const sameKeys = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((k, i) => k === b[i]);
const leaseName = (name: string) => `tally:${name}`;

export interface SweepOptions {
  batchSize?: number;
  /** Stop taking new batches after this long (the current batch still completes). */
  budgetMs?: number;
  /** Test hook: stop (as a killed worker would) right after this step of the first batch, keeping the lease. */
  crashAfter?: 'noted' | 'applied' | 'keysStored';
}
export interface SweepResult {
  ran: boolean;
  documents: number;
  batches: number;
  /** Dirty documents remained when the budget ran out. */
  more: boolean;
}

class SimulatedCrash extends Error {}

/**
 * Applies dirty documents of one source to its summaries, batch by batch, under the source's lease (one
 * worker across instances). Returns `ran: false` when another instance holds the lease.
 */
export async function sweepTally(name: string, opts: SweepOptions = {}): Promise<SweepResult> {
  return serially(name, () => sweepHeld(name, opts));
}

/** Within one process, sweeps and recounts of a source run one after another (the lease is per process). */
const queues = new Map<string, Promise<unknown>>();
function serially<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const run = (queues.get(name) ?? Promise.resolve()).then(fn, fn);
  queues.set(name, run.catch(() => undefined));
  return run;
}

async function sweepHeld(name: string, opts: SweepOptions): Promise<SweepResult> {
  const spec = specOf(name);
  const lease = leaseName(name);
  if (!(await tryAcquire(lease, JOB_LEASE_MS))) return { ran: false, documents: 0, batches: 0, more: true };
  const started = Date.now();
  const result: SweepResult = { ran: true, documents: 0, batches: 0, more: false };
  let crashed = false;
  // Renewed while it runs: a first sweep recounts the whole source, which can outlast one lease.
  const renew = setInterval(() => void tryAcquire(lease, JOB_LEASE_MS).catch(() => undefined), Math.max(1000, Math.floor(JOB_LEASE_MS / 3)));
  renew.unref();
  try {
    await ensureRecounted(spec);
    for (;;) {
      const n = await runBatch(spec, opts.batchSize ?? 500, result.batches === 0 ? opts.crashAfter : undefined);
      if (n === 0) break;
      result.documents += n;
      result.batches++;
      if (opts.budgetMs !== undefined && Date.now() - started > opts.budgetMs) {
        result.more = true;
        break;
      }
      // Renew the lease between batches; stop if another instance took it over.
      if (!(await tryAcquire(lease, JOB_LEASE_MS))) {
        result.more = true;
        break;
      }
    }
    return result;
  } catch (err) {
    if (err instanceof SimulatedCrash) {
      crashed = true;
      return result;
    }
    throw err;
  } finally {
    clearInterval(renew);
    if (!crashed) await release(lease).catch(() => undefined);
  }
}

/** One batch: finishes a noted operation first, else takes up to `size` dirty documents. Returns how many it handled. */
async function runBatch(spec: TallySpec<never>, size: number, crashAfter?: SweepOptions['crashAfter']): Promise<number> {
  const coll = spec.collection();
  const crash = (step: SweepOptions['crashAfter']) => {
    if (crashAfter === step) throw new SimulatedCrash(step);
  };
  let op = (await TallyStateModel.findById(spec.name).lean())?.op as TallyOp | undefined;
  if (!op) {
    const deltas = new Map<string, Delta>();
    const docs: TallyOp['docs'] = [];
    const add = (key: string, d: number, labels?: Record<string, string>) => {
      const cur = deltas.get(key) ?? { key, d: 0 };
      cur.d += d;
      if (labels && d > 0) cur.labels = labels;
      deltas.set(key, cur);
    };
    for await (const doc of coll.find({ tallyDirty: true }, { projection: { ...spec.projection, tallyKeys: 1, tallyRev: 1 }, limit: size })) {
      const from = ((doc.tallyKeys as string[] | undefined) ?? []).slice().sort();
      const target = spec.keysOf(doc as never);
      const to = [...new Set(target.map(tallyKeyId))].sort();
      const rev = (doc.tallyRev as number | undefined) ?? 0;
      if (sameKeys(from, to)) {
        docs.push({ id: doc._id, rev });
        continue;
      }
      for (const k of from) add(k, -1);
      for (const k of target) add(tallyKeyId(k), 1, k.labels);
      docs.push({ id: doc._id, rev, keys: to });
    }
    if (docs.length === 0) return 0;
    op = { id: new mongoose.Types.ObjectId().toHexString(), deltas: [...deltas.values()].filter((d) => d.d !== 0), docs };
    await TallyStateModel.updateOne({ _id: spec.name }, { $set: { op } }, { upsert: true });
    crash('noted');
  }
  await applyDeltas(spec, op.deltas, op.id);
  crash('applied');
  await storeKeys(coll, op.docs);
  crash('keysStored');
  await TallyStateModel.updateOne({ _id: spec.name, 'op.id': op.id }, { $unset: { op: 1 } });
  return op.docs.length;
}

/**
 * Stores the batch's new keys and clears each flag, both only where `tallyRev` is still the one read. A
 * document written since keeps its flag; its keys are still set to the ones counted, so that the next batch
 * moves it from those.
 */
async function storeKeys(coll: Collection, docs: TallyOp['docs']): Promise<void> {
  const revFilter = (d: TallyOp['docs'][number]) => ({ _id: d.id, tallyRev: d.rev === 0 ? { $in: [0, null] } : d.rev });
  const res = await coll.bulkWrite(
    docs.map((d) => ({ updateOne: { filter: revFilter(d), update: { $set: { tallyDirty: false, ...(d.keys ? { tallyKeys: d.keys } : {}) } } } })) as never,
    { ordered: false },
  );
  const changed = docs.filter((d) => d.keys);
  if (res.matchedCount === docs.length || changed.length === 0) return;
  const stale = new Map(changed.map((d) => [String(d.id), d.keys!]));
  const late: { updateOne: { filter: object; update: object } }[] = [];
  for await (const doc of coll.find({ _id: { $in: changed.map((d) => d.id) as never[] } }, { projection: { tallyKeys: 1 } })) {
    const keys = stale.get(String(doc._id))!;
    if (!sameKeys(((doc.tallyKeys as string[] | undefined) ?? []).slice().sort(), keys)) late.push({ updateOne: { filter: { _id: doc._id }, update: { $set: { tallyKeys: keys } } } });
  }
  if (late.length) await coll.bulkWrite(late as never, { ordered: false });
}

/**
 * Applies each key's delta once: `{_id: key, lastOp: {$ne: op}}` with an upsert. A key already carrying the
 * operation (applied before a crash) matches nothing and its upsert collides with it (duplicate key): not
 * counted again. One unordered bulk write per 1,000 keys.
 */
async function applyDeltas(spec: TallySpec<never>, deltas: Delta[], opId: string): Promise<void> {
  for (let i = 0; i < deltas.length; i += 1000) {
    const ops = deltas.slice(i, i + 1000).map((d) => ({
      updateOne: {
        filter: { _id: d.key, lastOp: { $ne: opId } },
        update: { $inc: { n: d.d }, $set: { lastOp: opId }, $setOnInsert: { ...parseKey(spec, d.key), ...(d.labels ? { labels: d.labels } : {}) } },
        upsert: true,
      },
    }));
    try {
      await TallyModel.collection.bulkWrite(ops as never, { ordered: false });
    } catch (err) {
      const writeErrors = (err as { writeErrors?: unknown[] }).writeErrors;
      if (!writeErrors || writeErrors.some((w) => !isDuplicateKey(w))) throw err;
    }
  }
}

async function ensureRecounted(spec: TallySpec<never>): Promise<void> {
  const state = await TallyStateModel.findById(spec.name).lean();
  // A source never recounted (a first start, or documents written before summaries existed) is counted once.
  if (!state?.recountedAt) await recountHeld(spec);
}

export interface RecountResult {
  ran: boolean;
  documents: number;
  keys: number;
  /** Documents whose stored keys disagreed with their content: marked dirty and applied by the sweep. */
  marked: number;
}

/**
 * The nightly full recount of one source, under its lease: every summary is rebuilt from the documents'
 * stored keys, and documents whose keys disagree with their content are marked dirty for the sweep.
 * Progress is logged every 10,000 documents.
 */
export async function recountTally(name: string, onProgress?: (documents: number) => void): Promise<RecountResult> {
  return serially(name, () => recountLeased(name, onProgress));
}

async function recountLeased(name: string, onProgress?: (documents: number) => void): Promise<RecountResult> {
  const spec = specOf(name);
  const lease = leaseName(name);
  if (!(await tryAcquire(lease, JOB_LEASE_MS))) return { ran: false, documents: 0, keys: 0, marked: 0 };
  const renew = setInterval(() => void tryAcquire(lease, JOB_LEASE_MS).catch(() => undefined), Math.max(1000, Math.floor(JOB_LEASE_MS / 3)));
  renew.unref();
  try {
    return await recountHeld(spec, onProgress);
  } finally {
    clearInterval(renew);
    await release(lease).catch(() => undefined);
  }
}

async function recountHeld(spec: TallySpec<never>, onProgress?: (documents: number) => void): Promise<RecountResult> {
  // An operation a killed worker left is finished first, so that stored keys and summaries agree.
  while ((await TallyStateModel.findById(spec.name).lean())?.op) await runBatch(spec, 0);
  const coll = spec.collection();
  const counts = new Map<string, number>();
  const labels = new Map<string, Record<string, string>>();
  let toMark: unknown[] = [];
  const result: RecountResult = { ran: true, documents: 0, keys: 0, marked: 0 };
  const flushMarks = async () => {
    if (toMark.length) await coll.updateMany({ _id: { $in: toMark as never[] } }, tallyMarked({}));
    result.marked += toMark.length;
    toMark = [];
  };
  for await (const doc of coll.find({}, { projection: { ...spec.projection, tallyKeys: 1, tallyDirty: 1 }, batchSize: 5000 })) {
    const applied = ((doc.tallyKeys as string[] | undefined) ?? []).slice().sort();
    for (const k of applied) counts.set(k, (counts.get(k) ?? 0) + 1);
    const target = spec.keysOf(doc as never);
    for (const k of target) if (k.labels) labels.set(tallyKeyId(k), k.labels);
    if (doc.tallyDirty !== true && !sameKeys(applied, [...new Set(target.map(tallyKeyId))].sort())) toMark.push(doc._id);
    if (toMark.length >= 1000) await flushMarks();
    if (++result.documents % 10_000 === 0) {
      logger.info('tally recount progress', { tally: spec.name, documents: result.documents });
      onProgress?.(result.documents);
    }
  }
  await flushMarks();
  const opId = `recount:${new mongoose.Types.ObjectId().toHexString()}`;
  const families = Object.keys(spec.families);
  const existing = (await TallyModel.find({ family: { $in: families } }, { _id: 1 }).lean()).map((r) => r._id);
  const ops = [
    ...[...counts].map(([key, n]) => ({
      updateOne: { filter: { _id: key }, update: { $set: { ...parseKey(spec, key), n, lastOp: opId }, ...(labels.has(key) ? { $setOnInsert: { labels: labels.get(key) } } : {}) }, upsert: true },
    })),
    ...existing.filter((k) => !counts.has(k)).map((k) => ({ deleteOne: { filter: { _id: k } } })),
  ];
  for (let i = 0; i < ops.length; i += 1000) await TallyModel.bulkWrite(ops.slice(i, i + 1000) as never, { ordered: false });
  result.keys = counts.size;
  await TallyStateModel.updateOne({ _id: spec.name }, { $set: { recountedAt: new Date() } }, { upsert: true });
  logger.info('tally recounted', { tally: spec.name, ...result });
  return result;
}

export interface TallyCheck {
  documents: number;
  /** Keys whose stored count differs from a count of the documents' current content. */
  differences: { key: string; stored: number; counted: number }[];
}

/**
 * Compares the stored summaries with a count of the documents' current content (a full scan, no writes):
 * the CLI's `tally check` and the tests. Meaningful once the sweep has caught up.
 */
export async function checkTally(name: string): Promise<TallyCheck> {
  const spec = specOf(name);
  const counted = new Map<string, number>();
  let documents = 0;
  for await (const doc of spec.collection().find({}, { projection: spec.projection, batchSize: 5000 })) {
    documents++;
    for (const k of new Set(spec.keysOf(doc as never).map(tallyKeyId))) counted.set(k, (counted.get(k) ?? 0) + 1);
  }
  const stored = new Map((await TallyModel.find({ family: { $in: Object.keys(spec.families) } }).lean()).map((r) => [r._id, r.n]));
  const differences: TallyCheck['differences'] = [];
  for (const key of new Set([...counted.keys(), ...stored.keys()])) {
    const s = stored.get(key) ?? 0;
    const c = counted.get(key) ?? 0;
    if (s !== c) differences.push({ key, stored: s, counted: c });
  }
  return { documents, differences: differences.sort((a, b) => a.key.localeCompare(b.key)) };
}

export interface TallyRead {
  rows: TallyRow[];
  /** False when changes were still waiting to be counted (another instance was applying them, or the backlog exceeded the read's budget). */
  upToDate: boolean;
}

/**
 * The summaries of one family (optionally of one `part`), after applying what is dirty in its source
 * within `budgetMs` (so a dashboard read right after a write includes it).
 */
export async function readTally(name: string, family: string, opts: { part?: string; budgetMs?: number; caughtUp?: boolean } = {}): Promise<TallyRead> {
  const upToDate = opts.caughtUp ?? (await catchUpTally(name, opts.budgetMs));
  const rows = await TallyModel.find(opts.part === undefined ? { family } : { family, part: opts.part }).lean();
  return { rows: rows.filter((r) => r.n !== 0), upToDate };
}

/**
 * Applies what is dirty in one source within `budgetMs`, waiting for another worker (the scheduled sweep,
 * another instance) that holds the lease. True when nothing was left waiting. A reader of several families
 * calls it once, then reads each with `caughtUp`.
 */
export async function catchUpTally(name: string, budgetMs = 1000): Promise<boolean> {
  const started = Date.now();
  let sweep: Pick<SweepResult, 'ran' | 'more'> = { ran: false, more: true };
  while (!sweep.ran && Date.now() - started < budgetMs) {
    sweep = await sweepTally(name, { budgetMs: budgetMs - (Date.now() - started) }).catch((err: unknown) => {
      logger.warn('tally catch-up failed', { tally: name, err });
      return { ran: false, more: true };
    });
    if (!sweep.ran) await new Promise((r) => setTimeout(r, 50));
  }
  return sweep.ran && !sweep.more;
}

/** Sweeps every declared source (the scheduled job): counts per source. */
export async function sweepAllTallies(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const s of tallySpecs()) out[s.name] = (await sweepTally(s.name)).documents;
  return out;
}

/** Recounts every declared source (the nightly job and the CLI). */
export async function recountAllTallies(onProgress?: (name: string, documents: number) => void): Promise<Record<string, RecountResult>> {
  const out: Record<string, RecountResult> = {};
  for (const s of tallySpecs()) out[s.name] = await recountTally(s.name, (n) => onProgress?.(s.name, n));
  return out;
}

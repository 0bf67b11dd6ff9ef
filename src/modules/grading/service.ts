import { createHash } from 'node:crypto';
import type mongoose from 'mongoose';
import { tallyMarked } from '../../db/tally.js';
import { gradeCounts } from './summaries.js';
import { AppError } from '../../http/errors.js';
import { decodeCursor, encodeCursor, escapeRegex, paginate, type PageRequest } from '../../lib/pagination.js';
import { todayInShanghai, type LegalDate } from '../../lib/calendar.js';
import { logger } from '../../lib/logger.js';
import { recordAudit } from '../audit/index.js';
import { canSee, districtFilter, inScope, scopeFilter, type Principal } from '../auth/index.js';
import { EnterpriseModel, linkRecords } from '../enterprises/index.js';
import { collectFacts, type EnterpriseFacts, type FactsProgress } from './facts.js';
import { GradeHistoryModel, GradeModel, GradingClaimModel, GradingRunModel, GradingStateModel, gradeId, historyId, type GradeDoc, type GradeHistoryDoc, type GradeTrigger } from './model.js';
import { grade, type GradeResult } from './rules.js';
import { scorecard, TIERS, type Scorecard, type Tier } from './scorecard.js';

/** Who runs scheduled and CLI regrades (audit entries, run documents). */
export const GRADING_PRINCIPAL: Principal = { id: 'system:grading', name: '信用评级任务', roles: ['admin'], scope: [], via: 'apiKey' };

export interface RegradeProgress {
  stage: FactsProgress['stage'] | 'grades' | 'grading' | 'done';
  read?: number;
  enterprises: number;
  graded: number;
  changed: number;
}

export interface RegradeOptions {
  today?: LegalDate;
  trigger: GradeTrigger;
  principal?: Principal;
  onProgress?: (p: RegradeProgress) => void;
}

export interface RegradeCounts {
  enterprises: number;
  graded: number;
  /** Grade documents created or rewritten (anything shown changed). */
  written: number;
  /** New history entries (score or tier changed, or first grade). */
  changed: number;
  unchanged: number;
}

type Prev = Pick<GradeDoc, 'uscc' | 'score' | 'tier' | 'seq' | 'resultHash'>;

/** Statements per bulk write and ids per `$in` read (bounds memory; one command each). */
const CHUNK = 1000;

type AnyCollection = { bulkWrite(ops: any[], options: { ordered: boolean }): Promise<unknown>; find(filter: any, options: { projection?: object }): AsyncIterable<any> };

async function bulkWrite(coll: AnyCollection, ops: object[]): Promise<void> {
  for (let i = 0; i < ops.length; i += CHUNK) await coll.bulkWrite(ops.slice(i, i + CHUNK), { ordered: false });
}

/** Writes each document by its `_id`: inserted when new, else replaced (a retry after a crash). */
async function upsertAll(coll: AnyCollection, docs: { _id: unknown }[]): Promise<void> {
  await bulkWrite(coll, docs.map((d) => ({ replaceOne: { filter: { _id: d._id }, replacement: d, upsert: true } })));
}

/** The documents with these `_id`s (an indexed `$in`, in chunks), in no particular order. */
async function byIds<T>(coll: AnyCollection, ids: unknown[], projection?: object): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) for await (const d of coll.find({ _id: { $in: ids.slice(i, i + CHUNK) } }, { projection })) out.push(d as T);
  return out;
}

export function resultHash(r: GradeResult, sc: Scorecard, f: Pick<EnterpriseFacts, 'name' | 'districtCode' | 'industryCode'>): string {
  return createHash('sha256').update(JSON.stringify([r.score, r.tier, r.reasons, sc.version, f.name, f.districtCode, f.industryCode])).digest('base64url');
}

async function previousGrades(usccs: string[] | null): Promise<Map<string, Prev>> {
  const out = new Map<string, Prev>();
  const projection = { uscc: 1, score: 1, tier: 1, seq: 1, resultHash: 1 };
  const docs = usccs
    ? await byIds<Prev>(GradeModel.collection, usccs.map(gradeId), projection)
    : GradeModel.collection.find({}, { projection, batchSize: 5000 });
  for await (const g of docs) out.set(g.uscc as string, g as unknown as Prev);
  return out;
}

/**
 * Grades every enterprise of `facts` and stores what changed, in chunks, without transactions:
 *  1. a history entry for each change of score or tier (`_id` = (uscc, seq): a retry replaces it);
 *  2. then the grade document itself (an upsert by `_id` setting every field and the summaries' dirty mark).
 * A crash between 1 and 2 leaves at most an entry with seq above the grade's, which the history query
 * never shows (it reads seq ≤ the grade's) and the next change overwrites. Unchanged results are not
 * rewritten: `confirm` names those whose `checkedAt` must move (single regrades); a completed full
 * run confirms them all at once (its GradingRun document).
 * Grades have one writer at a time (the `grading` job lock), so writes need no condition.
 */
async function gradeAndStore(facts: Map<string, EnterpriseFacts>, previous: Map<string, Prev>, opts: RegradeOptions, confirm: boolean): Promise<RegradeCounts> {
  const sc = scorecard();
  const today = opts.today ?? todayInShanghai();
  const counts: RegradeCounts = { enterprises: facts.size, graded: 0, written: 0, changed: 0, unchanged: 0 };
  let history: GradeHistoryDoc[] = [];
  let grades: GradeDoc[] = [];
  let checked: mongoose.Types.ObjectId[] = [];
  const now = new Date();

  const flush = async () => {
    if (history.length) await upsertAll(GradeHistoryModel.collection, history);
    // `$set`, not a replacement: the grade keeps the keys its summaries count it under (grading/summaries.ts).
    if (grades.length) await bulkWrite(GradeModel.collection, grades.map(({ _id, ...fields }) => ({ updateOne: { filter: { _id }, update: tallyMarked({ $set: fields }), upsert: true } })));
    if (checked.length) await GradeModel.collection.updateMany({ _id: { $in: checked } }, { $set: { checkedAt: now } });
    history = [];
    grades = [];
    checked = [];
  };

  for (const f of facts.values()) {
    const result = grade(f, sc, today);
    const hash = resultHash(result, sc, f);
    const prev = previous.get(f.uscc);
    counts.graded++;
    if (prev && prev.resultHash === hash) {
      counts.unchanged++;
      if (confirm) checked.push(gradeId(f.uscc));
    } else {
      const moved = !prev || prev.score !== result.score || prev.tier !== result.tier;
      const seq = (prev?.seq ?? 0) + (moved ? 1 : 0);
      if (moved) {
        counts.changed++;
        history.push({
          _id: historyId(f.uscc, seq),
          uscc: f.uscc,
          seq,
          score: result.score,
          tier: result.tier,
          previous: prev ? { score: prev.score, tier: prev.tier } : null,
          reasons: result.reasons,
          scorecardVersion: sc.version,
          gradedAt: now,
          trigger: opts.trigger,
        });
      }
      const doc: GradeDoc = {
        _id: gradeId(f.uscc),
        uscc: f.uscc,
        name: f.name,
        districtCode: f.districtCode,
        industryCode: f.industryCode,
        score: result.score,
        tier: result.tier,
        reasons: result.reasons,
        scorecardVersion: sc.version,
        seq,
        resultHash: hash,
        gradedAt: now,
        checkedAt: now,
        trigger: opts.trigger,
      };
      grades.push(doc);
      counts.written++;
    }
    if (grades.length + history.length + checked.length >= CHUNK) await flush();
    if (counts.graded % 10_000 === 0) opts.onProgress?.({ stage: 'grading', enterprises: facts.size, graded: counts.graded, changed: counts.changed });
  }
  await flush();
  return counts;
}

async function runRegrade(usccs: string[] | null, opts: RegradeOptions): Promise<RegradeCounts & { runId: string }> {
  const principal = opts.principal ?? GRADING_PRINCIPAL;
  const run = await GradingRunModel.create({ kind: usccs ? 'batch' : 'full', trigger: opts.trigger, scorecardVersion: scorecard().version, startedAt: new Date(), counts: {}, by: principal.id });
  const progress = (p: Omit<RegradeProgress, 'enterprises' | 'graded' | 'changed'> & Partial<RegradeProgress>) =>
    opts.onProgress?.({ enterprises: 0, graded: 0, changed: 0, ...p });
  const unlisted: { uscc: string; recordId: mongoose.Types.ObjectId }[] = [];
  const facts = await collectFacts(usccs, (p) => progress({ stage: p.stage, read: p.read }), (uscc, recordId) => unlisted.push({ uscc, recordId }));
  if (unlisted.length) {
    // Records stored by a process that died before linking them: listed now, so sweeps see them too.
    logger.warn('full regrade: records missing from their enterprise’s recordIds were linked', { records: unlisted.length });
    await linkRecords(unlisted);
  }
  const previous = await previousGrades(usccs);
  progress({ stage: 'grades', read: previous.size, enterprises: facts.size });
  const counts = await gradeAndStore(facts, previous, opts, usccs !== null);
  const finishedAt = new Date();
  await GradingRunModel.collection.updateOne({ _id: run._id }, { $set: { finishedAt, counts } });
  // Full runs have one writer at a time (the grading job lock), so a plain upsert by `_id` is safe.
  if (!usccs) await GradingStateModel.updateOne({ _id: 'lastFull' }, { $set: { at: finishedAt, runId: String(run._id) } }, { upsert: true });
  opts.onProgress?.({ stage: 'done', enterprises: counts.enterprises, graded: counts.graded, changed: counts.changed });
  if (counts.graded > 0) {
    await recordAudit({
      action: usccs ? 'grading.regrade.batch' : 'grading.regrade.full',
      resource: 'grade',
      resourceId: usccs && usccs.length === 1 ? usccs[0] : undefined,
      principal,
      detail: { runId: String(run._id), trigger: opts.trigger, scorecardVersion: scorecard().version, counts, usccs: usccs?.slice(0, 100) },
    });
  }
  return { ...counts, runId: String(run._id) };
}

/** 全量重评: every enterprise, one pass over each source collection; grades written in chunks. */
export async function regradeAll(opts: RegradeOptions): Promise<RegradeCounts & { runId: string }> {
  return runRegrade(null, opts);
}

/** Regrades the named enterprises (unknown USCCs are ignored). */
export async function regradeUsccs(usccs: string[], opts: RegradeOptions): Promise<RegradeCounts & { runId: string }> {
  const unique = [...new Set(usccs)];
  if (unique.length === 0) return { enterprises: 0, graded: 0, written: 0, changed: 0, unchanged: 0, runId: '' };
  return runRegrade(unique, opts);
}

/** A sweep's claim older than this is taken to be abandoned (its sweeper died) and is regraded again. */
export const CLAIM_LEASE_MS = 10 * 60_000;

/**
 * Takes dirty enterprises for grading: their claims are written first, then their `gradeDirty` flag is
 * cleared by one write whose filter carries the flag. Grading then reads the facts AFTER the flag was
 * cleared: a change arriving meanwhile (its writer sets the flag after writing its data) sets the flag
 * again and is regraded by the next sweep, never lost.
 */
async function claim(dirty: { _id: unknown; uscc: string }[], staleClaims: string[]): Promise<string[]> {
  const at = new Date();
  const usccs = [...new Set([...dirty.map((d) => d.uscc), ...staleClaims])];
  await bulkWrite(GradingClaimModel.collection, usccs.map((u) => ({ updateOne: { filter: { _id: u }, update: { $set: { at } }, upsert: true } })));
  if (dirty.length) await EnterpriseModel.collection.updateMany({ _id: { $in: dirty.map((d) => d._id) }, gradeDirty: true } as never, { $set: { gradeDirty: false } });
  return usccs;
}

export interface SweepResult {
  batches: number;
  graded: number;
  changed: number;
}

/**
 * 脏标记清扫: regrades the enterprises flagged `gradeDirty` (a record, listing, repair, accident, hazard or
 * commitment changed), batch by batch, until none is left or the time budget is spent.
 */
export async function sweepDirty(
  opts: {
    today?: LegalDate;
    batchSize?: number;
    budgetMs?: number;
    trigger?: GradeTrigger;
    /** Called once a batch is graded and stored, before its claims are released (tests use it to change facts mid-sweep). */
    afterBatch?: (usccs: string[]) => Promise<void>;
  } = {},
): Promise<SweepResult> {
  const batchSize = opts.batchSize ?? 500;
  const deadline = Date.now() + (opts.budgetMs ?? 50_000);
  const out: SweepResult = { batches: 0, graded: 0, changed: 0 };
  while (Date.now() < deadline) {
    const stale = (await GradingClaimModel.find({ at: { $lt: new Date(Date.now() - CLAIM_LEASE_MS) } }, { _id: 1 }).limit(batchSize).lean()).map((c) => c._id);
    // Flagged enterprises: an indexed query on the flag (enterprises declare an index on `gradeDirty`).
    const dirty = (await EnterpriseModel.collection.find({ gradeDirty: true }, { projection: { uscc: 1 }, limit: batchSize }).toArray()) as unknown as { _id: unknown; uscc: string }[];
    if (stale.length === 0 && dirty.length === 0) break;
    const usccs = await claim(dirty, stale);
    const r = await regradeUsccs(usccs, { today: opts.today, trigger: opts.trigger ?? 'sweep' });
    await opts.afterBatch?.(usccs);
    await GradingClaimModel.deleteMany({ _id: { $in: usccs } });
    out.batches++;
    out.graded += r.graded;
    out.changed += r.changed;
    if (dirty.length < batchSize && stale.length < batchSize) break;
  }
  if (out.graded) logger.info('grading sweep', out);
  return out;
}

// ---- queries -------------------------------------------------------------------------------

const scope = (p: Principal) => scopeFilter(p, { uscc: 'uscc', district: 'districtCode' });

/** When the last completed full regrade ended: it confirmed every grade it did not rewrite. */
async function lastFullRegradeAt(): Promise<Date | null> {
  return (await GradingStateModel.findById('lastFull').lean())?.at ?? null;
}

const later = (a: Date, b: Date | null) => (b && b > a ? b : a);

export function presentGrade(doc: GradeDoc, lastFull: Date | null = null) {
  return { ...presentGradeSummary(doc, lastFull), reasons: doc.reasons };
}

/** A grade without its reasons (lists). `version` counts the changes of score or tier. */
export function presentGradeSummary(doc: GradeDoc, lastFull: Date | null = null) {
  return {
    uscc: doc.uscc,
    name: doc.name,
    districtCode: doc.districtCode,
    industryCode: doc.industryCode ?? null,
    score: doc.score,
    tier: doc.tier,
    scorecardVersion: doc.scorecardVersion,
    gradedAt: doc.gradedAt,
    checkedAt: later(doc.checkedAt, lastFull),
    version: doc.seq,
  };
}

async function findGrade(uscc: string, principal: Principal): Promise<GradeDoc> {
  // A point read by `_id`, then the principal's scope checked here (see keyId).
  const doc = (await GradeModel.findById(gradeId(uscc)).lean()) as GradeDoc | null;
  if (!doc || doc.uscc !== uscc || !canSee(principal, doc)) throw AppError.notFound('该企业暂无信用评级（不存在、不在职权范围内或尚未评级）');
  return doc;
}

export async function getGrade(uscc: string, principal: Principal) {
  return presentGrade(await findGrade(uscc, principal), await lastFullRegradeAt());
}

export async function gradeHistory(uscc: string, q: PageRequest, principal: Principal) {
  const current = await findGrade(uscc, principal);
  // Entries are numbered 1…seq with ids derived from (USCC, seq): a page is one `_id $in` read, newest first.
  // (Any entry above the grade's seq was left by a crash before its grade was written: never shown.)
  const top = q.cursor ? Number(decodeCursor(q.cursor)[0]) - 1 : current.seq;
  if (!Number.isInteger(top) || top < 0 || top > current.seq) throw AppError.validation([{ path: 'query.cursor', message: '分页游标无效' }]);
  const seqs = Array.from({ length: Math.max(0, Math.min(q.limit + 1, top)) }, (_, i) => top - i);
  const found = await byIds<GradeHistoryDoc>(GradeHistoryModel.collection, seqs.map((n) => historyId(uscc, n)));
  const entries = (found as unknown as GradeHistoryDoc[]).filter((h) => h.uscc === uscc).sort((a, b) => b.seq - a.seq);
  const items = entries.slice(0, q.limit);
  const last = items[items.length - 1];
  const page = { items, nextCursor: seqs.length > q.limit && last ? encodeCursor(last.seq, last._id) : null };
  return {
    items: page.items.map((h) => ({
      version: h.seq,
      score: h.score,
      tier: h.tier,
      previous: h.previous ?? null,
      reasons: h.reasons,
      scorecardVersion: h.scorecardVersion,
      gradedAt: h.gradedAt,
      trigger: h.trigger,
    })),
    nextCursor: page.nextCursor,
  };
}

export interface GradeListQuery extends PageRequest {
  tier?: Tier;
  district?: string;
  industry?: string;
}

function filters(q: { tier?: Tier; district?: string; industry?: string }, principal: Principal): Record<string, unknown>[] {
  const and: Record<string, unknown>[] = [scope(principal)];
  if (q.tier) and.push({ tier: q.tier });
  if (q.district) and.push({ districtCode: districtFilter(q.district) });
  if (q.industry) and.push({ industryCode: { $regex: `^${escapeRegex(q.industry)}` } });
  return and;
}

export async function listGrades(q: GradeListQuery, principal: Principal) {
  const [page, lastFull] = await Promise.all([
    paginate(GradeModel, { $and: filters(q, principal) }, q, { field: 'uscc', order: 1 }, { reasons: 0 }),
    lastFullRegradeAt(),
  ]);
  return { items: page.items.map((d) => presentGradeSummary(d as GradeDoc, lastFull)), nextCursor: page.nextCursor };
}

/**
 * Counts per tier, grouped by district or industry, of the grades in the principal's scope (and under
 * `district`, a code prefix): read from the grade summaries kept with each write.
 */
export async function gradeStats(q: { by: 'district' | 'industry'; district?: string }, principal: Principal) {
  const summary = await gradeCounts();
  const groups = new Map<string, Record<Tier, number> & { total: number }>();
  const totals = { A: 0, B: 0, C: 0, D: 0, total: 0 };
  for (const r of summary.rows) {
    const { district, tier, industry } = r.dims as { district: string; tier: Tier; industry: string };
    if (!inScope(principal, district) || (q.district && !district.startsWith(q.district))) continue;
    const key = (q.by === 'district' ? district : industry) || '未知';
    const g = groups.get(key) ?? { A: 0, B: 0, C: 0, D: 0, total: 0 };
    if (TIERS.includes(tier)) {
      g[tier] += r.n;
      totals[tier] += r.n;
    }
    g.total += r.n;
    totals.total += r.n;
    groups.set(key, g);
  }
  return {
    by: q.by,
    upToDate: summary.upToDate,
    groups: [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, g]) => ({ key, ...g })),
    totals,
  };
}

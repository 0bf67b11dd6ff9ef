import type mongoose from 'mongoose';
import { EnterpriseModel, enterpriseId, type EnterpriseDoc } from './model.js';
import { ENTERPRISE_MUTABLE_FIELDS, missingFields } from './fields.js';
import { AppError } from '../../http/errors.js';
import { escapeRegex, paginate, type PageRequest } from '../../lib/pagination.js';
import { auditId, recordAudit, recordAudits, writerPrincipal, type AuditInput } from '../audit/index.js';
import { assertInScope, canSee, districtFilter, inScope, scopeFilter, type Principal } from '../auth/index.js';
import { isValidUscc, usccDivision } from '../../lib/uscc.js';
import { insertNew } from '../../db/bulk.js';
import { logger } from '../../lib/logger.js';
import { batchSchema, outOfScope, validateRows, type BatchOutcome } from '../../http/batch.js';
import { createEnterpriseBody } from '../../../schemas/enterprises.js';

export type EnterpriseInput = Omit<EnterpriseDoc, 'revision' | 'createdBy' | 'updatedBy' | 'createdAt' | 'updatedAt' | 'usccOverride'> & {
  usccOverride?: { reason: string };
};

type Lean = EnterpriseDoc & { _id: unknown };

export function presentEnterprise(doc: Lean) {
  return {
    id: String(doc._id),
    uscc: doc.uscc,
    name: doc.name,
    subjectType: doc.subjectType,
    legalRepresentative: doc.legalRepresentative,
    districtCode: doc.districtCode,
    industryCode: doc.industryCode ?? null,
    address: doc.address ?? null,
    standardisationGrade: doc.standardisationGrade,
    supervisingAuthority: doc.supervisingAuthority ?? null,
    supervisingAuthorityUscc: doc.supervisingAuthorityUscc ?? null,
    usccOverride: doc.usccOverride ?? null,
    // Created implicitly by a record and not completed yet (待补全): which required fields it lacks.
    needsCompletion: doc.needsCompletion === true,
    missingFields: doc.needsCompletion === true ? missingFields(doc) : [],
    revision: doc.revision,
    createdBy: doc.createdBy,
    createdAt: doc.createdAt,
    updatedBy: doc.updatedBy,
    updatedAt: doc.updatedAt,
  };
}

const scope = (p: Principal) => scopeFilter(p, { uscc: 'uscc', district: 'districtCode' });

export interface CallContext {
  principal: Principal;
  ip?: string;
  /** Where the enterprise came from: 'api', 'batch' or 'import:<id>' (audited). */
  source?: string;
}

/** One registration's outcome: `completed` = an enterprise created implicitly by a record, completed with the row's fields. */
export type EnterpriseBatchResult = BatchOutcome<'created' | 'unchanged' | 'completed', { uscc: string; enterprise: ReturnType<typeof presentEnterprise> }>;
export const ENTERPRISE_BATCH_STATUSES = ['created', 'unchanged', 'completed'] as const;

const registrationSchema = batchSchema(createEnterpriseBody);

/** The document of a newly registered enterprise, as inserted (no undefined fields). */
function registered(input: EnterpriseInput, by: string, now: Date): Lean {
  const { usccOverride, ...data } = input;
  return {
    _id: enterpriseId(data.uscc),
    uscc: data.uscc,
    ...statedFields(data),
    // An override is recorded only when it was actually needed.
    ...(usccOverride && !isValidUscc(data.uscc) ? { usccOverride: { reason: usccOverride.reason, by, at: now } } : {}),
    origin: 'api',
    needsCompletion: false,
    gradeDirty: true,
    // Cleared once its entry is stored: see completeEnterprises.
    auditPending: true,
    recordIds: [],
    revision: 1,
    createdBy: by,
    updatedBy: by,
    createdAt: now,
    updatedAt: now,
  } as unknown as Lean;
}

/** The mutable fields a registration states (those it leaves out are absent). */
function statedFields(row: Partial<Lean>): Record<string, unknown> {
  return Object.fromEntries(ENTERPRISE_MUTABLE_FIELDS.flatMap((f) => (row[f] === undefined ? [] : [[f, row[f]]])));
}

const same = (a: unknown, b: unknown) => (a ?? '') === (b ?? '');

/** The fields a registration states differently from the stored enterprise. */
function differingFields(stored: Lean, row: Lean): string[] {
  return ENTERPRISE_MUTABLE_FIELDS.filter((f) => !same(stored[f], row[f]));
}

/**
 * Registers enterprises (POST /enterprises, its batch, the roster import): each input validated with the
 * registration schema and refused outside the principal's authority scope, then ONE unordered insert on the
 * unique USCC. An existing USCC answers `unchanged` when the row states exactly what is stored, is completed
 * (`completed`) when it is an enterprise created implicitly by a record still awaiting completion, and is
 * otherwise a conflict naming the differing fields (changes go through PATCH). Every enterprise created or
 * completed has its audit entry: a new one is inserted marked `auditPending` and audited last (see
 * completeEnterprises), so a repeated request completes what a crash left out. One result per input, in input order.
 */
export async function createEnterprises(inputs: unknown[], ctx: CallContext, opts: { validated?: boolean } = {}): Promise<EnterpriseBatchResult[]> {
  const results: EnterpriseBatchResult[] = new Array(inputs.length);
  const rows = (
    opts.validated
      ? inputs.map((input, index) => ({ index, data: input as EnterpriseInput }))
      : validateRows<EnterpriseInput, EnterpriseBatchResult>(registrationSchema, inputs, results, {}, '企业信息校验失败')
  ).filter(({ index, data }) => {
    if (inScope(ctx.principal, data.districtCode)) return true;
    results[index] = outOfScope(index, 'districtCode', '超出本人职权范围（行政区划），不能登记该企业', `行政区划 ${data.districtCode} 不在本人职权范围（${ctx.principal.scope.join('、')}）内`);
    return false;
  });
  if (rows.length === 0) return results;

  const now = new Date();
  const docs = rows.map(({ data }) => registered(data, ctx.principal.id, now));
  const dup = new Set(await insertNew(EnterpriseModel.collection, docs));
  const stored = await storedEnterprises([...dup].map((i) => docs[i].uscc));
  // The enterprises whose `enterprise.create` entry this call stores: those it inserted, and those it found still
  // marked by another request (a registration or record that created them stopped before auditing them: a crash).
  const pending: PendingEnterprise[] = [];
  // Per USCC, the first row naming an enterprise awaiting completion completes it.
  const completing = new Map<string, { index: number; row: Lean; prior: Lean }>();
  const later: { index: number; row: Lean }[] = [];
  rows.forEach(({ index }, i) => {
    const row = docs[i];
    if (!dup.has(i)) {
      results[index] = { index, status: 'created', id: String(row._id), uscc: row.uscc, enterprise: presentEnterprise(row) };
      pending.push({ doc: row, inserted: true });
      return;
    }
    const prior = stored.get(row.uscc);
    if (!prior) throw new Error(`enterprise ${row.uscc}: duplicate key but not found`);
    if (prior.needsCompletion && !completing.has(row.uscc)) completing.set(row.uscc, { index, row, prior });
    else later.push({ index, row });
  });
  const inserted = new Set(pending.map((p) => p.doc.uscc));
  for (const doc of stored.values()) if (doc.auditPending && !inserted.has(doc.uscc)) pending.push({ doc, inserted: false });
  const current = await completeImplicit([...completing.values()], results, ctx, now);
  for (const { index, row } of later) results[index] = existingOutcome(index, row, current.get(row.uscc) ?? stored.get(row.uscc)!);
  await completeEnterprises(pending, ctx);
  return results;
}

/** The enterprises of these USCCs, without their record ids (a long list for an enterprise with many records). */
async function storedEnterprises(usccs: string[]): Promise<Map<string, Lean>> {
  if (usccs.length === 0) return new Map();
  const docs = (await EnterpriseModel.find({ uscc: { $in: [...new Set(usccs)] } }, { recordIds: 0 }).lean()) as unknown as Lean[];
  return new Map(docs.map((d) => [d.uscc, d]));
}

/** A registration of a USCC that exists (and is not being completed by it): unchanged or a conflict. */
function existingOutcome(index: number, row: Lean, prior: Lean): EnterpriseBatchResult {
  const differing = differingFields(prior, row);
  if (differing.length === 0) return { index, status: 'unchanged', id: String(prior._id), uscc: prior.uscc, enterprise: presentEnterprise(prior) };
  return {
    index,
    status: 'error',
    code: 'CONFLICT',
    id: String(prior._id),
    message: `统一社会信用代码 ${prior.uscc} 的企业已存在且信息不同；如需修改，请在该企业信息页办理“修改企业信息”（PATCH /api/v1/enterprises/${prior.uscc}）`,
    details: [
      { path: 'uscc', message: `统一社会信用代码已存在，登记信息与本条不同；如需修改，请在该企业信息页办理“修改企业信息”（PATCH /api/v1/enterprises/${prior.uscc}）` },
      ...differing.map((f) => ({ path: f, message: '与已登记的企业信息不同' })),
    ],
  };
}

/**
 * Completes enterprises created implicitly by records with registrations' fields: one bulk write of updates,
 * each conditioned on the revision read and the flag (a concurrent change is never overwritten), setting the
 * fields, clearing `needsCompletion` and flagging the grade in the same write; then one read tells which
 * applied. A row whose update did not apply (changed meanwhile) is judged against the enterprise as it now is.
 * Returns the enterprises as read after the writes.
 */
async function completeImplicit(
  items: { index: number; row: Lean; prior: Lean }[],
  results: EnterpriseBatchResult[],
  ctx: CallContext,
  now: Date,
): Promise<Map<string, Lean>> {
  if (items.length === 0) return new Map();
  const by = ctx.principal.id;
  const allowed = items.filter(({ index, prior }) => {
    if (inScope(ctx.principal, prior.districtCode)) return true;
    results[index] = outOfScope(index, 'uscc', '超出本人职权范围（行政区划），不能补全该企业', `该企业登记的行政区划 ${prior.districtCode} 不在本人职权范围（${ctx.principal.scope.join('、')}）内`);
    return false;
  });
  if (allowed.length) {
    await EnterpriseModel.collection.bulkWrite(
      allowed.map(({ row, prior }) => {
        const set = statedFields(row);
        return {
          updateOne: {
            filter: { _id: prior._id, revision: prior.revision, needsCompletion: true } as never,
            update: { $set: { ...set, needsCompletion: missingFields({ ...prior, ...set }).length > 0, gradeDirty: true, updatedBy: by, updatedAt: now }, $inc: { revision: 1 } },
          },
        };
      }),
      { ordered: false },
    );
  }
  const current = await storedEnterprises(items.map((x) => x.row.uscc));
  const audits: AuditInput[] = [];
  for (const { index, row, prior } of allowed) {
    const after = current.get(row.uscc)!;
    const applied = after.revision === prior.revision + 1 && after.updatedBy === by && after.updatedAt?.getTime() === now.getTime();
    if (!applied) {
      results[index] = existingOutcome(index, row, after);
      continue;
    }
    results[index] = { index, status: 'completed', id: String(after._id), uscc: after.uscc, enterprise: presentEnterprise(after) };
    audits.push({
      action: 'enterprise.update',
      resource: 'enterprise',
      resourceId: after.uscc,
      principal: ctx.principal,
      ip: ctx.ip,
      before: presentEnterprise(prior),
      after: presentEnterprise(after),
      detail: { completes: true, ...(ctx.source ? { source: ctx.source } : {}) },
    });
  }
  await recordAudits(audits);
  return current;
}

/**
 * POST /enterprises: one registration through the same path as the batch — 201 created, 200 completed (an
 * enterprise created implicitly by a record), 409 when the USCC exists, 403 outside the scope.
 */
export async function createEnterprise(input: EnterpriseInput, ctx: CallContext): Promise<{ status: 201 | 200; enterprise: ReturnType<typeof presentEnterprise> }> {
  const [r] = await createEnterprises([input], ctx, { validated: true });
  if (r.status === 'created') return { status: 201, enterprise: r.enterprise };
  if (r.status === 'completed') return { status: 200, enterprise: r.enterprise };
  if (r.status === 'unchanged') throw AppError.conflict('该统一社会信用代码的企业已存在', [{ path: 'uscc', message: '统一社会信用代码已存在' }]);
  if (r.code === 'FORBIDDEN') throw AppError.forbidden('超出本人职权范围（行政区划）');
  if (r.code === 'CONFLICT') throw AppError.conflict('该统一社会信用代码的企业已存在', r.details);
  throw AppError.validation(r.details);
}

/** Enterprises by USCC: one query on the unique `uscc` index. Unknown USCCs are absent. */
export async function enterprisesByUscc<K extends keyof EnterpriseDoc>(usccs: string[], fields?: K[]): Promise<Map<string, Pick<EnterpriseDoc, K | 'uscc'> & { _id: unknown }>> {
  type Found = Pick<EnterpriseDoc, K | 'uscc'> & { _id: unknown };
  const wanted = [...new Set(usccs)];
  if (wanted.length === 0) return new Map();
  const projection = fields ? Object.fromEntries([...fields, 'uscc'].map((f) => [f, 1])) : undefined;
  const docs = (await EnterpriseModel.find(wanted.length === 1 ? { uscc: wanted[0] } : { uscc: { $in: wanted } }, projection).lean()) as unknown as Found[];
  return new Map(docs.map((d) => [d.uscc, d]));
}

/** One enterprise the principal may see, or 404 (out of scope answers like unknown). */
export async function findVisibleEnterprise(uscc: string, principal: Principal): Promise<Lean> {
  const doc = (await enterprisesByUscc([uscc])).get(uscc) as Lean | undefined;
  if (!doc || !canSee(principal, doc)) throw AppError.notFound('企业不存在');
  return doc;
}

export async function getEnterprise(uscc: string, principal: Principal) {
  return presentEnterprise(await findVisibleEnterprise(uscc, principal));
}

export interface EnterpriseListQuery extends PageRequest {
  district?: string;
  industry?: string;
  name?: string;
  needsCompletion?: boolean;
}

export async function listEnterprises(q: EnterpriseListQuery, principal: Principal) {
  const filter: Record<string, unknown>[] = [];
  // First: those awaiting completion are few, and found by an equality on the (needsCompletion, uscc) index.
  if (q.needsCompletion === true) filter.push({ needsCompletion: true });
  filter.push(scope(principal));
  if (q.needsCompletion === false) filter.push({ needsCompletion: { $ne: true } });
  if (q.district) filter.push({ districtCode: districtFilter(q.district) });
  if (q.industry) filter.push({ industryCode: { $regex: `^${escapeRegex(q.industry)}` } });
  // Any part of the name (MongoDB scans the name index's keys; the embedded database keeps a substring index).
  if (q.name) filter.push({ name: { $regex: escapeRegex(q.name), $options: 'i' } });
  const page = await paginate(EnterpriseModel, { $and: filter }, q, { field: 'uscc', order: 1 });
  return { items: page.items.map(presentEnterprise), nextCursor: page.nextCursor };
}

export async function updateEnterprise(uscc: string, patch: Partial<EnterpriseInput>, ctx: CallContext) {
  const before = await findVisibleEnterprise(uscc, ctx.principal);
  assertInScope(ctx.principal, before.districtCode);
  if (patch.districtCode) assertInScope(ctx.principal, patch.districtCode);
  const set: Record<string, unknown> = {};
  for (const f of ENTERPRISE_MUTABLE_FIELDS) if (patch[f] !== undefined) set[f] = patch[f];
  // An enterprise awaiting completion is complete once it has every required field: cleared in this same write.
  const completes = before.needsCompletion === true && missingFields({ ...before, ...set }).length === 0;
  if (completes) set.needsCompletion = false;
  // Conditioned on the revision read, so two concurrent edits cannot silently overwrite each other.
  const after = await EnterpriseModel.findOneAndUpdate(
    { _id: before._id, revision: before.revision },
    { $set: { ...set, updatedBy: ctx.principal.id }, $inc: { revision: 1 } },
    { new: true },
  ).lean();
  if (!after) throw AppError.conflict('企业信息已被他人修改，请刷新后重试');
  // Its standardisation grade, name, district and industry are part of the grade (and its document).
  await markGradeDirty([uscc]);
  const out = presentEnterprise(after);
  await recordAudit({
    action: 'enterprise.update',
    resource: 'enterprise',
    resourceId: uscc,
    principal: ctx.principal,
    ip: ctx.ip,
    before: presentEnterprise(before),
    after: out,
    ...(completes ? { detail: { completes: true } } : {}),
  });
  return out;
}

/**
 * Enterprises stored before `needsCompletion` existed get it: true for those lacking the industry (created
 * implicitly by records), false for the others. Idempotent; run at start-up. Returns how many were flagged.
 */
export async function flagIncompleteEnterprises(): Promise<number> {
  const unset = { needsCompletion: { $exists: false } };
  const flagged = await EnterpriseModel.updateMany({ ...unset, industryCode: null }, { $set: { needsCompletion: true } }, { timestamps: false });
  await EnterpriseModel.updateMany(unset, { $set: { needsCompletion: false } }, { timestamps: false });
  return flagged.modifiedCount;
}

export interface SubjectFields {
  uscc: string;
  name: string;
  subjectType: EnterpriseDoc['subjectType'];
  legalRepresentative?: string;
  /** Division to use when the enterprise must be created and its USCC has no numeric division. */
  fallbackDistrict: string;
  /** The record about to be stored for this subject (a new enterprise lists it from the start, see `recordIds`). */
  recordId?: mongoose.Types.ObjectId;
}

/** The district an enterprise created from a record gets: the division in its USCC, else the fallback. */
function newEnterpriseDistrict(s: Pick<SubjectFields, 'uscc' | 'fallbackDistrict'>): string {
  const division = usccDivision(s.uscc);
  return /^\d{6}$/.test(division) && division !== '000000' ? division : s.fallbackDistrict;
}

/**
 * The district each subject's records will be filed under, before anything is written: the existing
 * enterprise's district, or the one `ensureEnterprises` would give a new enterprise. Lets a caller apply the
 * authority scope before records — and implicitly their enterprises — are created.
 */
export async function subjectDistricts(subjects: Pick<SubjectFields, 'uscc' | 'fallbackDistrict'>[]): Promise<Map<string, string>> {
  const existing = await enterprisesByUscc(subjects.map((s) => s.uscc), ['districtCode']);
  return new Map(subjects.map((s) => [s.uscc, existing.get(s.uscc)?.districtCode ?? newEnterpriseDistrict(s)]));
}

/**
 * An enterprise whose `enterprise.create` entry may be missing (marked `auditPending`): `inserted` by the
 * calling request, or found still marked — its creating request stopped before auditing it, or is still running.
 */
export interface PendingEnterprise {
  doc: Lean;
  inserted: boolean;
}

/** The enterprises of these USCCs still marked `auditPending`. */
async function markedEnterprises(usccs: string[]): Promise<PendingEnterprise[]> {
  if (usccs.length === 0) return [];
  const docs = (await EnterpriseModel.find({ uscc: { $in: usccs }, auditPending: true }, { recordIds: 0 }).lean()) as unknown as Lean[];
  return docs.map((doc) => ({ doc, inserted: false }));
}

/** Who completes enterprises: a request (its principal, address and the records' source), or a job (none). */
type AuditContext = Partial<CallContext> & { source?: string };

/** The one `enterprise.create` entry of an enterprise (its `_id` derives from the USCC), from the stored enterprise. */
function creationAudit(doc: Lean, ctx: AuditContext, completes: boolean): AuditInput {
  return {
    id: auditId(`enterprise:${doc.uscc}:create`),
    at: doc.createdAt,
    action: doc.usccOverride ? 'enterprise.create.usccOverride' : 'enterprise.create',
    resource: 'enterprise',
    resourceId: doc.uscc,
    principal: writerPrincipal(doc.createdBy, ctx.principal),
    ip: ctx.ip,
    after: presentEnterprise(doc),
    // Created implicitly by a record (or an import): where the record came from, when the caller knows; registered
    // by a batch or a roster import: which.
    detail: doc.origin === 'record' ? { origin: 'record', ...(ctx.source ? { source: ctx.source } : {}) } : ctx.source ? { source: ctx.source } : undefined,
    completes,
  };
}

/**
 * Stores the `enterprise.create` entries of pending enterprises (each at most once: its `_id` derives from the
 * USCC), then clears their marks with one update conditioned on the mark. Returns the USCCs whose entry this
 * call stored.
 *
 * Those are the enterprises counted as created in this request's answer (`enterprisesCreated`): exactly one
 * request stores an enterprise's entry — normally the one that inserted it. When that request stopped before
 * auditing it (a crash), the enterprise stays marked and the repeated request (the resumed import batch, a
 * client's retry) finds it so: the enterprise was created from this request's subject data, so this answer
 * counts it. Two concurrent requests naming one new subject count it once. Not counted again: an enterprise
 * whose entry was already stored when its request died (between that write and the answer) — the entry
 * names the request that created it.
 */
export async function completeEnterprises(pending: PendingEnterprise[], ctx: AuditContext): Promise<string[]> {
  if (pending.length === 0) return [];
  const audits = pending.map((p) => creationAudit(p.doc, ctx, !p.inserted));
  const stored = await recordAudits(audits);
  await EnterpriseModel.collection.updateMany({ _id: { $in: pending.map((p) => p.doc._id) }, auditPending: true } as never, { $unset: { auditPending: '' } });
  return pending.filter((_, i) => stored.has(String(audits[i].id))).map((p) => p.doc.uscc);
}

/** How long a request may take to audit the enterprises it created before the grading sweep does it for them. */
export const AUDIT_PENDING_GRACE_MS = 10 * 60_000;

/**
 * Safety net for a creation no request repeats: enterprises marked `auditPending` for longer than the grace
 * period get their entry (naming their creator, `detail.completed`), counted in no answer. Run by the grading
 * sweep every minute. Returns how many entries it stored.
 */
export async function completeStaleEnterprises(now = new Date(), limit = 500): Promise<number> {
  const stale = (await EnterpriseModel.find({ auditPending: true, createdAt: { $lt: new Date(now.getTime() - AUDIT_PENDING_GRACE_MS) } }, { recordIds: 0 })
    .limit(limit)
    .lean()) as unknown as Lean[];
  const done = await completeEnterprises(stale.map((doc) => ({ doc, inserted: false })), {});
  if (done.length) logger.warn('enterprises audited after their creating request stopped', { enterprises: done.length });
  return done.length;
}

/**
 * Before records are stored: creates the missing enterprises from the records' subject fields (one bulk
 * insert on the unique `uscc` index; existing ones answer duplicate-key), each new one listing its records'
 * ids, flagged for grading and marked `auditPending`. Returns each USCC's district, the USCCs that already
 * existed — once the records are stored, `linkRecords` flags those and adds the ids that were really inserted
 * (a 409 or an idempotent replay adds none, unless the stored record's own request stopped before auditing
 * it: see the records' completeRecordAudits) — and the enterprises whose `enterprise.create`
 * entry the caller stores with `completeEnterprises` once its records are stored and audited: those it
 * inserted, and those it found still marked (a request that created them stopped before auditing them).
 * Auditing last keeps the time between storing an enterprise's entry and answering (which counts it) short.
 */
export async function ensureEnterprises(subjects: SubjectFields[], ctx: CallContext): Promise<{ districts: Map<string, string>; existing: Set<string>; pending: PendingEnterprise[] }> {
  const by = ctx.principal.id;
  const byUscc = new Map<string, SubjectFields>();
  const recordIds = new Map<string, mongoose.Types.ObjectId[]>();
  for (const s of subjects) {
    if (!byUscc.has(s.uscc)) byUscc.set(s.uscc, s);
    if (s.recordId) recordIds.set(s.uscc, [...(recordIds.get(s.uscc) ?? []), s.recordId]);
  }
  const existing = new Set<string>();
  if (byUscc.size === 0) return { districts: new Map(), existing, pending: [] };
  const now = new Date();
  // Missing enterprises are inserted (the unique index refuses those that exist): no read first, and an
  // enterprise made meanwhile by a concurrent request is simply found existing.
  const fresh = [...byUscc.values()].map((s) => {
    return {
      _id: enterpriseId(s.uscc),
      uscc: s.uscc,
      name: s.name,
      subjectType: s.subjectType,
      legalRepresentative: s.legalRepresentative ?? s.name,
      districtCode: newEnterpriseDistrict(s),
      standardisationGrade: '无',
      origin: 'record',
      needsCompletion: true,
      gradeDirty: true,
      auditPending: true,
      recordIds: recordIds.get(s.uscc) ?? [],
      revision: 1,
      createdBy: by,
      createdAt: now,
      updatedBy: by,
      updatedAt: now,
    };
  });
  for (const k of await insertNew(EnterpriseModel.collection, fresh)) existing.add(fresh[k].uscc);

  const made = fresh.filter((f) => !existing.has(f.uscc));
  const districts = new Map(made.map((f) => [f.uscc, f.districtCode]));
  const pending: PendingEnterprise[] = made.map((f) => ({ doc: f as unknown as Lean, inserted: true }));
  if (existing.size) {
    const found = [...(await enterprisesByUscc([...existing], ['districtCode', 'auditPending'])).values()];
    for (const d of found) districts.set(d.uscc, d.districtCode);
    pending.push(...(await markedEnterprises(found.filter((d) => d.auditPending).map((d) => d.uscc))));
  }
  return { districts, existing, pending };
}

/**
 * After records of existing enterprises were stored: flags each enterprise for regrading and adds the
 * records' ids to its `recordIds` (one atomic update per enterprise).
 * A crash before this leaves a record its enterprise does not list yet: the repeated request links it (it
 * finds the record without its creation entry, written after this), and the nightly full regrade reads every
 * record and adds any id still missing.
 */
export async function linkRecords(links: { uscc: string; recordId: mongoose.Types.ObjectId }[]): Promise<void> {
  const ids = new Map<string, mongoose.Types.ObjectId[]>();
  for (const l of links) ids.set(l.uscc, [...(ids.get(l.uscc) ?? []), l.recordId]);
  await flagForGrading(ids);
}

/** Flags enterprises for regrading (the grading sweep clears the flag). */
export async function markGradeDirty(usccs: string[]): Promise<void> {
  await flagForGrading(new Map(usccs.map((u) => [u, []])));
}

/**
 * Sets the enterprises' `gradeDirty` flag (the grading sweep finds them by its index) and adds record ids to their `recordIds`: one
 * single-document update per enterprise (atomic: `$set` and `$addToSet`, no read first).
 */
async function flagForGrading(recordIds: Map<string, mongoose.Types.ObjectId[]>): Promise<void> {
  const usccs = [...recordIds.keys()];
  if (usccs.length === 0) return;
  await EnterpriseModel.bulkWrite(
    usccs.map((u) => {
      const ids = recordIds.get(u)!;
      return { updateOne: { filter: { uscc: u }, update: { $set: { gradeDirty: true }, ...(ids.length ? { $addToSet: { recordIds: { $each: ids } } } : {}) } } };
    }),
    { ordered: false, timestamps: false },
  );
}

import { isDuplicateKey } from '../../db/errors.js';
import { tallyDirtyFields } from '../../db/tally.js';
import { createHash } from 'node:crypto';
import type Joi from 'joi';
import mongoose from 'mongoose';
import { RecordModel, type RecordDoc, type RecordVersion, type Lifecycle, type VersionAction } from './model.js';
import { KIND_PATH, KIND_LABEL, type RecordKind } from './fields.js';
import { GROUND_MARK, LISTING_MARK, creditRules, derive, publicityEnded, revocationVersion, type PenaltyDerived } from './rules.js';
import { recordBody } from '../../../schemas/records.js';
import { validateValue } from '../../http/validate.js';
import { AppError } from '../../http/errors.js';
import { batchSchema, outOfScope, validateRows, type BatchOutcome } from '../../http/batch.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { usccDivision, usccProblem, USCC_PLACEHOLDER } from '../../lib/uscc.js';
import { todayInShanghai } from '../../lib/calendar.js';
import { auditId, missingAudits, recordAudits, writerPrincipal, type AuditInput } from '../audit/index.js';
import { districtFilter, inScope, scopeFilter, type Principal } from '../auth/index.js';
import { completeEnterprises, ensureEnterprises, enterprisesByUscc, linkRecords, markGradeDirty, subjectDistricts } from '../enterprises/index.js';
import { deliveryMarks, initialDelivery, type WithdrawReason } from '../publicity/outbox.js';
import { platformIds } from '../publicity/platforms.js';
import { presentRecord, presentVersion } from './present.js';
import { emitRecordRevoked } from './hooks.js';

export interface CallContext {
  principal: Principal;
  ip?: string;
  /** Where the record came from: 'api', 'batch' or 'import:<id>'. */
  source?: string;
}

type Lean = RecordDoc & { _id: mongoose.Types.ObjectId };

/** Canonical JSON (sorted keys, no undefined) → sha256: equal content ⇔ equal hash. */
export function contentHash(data: Record<string, unknown>): string {
  const canon = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canon);
    if (v && typeof v === 'object' && !(v instanceof Date)) {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256').update(JSON.stringify(canon(data))).digest('hex');
}

const scope = (p: Principal) => scopeFilter(p, { uscc: 'uscc', district: 'districtCode' });

/** How to change an existing record, in the user's words (the console's 更正 on the record; the API's PATCH on it). */
function correctionHint(kind: RecordKind, id: unknown): string {
  return `请对已录入的${KIND_LABEL[kind]}记录办理更正（PATCH /api/v1/${KIND_PATH[kind]}/${String(id)}）`;
}

function lifecycleOf(kind: RecordKind, data: Record<string, unknown>): Lifecycle {
  return kind === 'permit' && data.status === '2' ? 'expired' : 'active';
}

export type BatchResult = BatchOutcome<'created' | 'unchanged', { record: ReturnType<typeof presentRecord> }>;

/** recordBody(kind) with the validation preferences compiled into it once (see batchSchema). */
const batchSchemas = new Map<RecordKind, Joi.ObjectSchema>();
function recordBatchSchema(kind: RecordKind): Joi.ObjectSchema {
  let s = batchSchemas.get(kind);
  if (!s) batchSchemas.set(kind, (s = batchSchema(recordBody(kind))));
  return s;
}

/** The subject's USCC of a record, or undefined for natural persons and the placeholder code. */
const subjectUscc = (data: Record<string, unknown>) => (typeof data.uscc === 'string' && data.uscc !== USCC_PLACEHOLDER ? data.uscc : undefined);

/**
 * The authority scope on every creation path (single records, batches, imports, and the enterprises they
 * create implicitly): a row is filed under its enterprise's district (a new enterprise's: the division in
 * its USCC), or the deciding authority's for a subject without a code — outside the principal's divisions it
 * is refused as that row's error (403 for a single record) before anything is written. Returns the rows kept.
 */
async function withinScope<R extends { index: number; data: Record<string, unknown> }>(rows: R[], results: BatchResult[], principal: Principal): Promise<R[]> {
  const subjects = rows.flatMap(({ data }) => (subjectUscc(data) ? [{ uscc: subjectUscc(data)!, fallbackDistrict: usccDivision(data.authorityUscc as string) }] : []));
  const districts = await subjectDistricts(subjects);
  return rows.filter(({ index, data }) => {
    const uscc = subjectUscc(data);
    const district = (uscc && districts.get(uscc)) || usccDivision(data.authorityUscc as string);
    if (inScope(principal, district)) return true;
    const message = `${uscc ? '该主体' : '决定机关'}所在行政区划 ${district} 不在本人职权范围（${principal.scope.join('、')}）内`;
    results[index] = outOfScope(index, uscc ? 'uscc' : 'authorityUscc', '超出本人职权范围（行政区划），不能录入该记录', message);
    return false;
  });
}
/**
 * The subject USCCs among `inputs` that fail only their check character and belong to an enterprise admitted
 * with an audited override (domain.md: early pilot-area codes; enterprise.create.usccOverride): the record
 * schema accepts exactly these (joi context `admittedUsccs`) and refuses every other failing code.
 */
export async function admittedUsccs(inputs: unknown[]): Promise<{ admittedUsccs: string[] }> {
  const suspect = [
    ...new Set(
      inputs.flatMap((x) => {
        const u = (x as { uscc?: unknown } | null)?.uscc;
        const code = typeof u === 'string' ? u.trim().toUpperCase() : '';
        return code && usccProblem(code) === 'checkDigit' ? [code] : [];
      }),
    ),
  ];
  if (suspect.length === 0) return { admittedUsccs: [] };
  const found = await enterprisesByUscc(suspect, ['usccOverride']);
  return { admittedUsccs: suspect.filter((u) => found.get(u)?.usccOverride) };
}

/** What a batch did: one result per input, plus the enterprises it created implicitly (their USCCs; each audited). */
export type BatchResults = BatchResult[] & { enterprisesCreated: string[] };

/**
 * Creates records idempotently on the natural key (deciding authority, 决定文书号): the same key with
 * the same content answers `unchanged`; different content is a conflict pointing to the correction
 * route. Valid records are stored even when others fail. One bulk insert per call.
 */
export async function createRecords(kind: RecordKind, inputs: unknown[], ctx: CallContext, opts: { today?: string; validated?: boolean } = {}): Promise<BatchResults> {
  const today = opts.today ?? todayInShanghai();
  const results: BatchResult[] = new Array(inputs.length);
  let valid = opts.validated
    ? inputs.map((input, index) => ({ index, data: input as Record<string, unknown> }))
    : validateRows<Record<string, unknown>, BatchResult>(recordBatchSchema(kind), inputs, results, { ...(await admittedUsccs(inputs)), today }, '记录校验失败');
  if (ctx.principal.scope.length > 0) valid = await withinScope(valid, results, ctx.principal);
  if (valid.length === 0) return Object.assign(results, { enterprisesCreated: [] });

  const by = ctx.principal.id;
  const now = new Date();
  // Ids first: each enterprise lists its records' ids before the records exist (see EnterpriseDoc.recordIds).
  const ids = valid.map(() => new mongoose.Types.ObjectId());
  const { districts, existing, pending } = await ensureEnterprises(
    valid
      .map((v, i) => ({ ...v, recordId: ids[i] }))
      .filter((v) => typeof v.data.uscc === 'string' && v.data.uscc !== USCC_PLACEHOLDER)
      .map((v) => ({
        recordId: v.recordId,
        uscc: v.data.uscc as string,
        name: v.data.subjectName as string,
        subjectType: v.data.subjectType as never,
        legalRepresentative: v.data.legalRepresentative as string | undefined,
        fallbackDistrict: usccDivision(v.data.authorityUscc as string),
      })),
    ctx,
  );
  const platforms = platformIds();
  const rules = creditRules();
  const docs = valid.map(({ data }, i) => {
    // A penalty whose maximum publicity period already ended on the day it is entered is never published.
    const derived = derive(kind, data, rules, today) as unknown as Record<string, unknown>;
    const hash = contentHash(data);
    const uscc = (data.uscc as string | undefined) ?? null;
    const version: RecordVersion = { version: 1, action: 'create', op: 'upsert', withdrawReason: null, data, derived, contentHash: hash, reason: null, revocation: null, at: now, by, auditId: versionAuditId(ids[i], 1) };
    return {
      _id: ids[i],
      kind,
      authorityUscc: data.authorityUscc as string,
      decisionNumber: data.decisionNumber as string,
      uscc,
      subjectName: data.subjectName as string,
      districtCode: (uscc && districts.get(uscc)) || usccDivision(data.authorityUscc as string),
      decisionDate: data.decisionDate as string,
      version: 1,
      lifecycle: lifecycleOf(kind, data),
      data,
      derived,
      contentHash: hash,
      versions: [version],
      delivery: initialDelivery(platforms, derived.published as boolean, now),
      createdBy: by,
      updatedBy: by,
      createdAt: now,
      updatedAt: now,
      source: ctx.source ?? 'api',
      ...tallyDirtyFields(),
    };
  });

  const failed = new Map<number, { code: number; message: string }>();
  try {
    await RecordModel.collection.insertMany(docs, { ordered: false });
  } catch (err) {
    const writeErrors = (err as { writeErrors?: { index: number; code: number; errmsg?: string }[] }).writeErrors;
    if (!writeErrors) throw err;
    for (const we of writeErrors) failed.set(we.index, { code: we.code, message: we.errmsg ?? '' });
  }

  const stored = docs.filter((_, i) => !failed.has(i));
  await linkRecords(stored.filter((d) => d.uscc !== null && existing.has(d.uscc)).map((d) => ({ uscc: d.uscc!, recordId: d._id })));

  // Duplicates of the natural key: same content → unchanged, else a conflict.
  const dupKeys = [...failed.entries()].filter(([, e]) => isDuplicateKey(e)).map(([i]) => docs[i]);
  const existingByKey = dupKeys.length ? await findByNaturalKeys(kind, dupKeys) : new Map<string, Lean>();

  // Every created record, and every idempotent replay of one, leaves its audit entry.
  const entries: AuditInput[] = [];
  docs.forEach((doc, i) => {
    const index = valid[i].index;
    const fail = failed.get(i);
    if (!fail) {
      results[index] = { index, status: 'created', id: String(doc._id), record: presentRecord(doc as unknown as Lean, ctx.principal) };
      entries.push(versionAudit(kind, doc as unknown as Lean, 1, ctx));
      return;
    }
    const prior = isDuplicateKey(fail) ? existingByKey.get(naturalKey(doc)) : undefined;
    if (!prior) throw new Error(`insert failed: ${fail.message}`);
    const sameContent = prior.contentHash === doc.contentHash || prior.versions[0]?.contentHash === doc.contentHash;
    if (sameContent) {
      results[index] = { index, status: 'unchanged', id: String(prior._id), record: presentRecord(prior, ctx.principal) };
      entries.push({
        action: `${kind}.create.unchanged`,
        resource: kind,
        resourceId: String(prior._id),
        principal: ctx.principal,
        ip: ctx.ip,
        after: { version: prior.version, decisionNumber: prior.decisionNumber, source: ctx.source ?? 'api' },
      });
    } else {
      results[index] = {
        index,
        status: 'error',
        code: 'CONFLICT',
        id: String(prior._id),
        message: `同一决定机关的决定文书号 ${doc.decisionNumber} 已存在且内容不同；如需修改，${correctionHint(kind, prior._id)}`,
        details: [{ path: 'decisionNumber', message: `该决定文书号已录入且内容不同；如需修改，${correctionHint(kind, prior._id)}` }],
      };
    }
  });
  // So does every record met by its natural key whose own entries a stopped request left out.
  await completeRecordAudits(kind, [...existingByKey.values()], ctx, entries);
  // Last: the enterprises this call created (or found left unaudited) are audited and counted.
  const enterprisesCreated = await completeEnterprises(pending, { ...ctx, source: ctx.source ?? 'api' });
  return Object.assign(results, { enterprisesCreated });
}

/** The `_id` of the audit entry of a record's version n (stored in the version as `auditId`). */
const versionAuditId = (recordId: unknown, n: number) => auditId(`record:${String(recordId)}:v${n}`);

/**
 * The one audit entry of version n of a stored record: `<kind>.create` for version 1, else `<kind>.<action>`,
 * naming the version's writer and time. `lifecycleBefore` is known only to the request appending the version;
 * a completion (`completes`) writes what the record still tells.
 */
function versionAudit(kind: RecordKind, record: Lean, n: number, ctx: CallContext, opts: { lifecycleBefore?: Lifecycle; completes?: boolean } = {}): AuditInput {
  const v = record.versions.find((x) => x.version === n)!;
  const common = { id: v.auditId, at: v.at, resource: kind, resourceId: String(record._id), principal: writerPrincipal(v.by, ctx.principal), ip: ctx.ip, completes: opts.completes };
  if (n === 1) return { ...common, action: `${kind}.create`, after: { version: 1, decisionNumber: v.data.decisionNumber, source: record.source ?? 'api' } };
  const previous = record.versions.find((x) => x.version === n - 1);
  return {
    ...common,
    action: `${kind}.${v.action}`,
    before: { version: n - 1, contentHash: previous?.contentHash, ...(opts.lifecycleBefore ? { lifecycle: opts.lifecycleBefore } : {}) },
    after: { version: n, contentHash: v.contentHash, ...(n === record.version ? { lifecycle: record.lifecycle } : {}), reason: v.reason ?? null, withdraw: v.withdrawReason ?? null },
  };
}

/**
 * Writes `entries` together with the entries the given stored records miss: a request that stopped (a crash)
 * between writing a version and its audit entry leaves it missing, and whichever request meets the record
 * next — the repeated request above all — writes it (once: its `_id` is the version's `auditId`; one read
 * finds which are missing). Versions stored before entries had fixed ids were audited by their own request.
 * A record whose creation entry is missing may not be in its enterprise's `recordIds` either (linking comes
 * before auditing): it is linked first.
 */
async function completeRecordAudits(kind: RecordKind, records: Lean[], ctx: CallContext, entries: AuditInput[] = []): Promise<void> {
  const missing = await missingAudits(records.flatMap((r) => r.versions.flatMap((v) => (v.auditId ? [v.auditId] : []))));
  const unaudited = (v: RecordVersion | undefined) => v?.auditId !== undefined && missing.has(String(v.auditId));
  await linkRecords(records.filter((r) => r.uscc && unaudited(r.versions[0])).map((r) => ({ uscc: r.uscc!, recordId: r._id })));
  const completions = records.flatMap((r) => r.versions.filter(unaudited).map((v) => versionAudit(kind, r, v.version, ctx, { completes: true })));
  if (entries.length + completions.length) await recordAudits([...entries, ...completions]);
}

type KeyFields = Pick<RecordDoc, 'kind' | 'authorityUscc' | 'decisionNumber'>;
const naturalKey = (r: KeyFields) => `${r.kind}:${r.authorityUscc}:${r.decisionNumber}`;

/**
 * The stored records of these natural keys (those whose insert met the unique index): one query
 * (authorityUscc ∈ …, decisionNumber ∈ …, kind), the exact pairs matched here.
 */
async function findByNaturalKeys(kind: RecordKind, wanted: KeyFields[]): Promise<Map<string, Lean>> {
  const keys = new Set(wanted.map(naturalKey));
  const docs = (await RecordModel.find({
    // The authority first: see listFilter on the order of conditions.
    authorityUscc: { $in: [...new Set(wanted.map((w) => w.authorityUscc))] },
    decisionNumber: { $in: [...new Set(wanted.map((w) => w.decisionNumber))] },
    kind,
  }).lean()) as Lean[];
  return new Map(docs.filter((d) => keys.has(naturalKey(d))).map((d) => [naturalKey(d), d]));
}

/** One record through the same path as a batch: 201 created, 200 unchanged, 409 conflict, 400 invalid. */
export async function createRecord(kind: RecordKind, input: Record<string, unknown>, ctx: CallContext) {
  const [r] = await createRecords(kind, [input], ctx, { validated: true });
  if (r.status === 'error') {
    if (r.code === 'CONFLICT') throw AppError.conflict(r.message, r.details);
    if (r.code === 'FORBIDDEN') throw new AppError('FORBIDDEN', 403, r.message, r.details);
    throw AppError.validation(r.details);
  }
  return r;
}

async function findScoped(kind: RecordKind, id: string, principal: Principal): Promise<Lean> {
  if (!mongoose.isValidObjectId(id)) throw AppError.notFound(`${KIND_LABEL[kind]}记录不存在`);
  const doc = await RecordModel.findOne({ $and: [{ _id: id, kind }, scope(principal)] }).lean();
  if (!doc) throw AppError.notFound(`${KIND_LABEL[kind]}记录不存在`);
  return doc as Lean;
}

export async function getRecord(kind: RecordKind, id: string, principal: Principal) {
  return presentRecord(await findScoped(kind, id, principal), principal);
}

export async function listVersions(kind: RecordKind, id: string, principal: Principal) {
  const doc = await findScoped(kind, id, principal);
  return { id: String(doc._id), items: doc.versions.map((v) => presentVersion(kind, v, principal)) };
}

export interface RecordListQuery extends PageRequest {
  uscc?: string;
  authority?: string;
  district?: string;
  from?: string;
  to?: string;
  severity?: string;
  status?: Lifecycle;
  delivery?: string;
}


/**
 * The list's conditions as one query filter (each shape served by an index declared in model.ts), the most
 * selective first: the embedded database's SQLite planner, without statistics, searches the index of the
 * first condition it can use (MongoDB's planner chooses by itself).
 */
function listFilter(kind: RecordKind | undefined, q: RecordListQuery, principal: Principal): Record<string, unknown> {
  const and: Record<string, unknown>[] = [];
  if (q.uscc) and.push({ uscc: q.uscc });
  and.push(scope(principal));
  if (q.authority) and.push({ authorityUscc: q.authority });
  if (q.district) and.push({ districtCode: districtFilter(q.district) });
  if (kind) and.push({ kind });
  if (q.from || q.to) and.push({ decisionDate: { ...(q.from ? { $gte: q.from } : {}), ...(q.to ? { $lte: q.to } : {}) } });
  if (q.severity) and.push({ 'derived.severity': q.severity });
  if (q.status) and.push({ lifecycle: q.status });
  if (q.delivery) and.push({ $or: platformIds().map((p) => ({ [`delivery.${p}.state`]: q.delivery })) });
  return { $and: and };
}

/** Newest first: by decision date, then `_id` (the cursor of lib/pagination.ts). */
const LIST_SORT = { field: 'decisionDate', order: -1 } as const;

/** A page of records: one indexed query (filter, sort, limit), read from the database on every call. */
export async function listRecords(kind: RecordKind | undefined, q: RecordListQuery, principal: Principal) {
  const page = await paginate(RecordModel, listFilter(kind, q, principal), q, LIST_SORT, { versions: 0 });
  return { items: page.items.map((d) => presentRecord(d as Lean, principal)), nextCursor: page.nextCursor };
}

interface NewVersion {
  action: VersionAction;
  data: Record<string, unknown>;
  reason: string | null;
  revocation?: RecordVersion['revocation'];
  /** Withdrawals: take the record off public view with this contract reason. */
  withdraw?: WithdrawReason;
  lifecycle: Lifecycle;
  /** The legal date the version is stored on (default today): a penalty whose publicity ended before it is not published. */
  today?: string;
}

/**
 * Appends version n+1 and queues its delivery in ONE conditional single-document update (on the
 * version read), so concurrent changes cannot interleave and nothing is ever overwritten.
 */
async function appendVersion(kind: RecordKind, prior: Lean, nv: NewVersion, ctx: CallContext): Promise<Lean> {
  const now = new Date();
  const version = prior.version + 1;
  const derived = derive(kind, nv.data, creditRules(), nv.today ?? todayInShanghai(now)) as unknown as Record<string, unknown>;
  const op = nv.withdraw ? 'withdraw' : 'upsert';
  const publish = Boolean(derived.published);
  const entry: RecordVersion = {
    version,
    action: nv.action,
    op,
    withdrawReason: nv.withdraw ?? null,
    data: nv.data,
    derived,
    contentHash: contentHash(nv.data),
    reason: nv.reason,
    revocation: nv.revocation ?? null,
    at: now,
    by: ctx.principal.id,
    auditId: versionAuditId(prior._id, version),
  };
  const after = await RecordModel.findOneAndUpdate(
    { _id: prior._id, version: prior.version },
    {
      $set: {
        version,
        lifecycle: nv.lifecycle,
        data: nv.data,
        derived,
        contentHash: entry.contentHash,
        authorityUscc: nv.data.authorityUscc,
        decisionNumber: nv.data.decisionNumber,
        subjectName: nv.data.subjectName,
        decisionDate: nv.data.decisionDate,
        updatedBy: ctx.principal.id,
        updatedAt: now,
        ...deliveryMarks(platformIds(), prior.delivery, version, op, nv.withdraw ?? null, publish, now),
      },
      $push: { versions: entry },
    },
    { new: true, timestamps: false },
  ).lean();
  // Another change appended its version since `prior` was read: this one is refused, never merged.
  if (!after) throw AppError.conflict('记录已被他人修改，请刷新后重试');
  if (prior.uscc) await markGradeDirty([prior.uscc]);
  // A crash before this leaves the version without its entry: the repeated request completes it (completeRecordAudits).
  await recordAudits([versionAudit(kind, after as Lean, version, ctx, { lifecycleBefore: prior.lifecycle })]);
  return after as Lean;
}

/** 更正: merges the changes, re-validates the whole record, appends version n+1. */
export async function correctRecord(kind: RecordKind, id: string, body: { reason: string; changes: Record<string, unknown> }, ctx: CallContext) {
  const prior = await findScoped(kind, id, ctx.principal);
  if (prior.lifecycle === 'revoked') throw AppError.conflict('记录已撤销，不能更正');
  if (prior.lifecycle === 'withdrawn') throw AppError.conflict('记录已停止公示（已修复或公示期满），不能更正');
  // The serious-dishonesty marks are not fields of the standard: they are kept across corrections, not validated.
  const { [LISTING_MARK]: listing, [GROUND_MARK]: ground, ...current } = prior.data;
  const merged = { ...current, ...body.changes };
  const { value, details } = validateValue<Record<string, unknown>>(recordBody(kind), merged, undefined, await admittedUsccs([merged]));
  if (details) throw AppError.validation(details, '更正后的记录校验失败');
  // The subject (行政相对人) is not corrected: the record would stay filed under, listed and graded on the old
  // enterprise. A decision entered against the wrong party is revoked and entered again for the right one.
  if ((value!.uscc ?? null) !== (current.uscc ?? null)) {
    throw AppError.validation(
      [{ path: 'changes.uscc', message: `不能通过更正变更行政相对人（原统一社会信用代码 ${String(current.uscc ?? '无')}）：请撤销本记录（action=revoke），再按正确的相对人重新录入` }],
      '更正不能变更行政相对人',
    );
  }
  const data = { ...value!, ...(listing ? { [LISTING_MARK]: listing } : {}), ...(ground ? { [GROUND_MARK]: ground } : {}) };
  if (contentHash(data) === prior.contentHash) {
    // The same correction again (same result, reason and clerk) repeats one whose answer was lost — its process
    // may have stopped after appending the version but before flagging the grade or auditing it: that is
    // completed, and the answer is the first one's. Anything else equal to the current version changes nothing.
    const last = prior.versions[prior.versions.length - 1];
    if (last?.action !== 'correct' || last.reason !== body.reason || last.by !== ctx.principal.id) {
      throw AppError.validation([{ path: 'changes', message: '更正内容与当前版本相同' }]);
    }
    if (prior.uscc) await markGradeDirty([prior.uscc]);
    const repeat: AuditInput = { action: `${kind}.correct.unchanged`, resource: kind, resourceId: String(prior._id), principal: ctx.principal, ip: ctx.ip, after: { version: prior.version, contentHash: prior.contentHash } };
    await completeRecordAudits(kind, [prior], ctx, [repeat]);
    return presentRecord(prior, ctx.principal);
  }
  try {
    const after = await appendVersion(kind, prior, { action: 'correct', data, reason: body.reason, lifecycle: lifecycleOf(kind, data) }, ctx);
    return presentRecord(after, ctx.principal);
  } catch (err) {
    if (isDuplicateKey(err)) throw AppError.conflict('更正后的决定文书号与同一机关的其他记录重复', [{ path: 'changes.decisionNumber', message: '决定文书号已存在' }]);
    throw err;
  }
}

/** 撤销 / 注销: the decision was revoked; a penalty is withdrawn from public view (reason 撤销), a permit republished as 无效. */
export async function revokeRecord(kind: RecordKind, id: string, revocation: NonNullable<RecordVersion['revocation']>, ctx: CallContext) {
  const prior = await findScoped(kind, id, ctx.principal);
  if (prior.lifecycle === 'revoked') {
    // A repeated revocation: the entries an interrupted one left out are completed; the answer stays 409.
    await completeRecordAudits(kind, [prior], ctx);
    throw AppError.conflict('记录已撤销');
  }
  if (revocation.decisionDate < (prior.data.decisionDate as string)) {
    throw AppError.validation([{ path: 'revocation.decisionDate', message: '撤销决定日期不得早于原决定日期' }]);
  }
  // A permit stays published as 当前状态 2 (无效); a penalty is withdrawn (records/rules.ts revocationVersion, credit-rules.json permitRevocation).
  const effect = revocationVersion(kind, prior.data);
  const after = await appendVersion(kind, prior, { action: 'revoke', data: effect.data, reason: revocation.reason, revocation, withdraw: effect.withdraw ?? undefined, lifecycle: 'revoked' }, ctx);
  // A listing citing this penalty loses (part of) its legal basis: the dishonesty module acts on it.
  await emitRecordRevoked({ recordId: String(prior._id), kind, uscc: prior.uscc ?? null, decisionNumber: prior.decisionNumber, revocation }, ctx);
  return presentRecord(after, ctx.principal);
}

/**
 * Ends a record's publication (信用修复 or 公示期满) with a withdraw version. Idempotent: a record
 * already withdrawn or revoked is returned as it is.
 */
export async function withdrawRecord(id: string, reason: Extract<WithdrawReason, '信用修复' | '公示期满'>, note: string, ctx: CallContext) {
  const prior = (await RecordModel.findById(id).lean()) as Lean | null;
  if (!prior) throw AppError.notFound('记录不存在');
  if (prior.lifecycle === 'withdrawn' || prior.lifecycle === 'revoked') {
    await completeRecordAudits(prior.kind, [prior], ctx);
    return { record: prior, changed: false };
  }
  const after = await appendVersion(prior.kind, prior, { action: 'withdraw', data: prior.data, reason: note, withdraw: reason, lifecycle: 'withdrawn' }, ctx);
  return { record: after, changed: true };
}

/**
 * Restores the publication of a penalty withdrawn by credit repair (信用修复) whose repair was revoked (撤销修复,
 * false materials): a new version (action restore) queued to every platform as an upsert. Not when its
 * maximum publicity period has ended meanwhile (nothing to publish; `publicityEnded`). Idempotent: a record
 * not withdrawn by repair is returned as it is.
 */
export async function restorePublication(id: string, note: string, ctx: CallContext, today = todayInShanghai()) {
  const prior = (await RecordModel.findById(id).lean()) as Lean | null;
  if (!prior || prior.kind !== 'penalty') throw AppError.notFound('行政处罚记录不存在');
  const lastWithdraw = [...prior.versions].reverse().find((v) => v.withdrawReason);
  if (prior.lifecycle !== 'withdrawn' || lastWithdraw?.withdrawReason !== '信用修复') {
    await completeRecordAudits('penalty', [prior], ctx);
    return { record: prior, changed: false, publicityEnded: false };
  }
  const derived = derive('penalty', prior.data, creditRules(), today) as PenaltyDerived;
  if (!derived.published) return { record: prior, changed: false, publicityEnded: publicityEnded(derived.publicityEndDate, today) };
  const after = await appendVersion('penalty', prior, { action: 'restore', data: prior.data, reason: note, lifecycle: 'active', today }, ctx);
  return { record: after, changed: true, publicityEnded: false };
}

/** The serious-dishonesty listing a penalty grounds: `data.listedAsSeriouslyDishonest`, set only through markListed. */
export interface ListingMark {
  listingId: string;
  decisionNumber: string;
  since: string;
  until: string;
}
/** The listing a penalty grounded (`data.groundedSeriousDishonestyListing`): kept when the listing ends, so the penalty stays 严重. */
export interface GroundMark {
  listingId: string;
  decisionNumber: string;
}
const LISTING_NOTE = '【严重失信主体名单】';
const REMARKS_MAX = 1000;

/** Remarks (BZ) with the listing note replaced (or removed when `note` is null); the clerk's own remarks are kept. */
function remarksWithNote(remarks: unknown, note: string | null): string | undefined {
  const own = typeof remarks === 'string' ? remarks.split(LISTING_NOTE)[0].replace(/[；;\s]+$/, '') : '';
  if (!note) return own || undefined;
  const tail = LISTING_NOTE + note;
  const room = REMARKS_MAX - tail.length - 1;
  return own ? `${own.slice(0, Math.max(0, room))}；${tail}` : tail;
}

/**
 * Marks a penalty as grounding a serious-dishonesty listing (`mark`), or removes the mark (`null`), by
 * appending a version (action list / delist) that the delivery engine publishes: the data is unchanged
 * except the marks and a note in the remarks (BZ); derived facts are recomputed (listed → 严重, published
 * while the listing lasts). A listing that ends (expiry, early removal) does not downgrade its penalties:
 * the ground mark stays and they stay 严重 (maximum period 3 years from the decision, repair from 1 year);
 * `annul` (the listing was revoked: it never had a valid basis) removes the ground mark too. Removing the
 * mark from a penalty whose own publicity period has also ended makes that version a withdrawal (公示期满),
 * so the platforms never see it re-published in between. Idempotent: the same marks again change nothing.
 */
export async function markListed(recordId: string, mark: ListingMark | null, ctx: CallContext, today = todayInShanghai(), opts: { annul?: boolean } = {}) {
  const prior = (await RecordModel.findById(recordId).lean()) as Lean | null;
  if (!prior || prior.kind !== 'penalty') throw AppError.notFound('行政处罚记录不存在');
  const { [LISTING_MARK]: current, [GROUND_MARK]: currentGround, ...rest } = prior.data;
  const previous = (current as ListingMark | undefined) ?? null;
  const ground: GroundMark | null = mark
    ? { listingId: mark.listingId, decisionNumber: mark.decisionNumber }
    : opts.annul
      ? null
      : ((currentGround as GroundMark | undefined) ?? (previous ? { listingId: previous.listingId, decisionNumber: previous.decisionNumber } : null));
  if (contentHash({ m: current ?? null, g: currentGround ?? null }) === contentHash({ m: mark, g: ground })) {
    await completeRecordAudits('penalty', [prior], ctx);
    return { record: prior, changed: false };
  }
  if (mark && prior.lifecycle === 'revoked') throw AppError.conflict('该行政处罚决定已撤销，不能据以列入严重失信主体名单');
  const note = mark ? `已列入安全生产严重失信主体名单（${mark.decisionNumber}，列入期限 ${mark.since} 至 ${mark.until}）` : null;
  const data: Record<string, unknown> = { ...rest, remarks: remarksWithNote(rest.remarks, note), ...(mark ? { [LISTING_MARK]: mark } : {}), ...(ground ? { [GROUND_MARK]: ground } : {}) };
  if (data.remarks === undefined) delete data.remarks;
  let lifecycle: Lifecycle = prior.lifecycle;
  let withdraw: WithdrawReason | undefined;
  if (mark) lifecycle = 'active';
  else if (prior.lifecycle !== 'active') withdraw = prior.lifecycle === 'revoked' ? '撤销' : ([...prior.versions].reverse().find((v) => v.withdrawReason)?.withdrawReason ?? '公示期满');
  else if (publicityEnded((derive('penalty', data) as PenaltyDerived).publicityEndDate, today)) {
    lifecycle = 'withdrawn';
    withdraw = '公示期满';
  }
  const what = mark ? null : opts.annul ? '列入决定已撤销' : '移出严重失信主体名单';
  const reason = note ?? `${what}${withdraw === '公示期满' && prior.lifecycle === 'active' ? '，处罚公示期已满，停止公示' : ''}`;
  const after = await appendVersion('penalty', prior, { action: mark ? 'list' : 'delist', data, reason, withdraw, lifecycle, today }, ctx);
  return { record: after, changed: true };
}

const SYSTEM: Principal = { id: 'system', name: '系统任务', roles: ['admin'], scope: [], via: 'apiKey' };

/** Daily: permits whose validity ended become version n+1 with 当前状态 2 (无效). */
export async function expirePermits(today: string, onProgress?: (n: number) => void): Promise<number> {
  let n = 0;
  const cursor = RecordModel.find({ kind: 'permit', lifecycle: 'active', 'data.validTo': { $lt: today } }).lean().cursor();
  for await (const doc of cursor) {
    try {
      await appendVersion('permit', doc as Lean, { action: 'expire', data: { ...doc.data, status: '2' }, reason: `有效期至 ${String(doc.data.validTo)} 届满`, lifecycle: 'expired' }, { principal: SYSTEM });
      n++;
      onProgress?.(n);
    } catch (err) {
      if (!(err instanceof AppError && err.status === 409)) throw err;
    }
  }
  return n;
}

/** Daily: penalties whose maximum publicity period passed are withdrawn with reason 公示期满. */
export async function endExpiredPublicity(today: string, onProgress?: (n: number) => void): Promise<number> {
  let n = 0;
  const cursor = RecordModel.find({ kind: 'penalty', lifecycle: 'active', 'derived.publicityEndDate': { $lt: today } }).lean().cursor();
  for await (const doc of cursor) {
    try {
      const { changed } = await withdrawRecord(String(doc._id), '公示期满', `公示截止期 ${String(doc.derived.publicityEndDate)} 已过`, { principal: SYSTEM });
      if (changed) n++;
      onProgress?.(n);
    } catch (err) {
      if (!(err instanceof AppError && err.status === 409)) throw err;
    }
  }
  return n;
}

export { SYSTEM as SYSTEM_PRINCIPAL };

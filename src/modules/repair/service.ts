import { isDuplicateKey } from '../../db/errors.js';
import mongoose from 'mongoose';
import { AppError } from '../../http/errors.js';
import { todayInShanghai, type LegalDate } from '../../lib/calendar.js';
import { INSTANCE_ID } from '../../lib/jobLock.js';
import { logger } from '../../lib/logger.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { usccDivision } from '../../lib/uscc.js';
import { recordAudit } from '../audit/index.js';
import { inScope, scopeFilter, type Principal } from '../auth/index.js';
import { markGradeDirty } from '../enterprises/index.js';
import { validRepairCommitment } from '../commitments/index.js';
import { regradeNow } from '../grading/index.js';
import { RecordModel, SYSTEM_PRINCIPAL, restorePublication, withdrawRecord, type ListingMark, type RecordDoc, type Severity } from '../records/index.js';
import {
  FulfilmentModel,
  RepairCounterModel,
  RepairFileModel,
  RepairModel,
  type FulfilmentDoc,
  type RepairDoc,
  type RepairHistoryEntry,
} from './model.js';
import {
  OPEN_STATES,
  PENDING_STATES,
  STATE_LABELS,
  TRANSITIONS,
  acceptanceDue,
  authorityContact,
  assessEligibility,
  decisionDue,
  extendedDecisionDue,
  overdueStep,
  paymentRequired,
  reapplicationBarredUntil,
  repairConfig,
  resultSharedDue,
  type CommitmentState,
  type Eligibility,
  type OpenApplication,
  type PenaltyFacts,
  type RepairAction,
} from './rules.js';
import type { CheckedFile } from './upload.js';
import { presentFulfilment, presentRepair } from './present.js';

export interface CallContext {
  principal: Principal;
  ip?: string;
}

type RecordLean = RecordDoc & { _id: mongoose.Types.ObjectId };
export type RepairLean = RepairDoc & { _id: mongoose.Types.ObjectId };

const recordScope = (p: Principal) => scopeFilter(p, { uscc: 'uscc', district: 'districtCode' });
const repairScope = recordScope;

/**
 * Runs a write that may insert a document by its key (an upsert or a first insert); on a duplicate key — a
 * concurrent writer inserted the same key first, which MongoDB reports rather than retries — runs it once more,
 * and the second run finds the document.
 */
async function retryOnDuplicateKey<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    return write();
  }
}

// ---------------------------------------------------------------------------------------------
// Penalties and their facts

/** A penalty visible to the principal (its enterprise's own, or within its scope); 404 otherwise. */
export async function findPenalty(id: string, principal: Principal): Promise<RecordLean> {
  const doc = mongoose.isValidObjectId(id) ? await RecordModel.findOne({ $and: [{ _id: id, kind: 'penalty' }, recordScope(principal)] }).lean() : null;
  if (!doc) throw AppError.notFound('行政处罚记录不存在');
  return doc as RecordLean;
}

export function penaltyFacts(r: RecordLean): PenaltyFacts {
  const d = r.derived as Record<string, string>;
  const latest = r.versions[r.versions.length - 1];
  return {
    lifecycle: r.lifecycle,
    withdrawReason: r.lifecycle === 'withdrawn' ? (latest?.withdrawReason ?? null) : null,
    decisionDate: r.decisionDate,
    severity: d.severity as Severity,
    repairEarliestDate: d.repairEarliestDate,
    publicityEndDate: d.publicityEndDate,
    ruleVersion: d.ruleVersion,
    penaltyTypes: (r.data.penaltyTypes as string[] | undefined) ?? [],
    legalBasis: r.data.legalBasis as string | undefined,
    violationType: r.data.violationType as string | undefined,
    listing: listingOfPenalty(r.data),
  };
}

/** The active listing a penalty grounds: its `listedAsSeriouslyDishonest` mark (records.markListed), present while the listing lasts. */
function listingOfPenalty(data: Record<string, unknown>): PenaltyFacts['listing'] {
  const m = data.listedAsSeriouslyDishonest as ListingMark | undefined;
  return m ? { decisionNumber: m.decisionNumber, since: m.since, until: m.until } : null;
}

async function openApplicationOf(recordId: string, exceptId?: string): Promise<OpenApplication> {
  const open = await RepairModel.findOne({ activeKey: recordId }, { number: 1, state: 1 }).lean();
  if (!open || String(open._id) === exceptId || !OPEN_STATES.includes(open.state)) return { state: 'none' };
  return { state: PENDING_STATES.includes(open.state) ? 'pending' : 'approved', number: open.number };
}

/** The enterprise's 信用修复 commitment registered in the commitments module and in force on `today` (for this penalty or none in particular). */
async function registeredCommitment(record: RecordLean, today: LegalDate) {
  return record.uscc ? validRepairCommitment(record.uscc, today, String(record._id)) : null;
}

/** The latest bar on new applications of a penalty: its repair revoked for false materials (撤销修复). */
async function reapplicationBar(recordId: string): Promise<{ number: string; until: LegalDate } | null> {
  const revoked = await RepairModel.find({ recordId, state: 'revoked' }, { number: 1, revocation: 1 }).lean();
  const bars = revoked.filter((a) => a.revocation).map((a) => ({ number: a.number, until: a.revocation!.barredUntil }));
  return bars.sort((a, b) => (a.until < b.until ? 1 : -1))[0] ?? null;
}

async function evaluate(record: RecordLean, today: LegalDate, commitment: CommitmentState, exceptApplicationId?: string) {
  const recordId = String(record._id);
  const fulfilment = await FulfilmentModel.findById(recordId).lean();
  const eligibility = assessEligibility({
    penalty: penaltyFacts(record),
    fulfilment: fulfilment ? { finePaidDate: fulfilment.finePaidDate, correctionConfirmedDate: fulfilment.correctionConfirmedDate } : null,
    commitment,
    openApplication: await openApplicationOf(recordId, exceptApplicationId),
    today,
    bar: await reapplicationBar(recordId),
  });
  return { eligibility, fulfilment };
}

/** GET /penalties/:id/repair-eligibility: the decision on `date` (default today), every reason and condition. */
export async function repairEligibility(recordId: string, principal: Principal, date = todayInShanghai()) {
  const record = await findPenalty(recordId, principal);
  const registered = await registeredCommitment(record, date);
  const { eligibility, fulfilment } = await evaluate(record, date, registered ? 'given' : 'at-application');
  return {
    recordId,
    decisionNumber: record.decisionNumber,
    date,
    ...eligibility,
    publicityEndDate: (record.derived as Record<string, string>).publicityEndDate,
    fulfilment: fulfilment ? presentFulfilment(fulfilment) : null,
    commitment: registered ? { id: registered.id, signedDate: registered.signedDate, termEnd: registered.termEnd } : null,
    // Whom to contact while the authority's part is missing (缴款登记, 整改确认): "谁认定、谁修复".
    authority: authorityOf(record),
  };
}

/** The deciding authority of a penalty, with its configured contact (config/repair.json authorityContacts), if any. */
function authorityOf(record: RecordLean) {
  const name = (record.data.authorityName as string | undefined) ?? null;
  const uscc = (record.data.authorityUscc as string | undefined) ?? null;
  const c = authorityContact({ uscc, name });
  return { name, uscc, contact: c ? { office: c.office ?? null, phone: c.phone, address: c.address ?? null, hours: c.hours ?? null, source: c.source } : null };
}

/** The facts the repair notice (信用修复告知书) shows: eligibility as of the decision date. */
export async function noticeFacts(recordId: string, principal: Principal) {
  const record = await findPenalty(recordId, principal);
  const { eligibility } = await evaluate(record, record.decisionDate, 'at-application');
  return { record, eligibility };
}

// ---------------------------------------------------------------------------------------------
// Fulfilment of obligations (recorded by the deciding authority's clerk)

export interface FulfilmentInput {
  finePaidDate?: LegalDate;
  correctionConfirmedDate?: LegalDate;
  evidence: string;
}

export async function recordFulfilment(recordId: string, input: FulfilmentInput, ctx: CallContext) {
  const record = await findPenalty(recordId, ctx.principal);
  const problems = [];
  if (input.finePaidDate && !paymentRequired((record.data.penaltyTypes as string[]) ?? [])) problems.push({ path: 'finePaidDate', message: '该处罚不含罚款或没收违法所得，无需登记缴款' });
  for (const field of ['finePaidDate', 'correctionConfirmedDate'] as const) {
    const v = input[field];
    if (v && v < record.decisionDate) problems.push({ path: field, message: `不得早于处罚决定日期 ${record.decisionDate}` });
  }
  if (problems.length) throw AppError.validation(problems);
  const now = new Date();
  const set = {
    ...(input.finePaidDate ? { finePaidDate: input.finePaidDate } : {}),
    ...(input.correctionConfirmedDate ? { correctionConfirmedDate: input.correctionConfirmedDate } : {}),
    evidence: input.evidence,
    updatedBy: ctx.principal.id,
    updatedAt: now,
  };
  // Read, then one conditional write: the first recording inserts (the `_id` is the record id, so of two
  // concurrent first recordings one gets a duplicate key and runs again as an update); later ones update on
  // the revision read, so a recording that lost a race answers 409 instead of overwriting the other's.
  const write = async () => {
    const before = await FulfilmentModel.findById(recordId).lean();
    const entry = {
      finePaidDate: input.finePaidDate ?? before?.finePaidDate ?? null,
      correctionConfirmedDate: input.correctionConfirmedDate ?? before?.correctionConfirmedDate ?? null,
      evidence: input.evidence,
      at: now,
      by: ctx.principal.id,
      byName: ctx.principal.name,
    };
    if (!before) {
      const created = await FulfilmentModel.create({
        _id: recordId,
        uscc: record.uscc ?? null,
        districtCode: record.districtCode,
        finePaidDate: entry.finePaidDate,
        correctionConfirmedDate: entry.correctionConfirmedDate,
        evidence: input.evidence,
        history: [entry],
        revision: 1,
        updatedBy: ctx.principal.id,
      });
      return { before: null, after: created.toObject() as FulfilmentDoc };
    }
    const after = await FulfilmentModel.findOneAndUpdate(
      { _id: recordId, revision: before.revision },
      { $set: set, $inc: { revision: 1 }, $push: { history: entry } },
      { new: true, timestamps: false },
    ).lean();
    if (!after) throw AppError.conflict('履行情况已被他人修改，请刷新后重试');
    return { before, after };
  };
  const result = await retryOnDuplicateKey(write);
  await recordAudit({
    action: 'repair.fulfilment.record',
    resource: 'penalty',
    resourceId: recordId,
    principal: ctx.principal,
    ip: ctx.ip,
    before: result.before ? { finePaidDate: result.before.finePaidDate, correctionConfirmedDate: result.before.correctionConfirmedDate, evidence: result.before.evidence } : null,
    after: { finePaidDate: result.after.finePaidDate, correctionConfirmedDate: result.after.correctionConfirmedDate, evidence: result.after.evidence },
  });
  return presentFulfilment(result.after);
}

// ---------------------------------------------------------------------------------------------
// Applications

export interface ApplicationInput {
  recordId: string;
  commitmentText?: string;
  commitmentAccepted?: boolean;
  contactName: string;
  contactPhone: string;
  statement?: string;
}

/** The next application number of the year: one atomic `$inc` on the year's counter (created by the first). */
async function nextNumber(year: string): Promise<{ number: string; seq: number }> {
  const key = `XF${year}`;
  const doc = await retryOnDuplicateKey(() => RepairCounterModel.findOneAndUpdate({ _id: key }, { $inc: { seq: 1 } }, { upsert: true, new: true }).lean());
  return { number: `${key}-${String(doc!.seq).padStart(6, '0')}`, seq: doc!.seq };
}

function ineligible(eligibility: Eligibility): AppError {
  return new AppError(
    'REPAIR_NOT_ELIGIBLE',
    422,
    '不符合信用修复条件',
    eligibility.reasons.map((r) => ({ path: r.field, message: r.message })),
  );
}

function authorityDivisionOf(record: RecordLean): string {
  const d = usccDivision(record.authorityUscc);
  return /^\d{6}$/.test(d) && d !== '000000' ? d : record.districtCode;
}

function historyEntry(action: RepairHistoryEntry['action'], from: RepairHistoryEntry['from'], to: RepairHistoryEntry['to'], principal: Principal, date: LegalDate, note: string | null, actor?: RepairHistoryEntry['actor']): Omit<RepairHistoryEntry, 'seq'> {
  return {
    action,
    from,
    to,
    at: new Date(),
    date,
    actor: actor ?? (principal.roles.includes('enterprise') ? 'enterprise' : principal.id === SYSTEM_PRINCIPAL.id ? 'system' : 'reviewer'),
    by: principal.id,
    byName: principal.name,
    note,
  };
}

/**
 * An enterprise applies for one of its own penalties. Ineligible → 422 at once with every reason (the attempt
 * is audited). The evidence files are stored first (one document each), then the application; the unique
 * `activeKey` makes a concurrent second application of the same penalty fail (409).
 */
export async function submitApplication(input: ApplicationInput, files: CheckedFile[], ctx: CallContext, today = todayInShanghai()) {
  const record = await findPenalty(input.recordId, ctx.principal);
  const recordId = String(record._id);
  const now = new Date();
  // The commitment: made with this application (text accepted explicitly), else one registered beforehand.
  const registered = input.commitmentAccepted ? null : await registeredCommitment(record, today);
  const commitment: RepairDoc['commitment'] | null = input.commitmentAccepted
    ? { source: 'application', text: input.commitmentText!, accepted: true, acceptedAt: now, commitmentId: null, signedDate: null, termEnd: null }
    : registered
      ? { source: 'register', text: registered.text, accepted: true, acceptedAt: now, commitmentId: registered.id, signedDate: registered.signedDate, termEnd: registered.termEnd }
      : null;
  const { eligibility } = await evaluate(record, today, commitment ? 'given' : 'missing');
  if (!eligibility.eligible) {
    await recordAudit({
      action: 'repair.submit',
      resource: 'repair',
      resourceId: recordId,
      outcome: 'denied',
      principal: ctx.principal,
      ip: ctx.ip,
      detail: { recordId, reasons: eligibility.reasons.map((r) => r.code) },
    });
    throw ineligible(eligibility);
  }
  const id = new mongoose.Types.ObjectId();
  const fileDocs = files.map((f) => ({
    _id: new mongoose.Types.ObjectId(),
    applicationId: String(id),
    recordId,
    uscc: record.uscc!,
    name: f.name,
    mime: f.mime,
    ext: f.ext,
    size: f.size,
    sha256: f.sha256,
    data: f.data,
    uploadedBy: ctx.principal.id,
    createdAt: now,
  }));
  const { number } = await nextNumber(today.slice(0, 4));
  const doc: RepairDoc & { _id: mongoose.Types.ObjectId } = {
    _id: id,
    number,
    recordId,
    decisionNumber: record.decisionNumber,
    decisionDate: record.decisionDate,
    uscc: record.uscc!,
    subjectName: record.subjectName,
    districtCode: record.districtCode,
    authorityName: String(record.data.authorityName ?? ''),
    authorityUscc: record.authorityUscc,
    authorityDivision: authorityDivisionOf(record),
    severity: eligibility.severity,
    ruleVersion: eligibility.ruleVersion,
    state: 'submitted',
    activeKey: recordId,
    commitment: commitment!,
    contact: { name: input.contactName, phone: input.contactPhone },
    statement: input.statement ?? null,
    files: fileDocs.map((f) => ({ fileId: String(f._id), name: f.name, mime: f.mime, ext: f.ext, size: f.size, sha256: f.sha256 })),
    eligibility: { date: today, earliestDate: eligibility.earliestDate, minimumPeriodEnd: eligibility.minimumPeriodEnd, reasons: eligibility.reasons },
    submittedDate: today,
    acceptedDate: null,
    decidedDate: null,
    effectedDate: null,
    due: { acceptance: acceptanceDue(today), decision: null, resultShared: null },
    extension: null,
    refusal: null,
    decision: null,
    effects: null,
    history: [{ seq: 1, ...historyEntry('submit', null, 'submitted', ctx.principal, today, `提交证明材料 ${files.length} 份`) }],
    revision: 1,
    createdBy: ctx.principal.id,
    createdAt: now,
    updatedAt: now,
  };
  if (fileDocs.length) await RepairFileModel.collection.insertMany(fileDocs);
  try {
    await RepairModel.collection.insertOne(doc);
  } catch (err) {
    await RepairFileModel.deleteMany({ applicationId: String(id) }).catch(() => undefined);
    if (isDuplicateKey(err)) {
      const open = await openApplicationOf(recordId);
      throw AppError.conflict('该处罚信息已有信用修复申请', [
        { path: 'recordId', message: open.state === 'approved' ? `信用修复申请（编号 ${open.number}）已核准` : `已有正在办理的信用修复申请${open.state === 'pending' ? `（编号 ${open.number}）` : ''}` },
      ]);
    }
    throw err;
  }
  await recordAudit({
    action: 'repair.submit',
    resource: 'repair',
    resourceId: String(id),
    principal: ctx.principal,
    ip: ctx.ip,
    after: { number, recordId, state: 'submitted', files: doc.files.map((f) => ({ name: f.name, sha256: f.sha256, size: f.size })), due: doc.due },
  });
  return presentRepair(doc, ctx.principal);
}

async function findRepair(id: string, principal: Principal): Promise<RepairLean> {
  const doc = mongoose.isValidObjectId(id) ? await RepairModel.findOne({ $and: [{ _id: id }, repairScope(principal)] }).lean() : null;
  if (!doc) throw AppError.notFound('信用修复申请不存在');
  return doc as RepairLean;
}

export async function getRepair(id: string, principal: Principal) {
  return presentRepair(await findRepair(id, principal), principal);
}

/** The application for a document (decision letter): visible to the principal. */
export async function repairForDocument(id: string, principal: Principal): Promise<RepairLean> {
  return findRepair(id, principal);
}

export async function getRepairFile(id: string, fileId: string, principal: Principal) {
  const app = await findRepair(id, principal);
  if (!app.files.some((f) => f.fileId === fileId)) throw AppError.notFound('文件不存在');
  const file = await RepairFileModel.findOne({ _id: fileId, applicationId: String(app._id) }).lean();
  if (!file) throw AppError.notFound('文件不存在');
  const data = file.data as unknown as Buffer | { buffer: Buffer };
  return { name: file.name, mime: file.mime, sha256: file.sha256, data: Buffer.isBuffer(data) ? data : Buffer.from(data.buffer) };
}

export interface RepairListQuery extends PageRequest {
  state?: string;
  recordId?: string;
  uscc?: string;
}

export async function listRepairs(q: RepairListQuery, principal: Principal) {
  const and: Record<string, unknown>[] = [repairScope(principal)];
  if (q.state) and.push({ state: q.state });
  if (q.recordId) and.push({ recordId: q.recordId });
  if (q.uscc) and.push({ uscc: q.uscc });
  const page = await paginate(RepairModel, { $and: and }, q, { field: 'createdAt', order: -1 });
  return { items: page.items.map((d) => presentRepair(d as RepairLean, principal, { history: false })), nextCursor: page.nextCursor };
}

// ---------------------------------------------------------------------------------------------
// Transitions (reviewer decisions): each one conditional write on the revision read

interface Change {
  $set: Record<string, unknown>;
  history: Omit<RepairHistoryEntry, 'seq'>;
}

/**
 * Reads the application, lets `fn` check its state and say what changes, then writes with the revision read
 * in the filter: a concurrent change in between makes the write match nothing, and the request that lost
 * the race answers 409 (nothing written). With `retry`, the system's own steps read again and re-check instead.
 */
async function changeApplication(id: string, fn: (doc: RepairLean) => Change, opts: { retry?: number } = {}): Promise<{ before: RepairLean; after: RepairLean }> {
  for (let attempt = 0; ; attempt++) {
    const before = (await RepairModel.findById(id).lean()) as RepairLean | null;
    if (!before) throw AppError.notFound('信用修复申请不存在');
    const change = fn(before);
    const after = (await RepairModel.findOneAndUpdate(
      { _id: id, revision: before.revision },
      { $set: { ...change.$set, updatedAt: new Date() }, $inc: { revision: 1 }, $push: { history: { seq: before.history.length + 1, ...change.history } } },
      { new: true, timestamps: false },
    ).lean()) as RepairLean | null;
    if (after) return { before, after };
    if (attempt >= (opts.retry ?? 0)) throw AppError.conflict('申请已被他人处理，请刷新后重试');
  }
}

/** "谁认定、谁修复": a reviewer decides only applications of penalties its authority made (its scope covers the deciding authority). */
function assertMayDecide(principal: Principal, app: RepairLean): void {
  if (!inScope(principal, app.authorityDivision)) {
    throw AppError.forbidden(`该处罚由${app.authorityName}作出，应由作出处罚决定的机关办理信用修复（谁认定、谁修复）`);
  }
}

function wrongState(action: RepairAction, app: RepairLean): AppError {
  const t = TRANSITIONS[action];
  if (action === 'extend' && app.state === 'accepted') return AppError.conflict('办理期限只能延长一次', [{ path: 'reason', message: `已于 ${app.extension?.at.toISOString().slice(0, 10)} 延长` }]);
  // In the reviewer's words: the states by their labels, never their codes (the console shows this message as it is).
  return AppError.conflict(`该申请当前为“${STATE_LABELS[app.state]}”，不能${t.label}（${t.label}须在“${STATE_LABELS[t.from]}”时办理），请刷新后查看`);
}

export type TransitionBody = { note?: string; missing?: string[]; reason?: string; reasons?: string[] };

export async function decide(id: string, action: RepairAction, body: TransitionBody, ctx: CallContext, today = todayInShanghai()) {
  const visible = await findRepair(id, ctx.principal);
  assertMayDecide(ctx.principal, visible);
  // Separation of duties: whoever submitted the application does not decide it.
  if (visible.createdBy === ctx.principal.id) throw AppError.forbidden('不能办理本人提交的信用修复申请（职责分离），请由其他审核人员办理');
  const t = TRANSITIONS[action];
  const p = ctx.principal;
  // Approval re-checks eligibility (the record may have been revoked or its publicity ended meanwhile).
  if (action === 'approve') {
    const record = (await RecordModel.findById(visible.recordId).lean()) as RecordLean | null;
    if (!record) throw AppError.conflict('行政处罚记录已不存在');
    // A registered commitment must still be in force (not breached, term not ended).
    const commitmentOk = visible.commitment.source === 'application' || (await registeredCommitment(record, today)) !== null;
    const { eligibility } = await evaluate(record, today, commitmentOk ? 'given' : 'missing', id);
    if (!eligibility.eligible) {
      throw new AppError('REPAIR_NOT_ELIGIBLE', 409, '当前已不符合信用修复条件，不能准予修复（可作出不予修复决定）', eligibility.reasons.map((r) => ({ path: r.field, message: r.message })));
    }
  }
  const { before, after } = await changeApplication(id, (app) => {
    if (app.state !== t.from || (action === 'extend' && app.extension)) throw wrongState(action, app);
    const seqNo = app.number.split('-')[1];
    switch (action) {
      case 'accept':
        return {
          $set: { state: t.to, acceptedDate: today, 'due.decision': decisionDue(today) },
          history: historyEntry('accept', app.state, t.to, p, today, body.note ?? null),
        };
      case 'refuse':
        return {
          $set: { state: t.to, activeKey: `${app.recordId}:${String(app._id)}`, refusal: { missing: body.missing!, note: body.note ?? null, date: today, by: p.id, byName: p.name, at: new Date() } },
          history: historyEntry('refuse', app.state, t.to, p, today, `缺少材料：${body.missing!.join('；')}${body.note ? `。${body.note}` : ''}`),
        };
      case 'extend': {
        const newDue = extendedDecisionDue(app.due.decision!);
        return {
          $set: { 'due.decision': newDue, extension: { reason: body.reason!, previousDue: app.due.decision, newDue, by: p.id, byName: p.name, at: new Date() } },
          history: historyEntry('extend', app.state, t.to, p, today, `办理期限由 ${app.due.decision} 延长至 ${newDue}：${body.reason}`),
        };
      }
      case 'approve':
        return {
          $set: {
            state: t.to,
            decidedDate: today,
            'due.resultShared': resultSharedDue(today),
            decision: { outcome: 'approved', number: `信用修复决字〔${app.number.slice(2, 6)}〕第${seqNo}号`, reasons: [], note: body.note ?? null, by: p.id, byName: p.name, at: new Date(), date: today },
            effects: { withdrawn: false, regraded: false, regradedNow: false, attempts: 0, lastError: null },
          },
          history: historyEntry('approve', app.state, t.to, p, today, body.note ?? null),
        };
      case 'deny':
        return {
          $set: {
            state: t.to,
            decidedDate: today,
            activeKey: `${app.recordId}:${String(app._id)}`,
            decision: { outcome: 'denied', number: `信用修复决字〔${app.number.slice(2, 6)}〕第${seqNo}号`, reasons: body.reasons!, note: body.note ?? null, by: p.id, byName: p.name, at: new Date(), date: today },
          },
          history: historyEntry('deny', app.state, t.to, p, today, body.reasons!.join('；')),
        };
      case 'revoke': {
        const config = repairConfig();
        const barredUntil = reapplicationBarredUntil(today, config);
        return {
          $set: {
            state: t.to,
            // The penalty is free for a new application again — refused until barredUntil by the eligibility rule.
            activeKey: `${app.recordId}:${String(app._id)}`,
            revocation: { date: today, reasons: body.reasons!, note: body.note ?? null, barredUntil, source: config.revocation.source, by: p.id, byName: p.name, at: new Date(), restored: false, publicityEnded: false, regraded: false },
          },
          history: historyEntry('revoke', app.state, t.to, p, today, `${body.reasons!.join('；')}；恢复公示，至 ${barredUntil} 不予受理该处罚信息的信用修复申请`),
        };
      }
    }
  });
  await recordAudit({
    action: `repair.${action}`,
    resource: 'repair',
    resourceId: id,
    principal: p,
    ip: ctx.ip,
    before: { state: before.state, due: before.due, revision: before.revision },
    after: { state: after.state, due: after.due, revision: after.revision, note: body.note ?? body.reason ?? null, missing: body.missing ?? null, reasons: body.reasons ?? null },
  });
  let result = after;
  if (action === 'revoke') {
    result = (await runRevocationEffects(id, p, today).catch((err: unknown) => {
      logger.warn('effects of a repair revocation failed; the sweep will resume them', { id, err });
      return null;
    })) ?? ((await RepairModel.findById(id).lean()) as RepairLean);
  }
  if (action === 'approve') {
    // Carry out the effects now; a failure leaves the application approved and the sweep resumes it.
    result = (await runEffects(id, p).catch((err: unknown) => {
      logger.warn('repair effects failed; the sweep will resume them', { id, err });
      return null;
    })) ?? ((await RepairModel.findById(id).lean()) as RepairLean);
  }
  return presentRepair(result, p);
}

// ---------------------------------------------------------------------------------------------
// Effects of an approval, resumable: each step is done from recorded state and then marked done

/** Marks a step of the effects done: one write, conditional on the state the effects belong to and on holding the lease. */
async function markStep(id: string, state: 'approved' | 'revoked', lease: string, set: Record<string, unknown>): Promise<RepairLean> {
  const after = (await RepairModel.findOneAndUpdate(
    { _id: id, state, 'effectsLease.owner': lease },
    { $set: { ...set, updatedAt: new Date() }, $inc: { revision: 1 } },
    { new: true, timestamps: false },
  ).lean()) as RepairLean | null;
  if (!after) throw AppError.conflict('申请状态已改变');
  return after;
}

/** How long one run of an application's effects may hold it; a holder that died frees it after this. */
const EFFECTS_LEASE_MS = 5 * 60_000;

/**
 * Runs the effects of an application in `state` holding its lease (`effectsLease`), so two runs — the
 * decision's own and a sweep, on any instances — never do the steps twice at once. The lease is taken by one
 * conditional write (free or expired); a run that finds it held returns the application as it is. The lease
 * is not a change of the application (no revision), so a reviewer's decision is never refused because of it.
 */
async function withEffectsLease(id: string, state: 'approved' | 'revoked', fn: (app: RepairLean, lease: string) => Promise<RepairLean>): Promise<RepairLean | null> {
  const lease = `${INSTANCE_ID}:${new mongoose.Types.ObjectId().toHexString()}`;
  const now = new Date();
  const app = (await RepairModel.findOneAndUpdate(
    { _id: id, state, $or: [{ 'effectsLease.until': { $exists: false } }, { 'effectsLease.until': { $lt: now } }] },
    { $set: { effectsLease: { owner: lease, until: new Date(now.getTime() + EFFECTS_LEASE_MS) } } },
    { new: true, timestamps: false },
  ).lean()) as RepairLean | null;
  if (!app) return (await RepairModel.findById(id).lean()) as RepairLean | null;
  try {
    return await fn(app, lease);
  } finally {
    await RepairModel.updateOne({ _id: id, 'effectsLease.owner': lease }, { $unset: { effectsLease: 1 } }, { timestamps: false }).catch((err: unknown) =>
      logger.warn('releasing the effects lease of a repair failed (it expires)', { id, err }),
    );
  }
}

/**
 * Carries out (or resumes) the effects of an approved application: (1) the penalty's publication ends —
 * a withdraw version with reason 信用修复, queued to every platform (idempotent: a record already
 * withdrawn is left as it is); (2) the enterprise is marked for regrading and, when the grading lease is free,
 * regraded at once (grading module `regradeNow`); (3) the application becomes
 * `effected`. One run at a time per application (its effects lease).
 */
export async function runEffects(id: string, principal: Principal = SYSTEM_PRINCIPAL, today = todayInShanghai()): Promise<RepairLean | null> {
  return withEffectsLease(id, 'approved', async (leased, lease) => {
    let app = leased;
    const markEffect = (set: Record<string, unknown>) => markStep(id, 'approved', lease, set);
    try {
      if (!app.effects?.withdrawn) {
        await withdrawRecord(app.recordId, '信用修复', `${app.decision?.number ?? ''}：准予信用修复（申请编号 ${app.number}）`, { principal });
        app = await markEffect({ 'effects.withdrawn': true });
      }
      if (!app.effects?.regraded) {
        // The flag first (durable: the grading sweep regrades it), then a regrade at once where the grading lease is free.
        await markGradeDirty([app.uscc]);
        const now = await regradeNow([app.uscc]).catch((err: unknown) => {
          logger.warn('immediate regrade after credit repair failed; the grading sweep will regrade', { uscc: app!.uscc, err });
          return false;
        });
        app = await markEffect({ 'effects.regraded': true, 'effects.regradedNow': now });
      }
      const { before, after } = await changeApplication(id, (a) => {
        if (a.state !== 'approved') throw AppError.conflict('申请状态已改变');
        return {
          $set: { state: 'effected', effectedDate: today, 'effects.lastError': null },
          history: historyEntry(
            'effect',
            'approved',
            'effected',
            principal,
            today,
            `已停止公示（向各信用平台报送撤下，原因：信用修复），${a.effects?.regradedNow ? '已重新评定信用等级' : '已标记重新评定信用等级'}`,
            'system',
          ),
        };
      }, { retry: 3 });
      await recordAudit({
        action: 'repair.effect',
        resource: 'repair',
        resourceId: id,
        principal,
        before: { state: before.state, effects: before.effects },
        after: { state: after.state, effects: after.effects, effectedDate: after.effectedDate },
      });
      return after;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await RepairModel.updateOne({ _id: id, state: 'approved' }, { $inc: { 'effects.attempts': 1, revision: 1 }, $set: { 'effects.lastError': message } }, { timestamps: false }).catch(() => undefined);
      throw err;
    }
  });
}

/**
 * Carries out (or resumes) the effects of a revoked repair (撤销修复): (1) the penalty is published again — a
 * version (action restore) queued to every platform, unless its maximum publicity period has ended meanwhile;
 * (2) the enterprise is marked for regrading and regraded at once where the lease is free. Each step is marked
 * done on the application and audited.
 */
export async function runRevocationEffects(id: string, principal: Principal = SYSTEM_PRINCIPAL, today = todayInShanghai()): Promise<RepairLean | null> {
  return withEffectsLease(id, 'revoked', async (leased, lease) => {
    let app = leased;
    const markRevocation = (set: Record<string, unknown>) => markStep(id, 'revoked', lease, set);
    if (!app.revocation) return app;
    if (!app.revocation.restored) {
      const r = await restorePublication(app.recordId, `撤销信用修复（申请编号 ${app.number}）：${app.revocation.reasons.join('；')}，恢复公示`, { principal }, today);
      app = await markRevocation({ 'revocation.restored': true, 'revocation.publicityEnded': r.publicityEnded });
      await recordAudit({ action: 'repair.revoke.restore', resource: 'penalty', resourceId: app.recordId, principal, after: { application: app.number, republished: r.changed, publicityEnded: r.publicityEnded } });
    }
    if (!app.revocation!.regraded) {
      await markGradeDirty([app.uscc]);
      const now = await regradeNow([app.uscc]).catch((err: unknown) => {
        logger.warn('immediate regrade after a repair revocation failed; the grading sweep will regrade', { uscc: app!.uscc, err });
        return false;
      });
      app = await markRevocation({ 'revocation.regraded': true });
      await recordAudit({ action: 'repair.revoke.regrade', resource: 'enterprise', resourceId: app.uscc, principal, after: { application: app.number, regradedNow: now } });
    }
    return app;
  });
}

/** Resumes every approved application whose effects are not done (crash between steps, failure). */
export async function sweepEffects(): Promise<{ effected: number; failed: number }> {
  let effected = 0;
  let failed = 0;
  const cursor = RepairModel.find({ state: 'approved' }, { _id: 1 }).lean().cursor();
  for await (const { _id } of cursor) {
    try {
      const r = await runEffects(String(_id));
      if (r?.state === 'effected') effected++;
    } catch (err) {
      failed++;
      logger.warn('repair effects failed', { id: String(_id), err });
    }
  }
  // Revocations whose effects were interrupted.
  for (const { _id } of await RepairModel.find({ state: 'revoked', $or: [{ 'revocation.restored': false }, { 'revocation.regraded': false }] }, { _id: 1 }).lean()) {
    try {
      await runRevocationEffects(String(_id));
    } catch (err) {
      failed++;
      logger.warn('repair revocation effects failed', { id: String(_id), err });
    }
  }
  return { effected, failed };
}

// ---------------------------------------------------------------------------------------------
// Overdue steps

function overdueFilter(date: LegalDate) {
  return {
    $or: [
      { state: 'submitted', 'due.acceptance': { $lt: date } },
      { state: 'accepted', 'due.decision': { $lt: date } },
      { state: 'approved', 'due.resultShared': { $lt: date } },
    ],
  };
}

export function presentOverdue(app: RepairLean, date: LegalDate) {
  const o = overdueStep(app, date)!;
  return {
    id: String(app._id),
    number: app.number,
    state: app.state,
    step: o.step,
    stepLabel: o.label,
    due: o.due,
    overdueWorkdays: o.overdueWorkdays,
    recordId: app.recordId,
    decisionNumber: app.decisionNumber,
    uscc: app.uscc,
    subjectName: app.subjectName,
    authorityName: app.authorityName,
    districtCode: app.districtCode,
    extended: Boolean(app.extension),
  };
}

/** Applications late with their current step on `date` (a step is late the day after its due date). */
export async function listOverdue(date: LegalDate, q: PageRequest, principal: Principal) {
  const page = await paginate(RepairModel, { $and: [repairScope(principal), overdueFilter(date)] }, q, { field: '_id', order: 1 });
  return { date, items: page.items.map((a) => presentOverdue(a as RepairLean, date)), nextCursor: page.nextCursor };
}

/** Every overdue step on `date`, unscoped (CLI and the daily job). */
export async function allOverdue(date: LegalDate) {
  const docs = (await RepairModel.find(overdueFilter(date)).sort({ _id: 1 }).lean()) as RepairLean[];
  return docs.map((a) => presentOverdue(a, date));
}

/**
 * Evidence files whose application was never stored (the process died between storing the files and the
 * application): removed once they are an hour old. Only recent files are looked at (the job runs daily).
 */
export async function removeOrphanFiles(now = new Date()): Promise<number> {
  const recent = await RepairFileModel.find({ createdAt: { $gte: new Date(now.getTime() - 3 * 86_400_000), $lt: new Date(now.getTime() - 3_600_000) } }, { applicationId: 1 }).lean();
  const ids = [...new Set(recent.map((f) => f.applicationId))];
  if (ids.length === 0) return 0;
  const existing = new Set((await RepairModel.find({ _id: { $in: ids } }, { _id: 1 }).lean()).map((a) => String(a._id)));
  const orphans = ids.filter((i) => !existing.has(i));
  if (orphans.length === 0) return 0;
  const r = await RepairFileModel.deleteMany({ applicationId: { $in: orphans } });
  return r.deletedCount ?? 0;
}

export { repairConfig };

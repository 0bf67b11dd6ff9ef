import mongoose from 'mongoose';
import { CommitmentModel, type CommitmentDoc } from './model.js';
import { commitmentInForce, commitmentState, type CommitmentType } from './rules.js';
import { AppError } from '../../http/errors.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { todayInShanghai, type LegalDate } from '../../lib/calendar.js';
import { recordAudit } from '../audit/index.js';
import { assertInScope, scopeFilter, type Principal } from '../auth/index.js';
import { getEnterprise, markGradeDirty } from '../enterprises/index.js';
import { RecordModel } from '../records/index.js';

type Lean = CommitmentDoc & { _id: mongoose.Types.ObjectId };

export interface CallContext {
  principal: Principal;
  ip?: string;
}

const scope = (p: Principal) => scopeFilter(p, { uscc: 'uscc', district: 'districtCode' });

export function presentCommitment(doc: Lean, today: LegalDate = todayInShanghai()) {
  return {
    id: String(doc._id),
    uscc: doc.uscc,
    districtCode: doc.districtCode,
    type: doc.type,
    permitRecordId: doc.permitRecordId ?? null,
    penaltyRecordId: doc.penaltyRecordId ?? null,
    text: doc.text,
    signedDate: doc.signedDate,
    termEnd: doc.termEnd,
    channel: doc.channel,
    signedBy: doc.signedBy,
    state: commitmentState({ signedDate: doc.signedDate, termEnd: doc.termEnd, breachDate: doc.breach?.date }, today),
    breach: doc.breach ?? null,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export interface CommitmentInput {
  uscc?: string;
  type: CommitmentType;
  permitRecordId?: string;
  penaltyRecordId?: string;
  text: string;
  signedDate: string;
  termEnd: string;
}

/** The USCC a commitment is made for: an enterprise principal signs only for its own; a clerk names it. */
function subjectOf(input: CommitmentInput, p: Principal): string {
  if (p.roles.includes('enterprise') && !p.roles.includes('clerk')) {
    if (input.uscc && input.uscc !== p.uscc) throw AppError.forbidden('企业用户只能以本企业名义作出信用承诺');
    if (!p.uscc) throw AppError.forbidden('该企业用户未绑定统一社会信用代码');
    return p.uscc;
  }
  if (!input.uscc) throw AppError.validation([{ path: 'uscc', message: '录入人员代录承诺时须填写统一社会信用代码' }]);
  return input.uscc;
}

/** Checks that a linked record is this enterprise's permit (告知承诺) or penalty (信用修复). */
async function checkLinkedRecord(kind: 'permit' | 'penalty', id: string | undefined, uscc: string, path: string): Promise<void> {
  if (!id) return;
  const found = await RecordModel.exists({ _id: id, kind, uscc });
  if (!found) throw AppError.validation([{ path, message: kind === 'permit' ? '该企业没有此行政许可记录' : '该企业没有此行政处罚记录' }]);
}

/** 作出信用承诺: signed online by the enterprise, or recorded from paper by a clerk. Audited; the enterprise is regraded. */
export async function createCommitment(input: CommitmentInput, ctx: CallContext) {
  const uscc = subjectOf(input, ctx.principal);
  const enterprise = await getEnterprise(uscc, ctx.principal);
  assertInScope(ctx.principal, enterprise.districtCode);
  await checkLinkedRecord('permit', input.permitRecordId, uscc, 'permitRecordId');
  await checkLinkedRecord('penalty', input.penaltyRecordId, uscc, 'penaltyRecordId');
  const online = ctx.principal.roles.includes('enterprise') && !ctx.principal.roles.includes('clerk');
  const doc = await CommitmentModel.create({
    uscc,
    districtCode: enterprise.districtCode,
    type: input.type,
    permitRecordId: input.permitRecordId ?? null,
    penaltyRecordId: input.penaltyRecordId ?? null,
    text: input.text,
    signedDate: input.signedDate,
    termEnd: input.termEnd,
    channel: online ? 'online' : 'paper',
    signedBy: ctx.principal.id,
    breach: null,
  });
  const out = presentCommitment(doc.toObject() as Lean);
  await markGradeDirty([uscc]);
  await recordAudit({ action: 'commitment.create', resource: 'commitment', resourceId: out.id, principal: ctx.principal, ip: ctx.ip, after: out });
  return out;
}

async function findScoped(id: string, principal: Principal): Promise<Lean> {
  const doc = mongoose.isValidObjectId(id) ? await CommitmentModel.findOne({ $and: [{ _id: id }, scope(principal)] }).lean() : null;
  if (!doc) throw AppError.notFound('信用承诺不存在');
  return doc as Lean;
}

export async function getCommitment(id: string, principal: Principal) {
  return presentCommitment(await findScoped(id, principal));
}

/** 认定违约: a clerk records the breach with its evidence (once). Audited; the enterprise is regraded. */
export async function recordBreach(id: string, body: { date: string; evidence: string }, ctx: CallContext) {
  const before = await findScoped(id, ctx.principal);
  assertInScope(ctx.principal, before.districtCode);
  if (before.breach) throw AppError.conflict('该承诺已认定违约');
  if (body.date < before.signedDate) throw AppError.validation([{ path: 'date', message: `违约认定日期不得早于签署日期 ${before.signedDate}` }]);
  const breach = { date: body.date, evidence: body.evidence, recordedBy: ctx.principal.id, recordedAt: new Date() };
  // One conditional write: of two concurrent recordings exactly one finds the commitment unbreached.
  const after = await CommitmentModel.findOneAndUpdate({ _id: before._id, breach: null }, { $set: { breach } }, { new: true }).lean();
  if (!after) throw AppError.conflict('该承诺已认定违约');
  const out = presentCommitment(after as Lean);
  await markGradeDirty([before.uscc]);
  await recordAudit({
    action: 'commitment.breach',
    resource: 'commitment',
    resourceId: id,
    principal: ctx.principal,
    ip: ctx.ip,
    before: presentCommitment(before),
    after: out,
  });
  return out;
}

export interface CommitmentListQuery extends PageRequest {
  uscc?: string;
  type?: CommitmentType;
}

export async function listCommitments(q: CommitmentListQuery, principal: Principal) {
  const and: Record<string, unknown>[] = [scope(principal)];
  if (q.uscc) and.push({ uscc: q.uscc });
  if (q.type) and.push({ type: q.type });
  const page = await paginate(CommitmentModel, { $and: and }, q, { field: 'signedDate', order: -1 });
  const today = todayInShanghai();
  return { items: page.items.map((d) => presentCommitment(d as Lean, today)), nextCursor: page.nextCursor };
}

/** The commitments of one enterprise (404 when the enterprise is not visible to the principal). */
export async function listEnterpriseCommitments(uscc: string, q: PageRequest, principal: Principal) {
  await getEnterprise(uscc, principal);
  return listCommitments({ ...q, uscc }, principal);
}

/**
 * For other modules (credit repair): the enterprise's 信用修复 commitment in force on `today` — signed,
 * term not ended, not breached — optionally the one made for a given penalty (or made for none in
 * particular). Null when there is none.
 */
export async function validRepairCommitment(uscc: string, today: LegalDate, penaltyRecordId?: string) {
  const docs = (await CommitmentModel.find({ uscc, type: '信用修复' }).sort({ signedDate: -1 }).lean()) as Lean[];
  const found = docs.find(
    (d) =>
      commitmentInForce({ signedDate: d.signedDate, termEnd: d.termEnd, breachDate: d.breach?.date }, today) &&
      (!penaltyRecordId || !d.penaltyRecordId || d.penaltyRecordId === penaltyRecordId),
  );
  return found ? presentCommitment(found, today) : null;
}

/** Whether the enterprise has a 信用修复 commitment in force on `today` (see validRepairCommitment). */
export async function hasValidRepairCommitment(uscc: string, today: LegalDate, penaltyRecordId?: string): Promise<boolean> {
  return (await validRepairCommitment(uscc, today, penaltyRecordId)) !== null;
}

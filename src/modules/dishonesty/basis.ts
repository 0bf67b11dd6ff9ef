/**
 * The legal basis of a listing (据以列入的行政处罚). A listing rests on the penalty decisions it cites (MEM
 * Order 11 arts. 6–7; "谁处罚、谁决定"). When one of them is revoked — on administrative reconsideration
 * (行政复议), by a court (行政诉讼) or by the deciding authority correcting itself (自行纠错) — the listing loses
 * that basis:
 *  - no cited penalty remains → the listing is revoked (status `revoked`, with the reasons);
 *  - some remain → the listing is suspended and the reviewer gets a task (复核, `GET /dishonesty-list/reviews`):
 *    uphold it on the remaining penalties (restored until its original end) or revoke it.
 * Either way, from that day the listing is not published and its measures stop: the span on the list ends the
 * day before (partner exports and `/check` follow), the penalties' listed marks go (a revoked listing also
 * removes their ground mark: they were never validly its basis), the enterprise's flag is cleared and it is
 * regraded at once — each step audited. Triggered by records' revocation hook; a daily sweep catches up.
 */
import mongoose from 'mongoose';
import { AppError } from '../../http/errors.js';
import { addDays, todayInShanghai, type LegalDate } from '../../lib/calendar.js';
import { logger } from '../../lib/logger.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { scopeFilter, type Principal } from '../auth/index.js';
import { regradeNow } from '../grading/index.js';
import { RecordModel, SYSTEM_PRINCIPAL, type RecordRevokedEvent } from '../records/index.js';
import { CaseModel, type CaseSpan, type RevokedPenalty } from './model.js';
import { basisOutcome, STATUS_LABELS } from './rules.js';
import { actOn, audit, lastSpan, mutate, presentCase, syncEffects, type CallContext, type LeanCase } from './service.js';

const SYSTEM_CTX: CallContext = { principal: SYSTEM_PRINCIPAL };

async function citedPenalties(doc: LeanCase): Promise<{ id: string; revoked: boolean; decisionNumber: string; revocation: RevokedPenalty['revocation'] }[]> {
  const recs = await Promise.all(doc.penaltyIds.map((id) => RecordModel.findById(id, { decisionNumber: 1, lifecycle: 1, versions: 1 }).lean()));
  return doc.penaltyIds.map((id, i) => {
    const r = recs[i];
    const revokedVersion = r?.lifecycle === 'revoked' ? [...r.versions].reverse().find((v) => v.action === 'revoke') : undefined;
    return {
      id,
      // A cited record that no longer exists is no basis either.
      revoked: !r || r.lifecycle === 'revoked',
      decisionNumber: r?.decisionNumber ?? doc.penalties.find((p) => p.id === id)?.decisionNumber ?? id,
      revocation: revokedVersion?.revocation ? { ...revokedVersion.revocation, basis: revokedVersion.revocation.basis ?? null } : null,
    };
  });
}

function describe(p: RevokedPenalty): string {
  const r = p.revocation;
  return r ? `${p.decisionNumber}（${r.basis ? `${r.basis}，` : ''}撤销决定 ${r.decisionNumber}，${r.decisionDate}：${r.reason}）` : p.decisionNumber;
}

async function regrade(uscc: string): Promise<void> {
  await regradeNow([uscc]).catch((err: unknown) => logger.warn('immediate regrade after a listing lost its basis failed; the grading sweep will regrade', { uscc, err }));
}

/**
 * Re-checks one case's basis on `today` and acts: revoke or suspend (see the file comment). Idempotent: a
 * case that is not listed, or whose cited penalties all stand, is left as it is.
 */
export async function checkBasis(caseId: string, ctx: CallContext, today = todayInShanghai()): Promise<'revoke' | 'suspend' | 'none'> {
  const doc = (await CaseModel.findById(caseId).lean()) as LeanCase | null;
  if (!doc) return 'none';
  const cited = await citedPenalties(doc);
  if (basisOutcome(doc.status, cited).outcome === 'none') return 'none';
  let revokedPenalties: RevokedPenalty[] = [];
  const { before, after } = await mutate(caseId, ctx, async (fresh, now) => {
    const again = fresh.rev === doc.rev ? cited : await citedPenalties(fresh);
    const decided = basisOutcome(fresh.status, again);
    if (decided.outcome === 'none') throw AppError.conflict('名单案件的列入依据未变化');
    revokedPenalties = again.filter((c) => c.revoked).map((c) => ({ id: c.id, decisionNumber: c.decisionNumber, revocation: c.revocation }));
    const { span, index } = lastSpan(fresh);
    // Off the list from today: the stretch ends the day before (a stretch ended before it began is kept for history).
    const ended: CaseSpan = { ...span, to: span.to < today ? span.to : addDays(today, -1), events: [...span.events, { type: decided.outcome === 'revoke' ? 'revoked' : 'suspended', at: now }] };
    const what = revokedPenalties.map(describe).join('；');
    if (decided.outcome === 'revoke') {
      const reasons = `据以列入的行政处罚决定均已撤销：${what}。列入决定失去依据，予以撤销，停止公开并解除惩戒措施`;
      return {
        set: {
          status: 'revoked',
          [`spans.${index}`]: ended,
          revocation: { on: today, reasons, automatic: true, revokedPenalties, by: ctx.principal.id, byName: ctx.principal.name, at: now },
          ...(fresh.basisReview?.status === 'pending' ? { 'basisReview.status': 'revoked' } : {}),
        },
        event: { type: 'revoked', on: today, note: reasons },
        sync: true,
      };
    }
    const note = `据以列入的行政处罚决定已撤销：${what}；其余 ${decided.remaining.length} 项仍有效，暂停列入（停止公开、暂停惩戒措施），待复核是否维持`;
    return {
      set: { status: 'suspended', [`spans.${index}`]: ended, basisReview: { status: 'pending', since: today, revokedPenalties, remaining: decided.remaining, decision: null } },
      event: { type: 'basis_review', on: today, note },
      sync: true,
    };
  }).catch((err: unknown) => {
    if (err instanceof AppError && err.status === 409) return { before: null, after: null };
    throw err;
  });
  if (!before || !after) return 'none';
  const outcome = after.status === 'revoked' ? 'revoke' : 'suspend';
  await audit(outcome === 'revoke' ? 'basis.revoke' : 'basis.suspend', ctx, before, after, { revokedPenalties: revokedPenalties.map((p) => p.id), on: today });
  await syncEffects(caseId, ctx, today);
  await regrade(after.uscc);
  return outcome;
}

/** The records hook: a revoked penalty → the listed or suspended cases citing it are re-checked (only those can lose their basis). */
export async function onPenaltyRevoked(e: RecordRevokedEvent, ctx: CallContext): Promise<void> {
  if (e.kind !== 'penalty') return;
  for (const c of await CaseModel.find({ penaltyIds: e.recordId, status: { $in: ['listed', 'suspended'] } }, { _id: 1 }).lean()) await checkBasis(String(c._id), ctx);
}

/** Daily: every listed case whose cited penalties were revoked meanwhile (a hook that failed, a revocation by another path). */
export async function sweepBasis(today = todayInShanghai()): Promise<number> {
  const listed = await CaseModel.find({ status: { $in: ['listed', 'suspended'] } }, { penaltyIds: 1 }).lean();
  let n = 0;
  for (const c of listed) {
    const recs = await Promise.all(c.penaltyIds.map((id) => RecordModel.findById(id, { lifecycle: 1 }).lean()));
    if (recs.some((r) => !r || r.lifecycle === 'revoked')) {
      if ((await checkBasis(String(c._id), SYSTEM_CTX, today)) !== 'none') n++;
    }
  }
  return n;
}

/** The reviewer's queue (复核任务): suspended listings waiting for a decision on their basis, within the caller's scope. */
export async function listBasisReviews(q: PageRequest, p: Principal) {
  const page = await paginate(CaseModel, { $and: [scopeFilter(p, { uscc: 'uscc', district: 'districtCode' }), { status: 'suspended', 'basisReview.status': 'pending' }] }, q, { field: '_id', order: 1 }, { history: 0 });
  return {
    items: page.items.map((d) => {
      const c = d as LeanCase;
      return {
        id: String(c._id),
        task: '复核列入依据',
        status: c.status,
        statusLabel: STATUS_LABELS[c.status],
        uscc: c.uscc,
        subjectName: c.subjectName,
        decisionNumber: c.decision?.decisionNumber ?? null,
        listing: c.listing,
        since: c.basisReview?.since ?? null,
        revokedPenalties: c.basisReview?.revokedPenalties ?? [],
        remaining: c.basisReview?.remaining ?? [],
        url: `/api/v1/dishonesty-list/${String(c._id)}`,
      };
    }),
    nextCursor: page.nextCursor,
  };
}

/**
 * The reviewer decides a suspended listing: `uphold` — the remaining penalties still ground it: back on the list
 * from the decision day until its original end (past that end it counts as expired); `revoke` — it is revoked.
 */
export async function decideBasisReview(id: string, body: { outcome: 'uphold' | 'revoke'; decidedOn?: LegalDate; reasons: string }, ctx: CallContext) {
  await actOn(id, ctx);
  const decidedOn = body.decidedOn ?? todayInShanghai();
  const { before, after } = await mutate(id, ctx, (doc, now) => {
    if (doc.status !== 'suspended' || doc.basisReview?.status !== 'pending') throw AppError.conflict(`案件当前状态为“${STATUS_LABELS[doc.status]}”，没有待复核的列入依据`);
    if (decidedOn < doc.basisReview.since) throw AppError.validation([{ path: 'decidedOn', message: `不得早于暂停列入的日期 ${doc.basisReview.since}` }]);
    const decision = { decidedOn, outcome: body.outcome, reasons: body.reasons, by: ctx.principal.id, byName: ctx.principal.name, at: now };
    const review = { ...doc.basisReview, status: body.outcome === 'uphold' ? 'upheld' : 'revoked', decision };
    if (body.outcome === 'revoke') {
      const reasons = `复核认为其余据以列入的行政处罚不足以支持列入：${body.reasons}`;
      return {
        set: { status: 'revoked', basisReview: review, revocation: { on: decidedOn, reasons, automatic: false, revokedPenalties: doc.basisReview.revokedPenalties, by: ctx.principal.id, byName: ctx.principal.name, at: now } },
        event: { type: 'revoked', on: decidedOn, note: reasons },
        sync: true,
      };
    }
    const end = doc.listing!.end;
    if (decidedOn > end) {
      const on = addDays(end, 1);
      return {
        set: { status: 'removed', basisReview: review, listing: { ...doc.listing!, removedOn: on, removal: { kind: 'expired', on, applicationNo: null, at: now } } },
        event: { type: 'basis_upheld', on: decidedOn, note: `${body.reasons}；列入期限已于 ${end} 届满，不再恢复列入` },
        sync: true,
      };
    }
    const { span } = lastSpan(doc);
    const restored: CaseSpan = { from: decidedOn, to: end, subjectName: span.subjectName, persons: span.persons, measures: span.measures, events: [{ type: 'restored', at: now }] };
    return {
      set: { status: 'listed', basisReview: review },
      push: { spans: restored },
      event: { type: 'basis_upheld', on: decidedOn, note: `${body.reasons}；恢复列入至 ${end}` },
      sync: true,
    };
  });
  await audit(body.outcome === 'uphold' ? 'basis.uphold' : 'basis.revoke', ctx, before, after, { decidedOn, reasons: body.reasons });
  await syncEffects(id, ctx);
  await regrade(after.uscc);
  return presentCase((await CaseModel.findById(new mongoose.Types.ObjectId(id)).lean()) as LeanCase);
}

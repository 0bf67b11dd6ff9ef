import type { Principal } from '../auth/index.js';
import type { FulfilmentDoc, RepairDoc } from './model.js';
import { STATE_LABELS, overdueStep } from './rules.js';
import { provisionalPaths, todayInShanghai } from '../../lib/calendar.js';

/** API shape of an application. An enterprise sees its own applications with who acted by role and name, not principal ids. */
export function presentRepair(doc: RepairDoc & { _id: unknown }, principal: Principal, opts: { history?: boolean; today?: string } = {}) {
  const id = String(doc._id);
  const internal = !principal.roles.includes('enterprise');
  const overdue = overdueStep(doc, opts.today ?? todayInShanghai());
  return {
    id,
    number: doc.number,
    state: doc.state,
    stateLabel: STATE_LABELS[doc.state],
    recordId: doc.recordId,
    decisionNumber: doc.decisionNumber,
    decisionDate: doc.decisionDate,
    uscc: doc.uscc,
    subjectName: doc.subjectName,
    districtCode: doc.districtCode,
    authorityName: doc.authorityName,
    authorityUscc: doc.authorityUscc,
    severity: doc.severity,
    ruleVersion: doc.ruleVersion,
    commitment: doc.commitment,
    contact: doc.contact,
    statement: doc.statement,
    files: doc.files.map((f) => ({ id: f.fileId, name: f.name, mime: f.mime, size: f.size, sha256: f.sha256, url: `/api/v1/repairs/${id}/files/${f.fileId}` })),
    eligibility: doc.eligibility,
    submittedDate: doc.submittedDate,
    acceptedDate: doc.acceptedDate,
    decidedDate: doc.decidedDate,
    effectedDate: doc.effectedDate,
    due: doc.due,
    overdue,
    // Time limits count working days (受理 from submission, 决定 from acceptance, 结果共享 from the decision): 暂定 without an official schedule.
    provisionalDates: provisionalPaths([
      ['due.acceptance', doc.submittedDate, doc.due.acceptance],
      ['due.decision', doc.acceptedDate, doc.due.decision],
      ['due.resultShared', doc.decidedDate, doc.due.resultShared],
      ['extension.newDue', doc.acceptedDate, doc.extension?.newDue],
      ['overdue.due', overdue ? { acceptance: doc.submittedDate, decision: doc.acceptedDate, resultShared: doc.decidedDate }[overdue.step] : null, overdue?.due],
    ]),
    extension: doc.extension ? { reason: doc.extension.reason, previousDue: doc.extension.previousDue, newDue: doc.extension.newDue, at: doc.extension.at, ...(internal ? { by: doc.extension.by } : {}), byName: doc.extension.byName } : null,
    refusal: doc.refusal ? { missing: doc.refusal.missing, note: doc.refusal.note, date: doc.refusal.date, at: doc.refusal.at, byName: doc.refusal.byName, ...(internal ? { by: doc.refusal.by } : {}) } : null,
    decision: doc.decision
      ? { outcome: doc.decision.outcome, number: doc.decision.number, reasons: doc.decision.reasons, note: doc.decision.note, date: doc.decision.date, at: doc.decision.at, byName: doc.decision.byName, ...(internal ? { by: doc.decision.by } : {}) }
      : null,
    effects: doc.effects,
    revocation: doc.revocation
      ? {
          date: doc.revocation.date,
          reasons: doc.revocation.reasons,
          note: doc.revocation.note,
          barredUntil: doc.revocation.barredUntil,
          source: doc.revocation.source,
          restored: doc.revocation.restored,
          publicityEnded: doc.revocation.publicityEnded,
          regraded: doc.revocation.regraded,
          at: doc.revocation.at,
          byName: doc.revocation.byName,
          ...(internal ? { by: doc.revocation.by } : {}),
        }
      : null,
    documentUrl: ['refused-incomplete', 'approved', 'denied', 'effected'].includes(doc.state) ? `/api/v1/repairs/${id}/decision` : null,
    ...(opts.history === false
      ? {}
      : {
          history: doc.history.map((h) => ({
            seq: h.seq,
            action: h.action,
            from: h.from,
            to: h.to,
            at: h.at,
            date: h.date,
            actor: h.actor,
            byName: h.byName,
            ...(internal ? { by: h.by } : {}),
            note: h.note,
          })),
        }),
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

export function presentFulfilment(doc: FulfilmentDoc) {
  return {
    recordId: doc._id,
    finePaidDate: doc.finePaidDate,
    correctionConfirmedDate: doc.correctionConfirmedDate,
    evidence: doc.evidence,
    updatedBy: doc.updatedBy,
    updatedAt: doc.updatedAt,
    history: doc.history.map((h) => ({ finePaidDate: h.finePaidDate, correctionConfirmedDate: h.correctionConfirmedDate, evidence: h.evidence, at: h.at, byName: h.byName })),
  };
}

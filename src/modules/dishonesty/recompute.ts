import { CaseModel, type RemovalApplication } from './model.js';
import { dishonestyRules, objectionDeadline, removalDecisionDeadline } from './rules.js';
import { logger } from '../../lib/logger.js';
import type { LegalDate } from '../../lib/calendar.js';

export interface RecomputeCounts {
  scanned: number;
  changed: number;
}

/**
 * Recomputes the working-day procedure dates of every case with one on or after `from`, after a
 * year's holiday schedule was loaded: the end of the objection period (陈述申辩期, from the day the
 * notice was served) and the decision limit of each early-removal application (from the day it was
 * applied for), with the `late` mark of a decision taken. "Past its decision limit" is derived from these when read, so it follows. Conditioned
 * on the case's revision (a concurrent step wins); the case history is not touched, the audit entry
 * of the schedule load lists the counts.
 */
export async function recomputeCaseDeadlines(from: LegalDate, progress: (c: RecomputeCounts) => void = () => {}): Promise<RecomputeCounts> {
  const rules = dishonestyRules();
  const counts: RecomputeCounts = { scanned: 0, changed: 0 };
  const filter = { $or: [{ 'service.deadline': { $gte: from } }, { 'applications.deadline': { $gte: from } }] };
  const cursor = CaseModel.find(filter, { service: 1, applications: 1, rev: 1 }).lean().cursor();
  for await (const doc of cursor) {
    counts.scanned++;
    const set: Record<string, unknown> = {};
    if (doc.service) {
      const deadline = objectionDeadline(doc.service.servedOn, rules);
      if (deadline !== doc.service.deadline) set['service.deadline'] = deadline;
    }
    const apps = (doc.applications ?? []) as RemovalApplication[];
    const next = apps.map((a) => {
      const deadline = removalDecisionDeadline(a.appliedOn, rules);
      // A decision taken after its limit is recorded as late (service.decideRemoval): follow the new limit.
      return { ...a, deadline, ...(a.decision ? { decision: { ...a.decision, late: a.decision.decidedOn > deadline } } : {}) };
    });
    if (next.some((a, i) => a.deadline !== apps[i].deadline)) set.applications = next;
    if (Object.keys(set).length) {
      const r = await CaseModel.updateOne({ _id: doc._id, rev: doc.rev }, { $set: set, $inc: { rev: 1 } }, { timestamps: false });
      if (r.modifiedCount) counts.changed++;
    }
    if (counts.scanned % 500 === 0) progress({ ...counts });
  }
  logger.info('dishonesty procedure dates recomputed', { from, ...counts });
  return counts;
}

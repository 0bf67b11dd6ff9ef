import { RepairModel, type RepairDoc } from './model.js';
import { acceptanceDue, decisionDue, extendedDecisionDue, repairConfig, resultSharedDue, type DueDates } from './rules.js';
import { logger } from '../../lib/logger.js';
import type { LegalDate } from '../../lib/calendar.js';

export interface RecomputeCounts {
  scanned: number;
  changed: number;
}

/** The due dates of an application, recomputed from the dates they count from (config/repair.json timeLimits). */
export function dueDatesOf(app: Pick<RepairDoc, 'submittedDate' | 'acceptedDate' | 'decidedDate' | 'extension' | 'due'>): { due: DueDates; extensionNewDue: LegalDate | null; extensionPreviousDue: LegalDate | null } {
  const config = repairConfig();
  const firstDecision = app.acceptedDate ? decisionDue(app.acceptedDate, config) : null;
  const decision = firstDecision && app.extension ? extendedDecisionDue(firstDecision, config) : firstDecision;
  return {
    due: {
      acceptance: acceptanceDue(app.submittedDate, config),
      decision: app.due.decision === null ? null : decision,
      resultShared: app.decidedDate && app.due.resultShared !== null ? resultSharedDue(app.decidedDate, config) : app.due.resultShared,
    },
    extensionPreviousDue: app.extension ? firstDecision : null,
    extensionNewDue: app.extension ? decision : null,
  };
}

/**
 * Recomputes the working-day time limits (受理, 作出决定 with its one extension, 结果共享) of every
 * application with a due date on or after `from`, after a year's holiday schedule was loaded. Overdue
 * flags are derived from these due dates when read (overdueStep), so they follow. Conditioned on the
 * application's revision: a concurrent decision wins and keeps its own dates.
 */
export async function recomputeRepairDueDates(from: LegalDate, progress: (c: RecomputeCounts) => void = () => {}): Promise<RecomputeCounts> {
  const counts: RecomputeCounts = { scanned: 0, changed: 0 };
  const filter = { $or: [{ 'due.acceptance': { $gte: from } }, { 'due.decision': { $gte: from } }, { 'due.resultShared': { $gte: from } }] };
  const cursor = RepairModel.find(filter, { submittedDate: 1, acceptedDate: 1, decidedDate: 1, extension: 1, due: 1, revision: 1 }).lean().cursor();
  for await (const doc of cursor) {
    counts.scanned++;
    const { due, extensionNewDue, extensionPreviousDue } = dueDatesOf(doc as unknown as RepairDoc);
    const set: Record<string, unknown> = {};
    if (due.acceptance !== doc.due.acceptance) set['due.acceptance'] = due.acceptance;
    if (due.decision !== doc.due.decision) set['due.decision'] = due.decision;
    if (due.resultShared !== doc.due.resultShared) set['due.resultShared'] = due.resultShared;
    if (doc.extension && extensionNewDue !== doc.extension.newDue) set['extension.newDue'] = extensionNewDue;
    if (doc.extension && extensionPreviousDue !== doc.extension.previousDue) set['extension.previousDue'] = extensionPreviousDue;
    if (Object.keys(set).length) {
      const r = await RepairModel.updateOne({ _id: doc._id, revision: (doc as { revision: number }).revision }, { $set: set, $inc: { revision: 1 } }, { timestamps: false });
      if (r.modifiedCount) counts.changed++;
    }
    if (counts.scanned % 500 === 0) progress({ ...counts });
  }
  logger.info('repair due dates recomputed', { from, ...counts });
  return counts;
}

import { RecordModel } from './model.js';
import { creditRules, publicityDeadline } from './rules.js';
import { logger } from '../../lib/logger.js';
import type { LegalDate } from '../../lib/calendar.js';

export interface RecomputeCounts {
  scanned: number;
  changed: number;
}

/**
 * Recomputes the stored 双公示 deadline (derived.publicityDeadline: the n-th working day after the
 * decision, config/credit-rules.json publicityWorkingDays) of every record whose deadline falls on or
 * after `from`, after a year's holiday schedule was loaded. A deadline is not platform data: only
 * `derived.publicityDeadline` changes — no new version, no delivery, the record's `version` stays.
 * Each write is conditioned on the deadline it replaces, so a concurrent correction wins.
 */
export async function recomputePublicityDeadlines(from: LegalDate, progress: (c: RecomputeCounts) => void = () => {}): Promise<RecomputeCounts> {
  const rules = creditRules();
  const counts: RecomputeCounts = { scanned: 0, changed: 0 };
  const cursor = RecordModel.find({ 'derived.publicityDeadline': { $gte: from } }, { decisionDate: 1, 'derived.publicityDeadline': 1 }).lean().cursor();
  for await (const doc of cursor) {
    counts.scanned++;
    const old = String(doc.derived?.publicityDeadline);
    const next = publicityDeadline(doc.decisionDate, rules);
    if (next !== old) {
      const r = await RecordModel.updateOne({ _id: doc._id, 'derived.publicityDeadline': old }, { $set: { 'derived.publicityDeadline': next } }, { timestamps: false });
      if (r.modifiedCount) counts.changed++;
    }
    if (counts.scanned % 500 === 0) progress({ ...counts });
  }
  logger.info('publicity deadlines recomputed', { from, ...counts });
  return counts;
}

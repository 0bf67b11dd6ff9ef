import { JOB_LEASE_MS, withJobLock } from '../../lib/jobLock.js';
import { todayInShanghai, type LegalDate } from '../../lib/calendar.js';
import { logger } from '../../lib/logger.js';
import { CaseModel } from './model.js';
import { backfillDecisionKeys, reconcile, removeExpired } from './service.js';
import { writeDailyExports } from './exports.js';
import { sweepBasis } from './basis.js';

/**
 * Daily (lease `dishonesty-daily`, one instance at a time): listings whose 3 years ended leave the list;
 * effects left undone are finished; the day's full and delta files are written to EXPORT_DIR; early-removal
 * applications past their decision deadline are reported.
 */
export async function runDailyDishonesty(opts: { exportDir: string; today?: LegalDate; now?: Date }) {
  const now = opts.now ?? new Date();
  const today = opts.today ?? todayInShanghai(now);
  const r = await withJobLock('dishonesty-daily', JOB_LEASE_MS, async () => {
    await backfillDecisionKeys();
    const removed = await removeExpired(today);
    const basisLost = await sweepBasis(today);
    const reconciled = await reconcile(today);
    const files = await writeDailyExports(today, opts.exportDir, now);
    const pending = await CaseModel.find({ 'applications.status': 'pending' }, { applications: 1 }).lean();
    const overdue = pending.filter((c) => c.applications.some((a) => a.status === 'pending' && a.deadline < today)).length;
    if (overdue) logger.warn('early-removal applications past their decision deadline', { count: overdue });
    return { today, removed, basisLost, reconciled, files: files.map((f) => ({ id: f.id, fileName: f.fileName, rowCount: f.rowCount, sha256: f.sha256 })), overdueApplications: overdue };
  });
  return r.ran ? { ran: true, ...r.result } : { ran: false };
}

import { JOB_LEASE_MS, withJobLock } from '../../lib/jobLock.js';
import { todayInShanghai } from '../../lib/calendar.js';
import { logger } from '../../lib/logger.js';
import { allOverdue, removeOrphanFiles, sweepEffects } from './service.js';

/** Resumes the effects of approved applications (withdrawal, regrade, effected), one instance at a time. */
export async function runRepairEffectsOnce() {
  const r = await withJobLock('repair-effects', JOB_LEASE_MS, () => sweepEffects());
  return r.ran ? { ran: true, ...r.result } : { ran: false };
}

/** Daily: logs every application late with its current step; removes evidence files of applications never stored. */
export async function runRepairOverdueDaily(today = todayInShanghai()) {
  const r = await withJobLock('repair-overdue', JOB_LEASE_MS, async () => {
    const overdue = await allOverdue(today);
    for (const o of overdue) {
      logger.warn('credit repair step overdue', { id: o.id, number: o.number, step: o.step, due: o.due, overdueWorkdays: o.overdueWorkdays, authority: o.authorityName, uscc: o.uscc });
    }
    const orphanFilesRemoved = await removeOrphanFiles();
    return { today, overdue: overdue.length, byStep: Object.fromEntries(['acceptance', 'decision', 'resultShared'].map((s) => [s, overdue.filter((o) => o.step === s).length])), orphanFilesRemoved };
  });
  return r.ran ? { ran: true, ...r.result } : { ran: false };
}

import { JOB_LEASE_MS, withJobLock } from '../../lib/jobLock.js';
import { todayInShanghai } from '../../lib/calendar.js';
import { logger } from '../../lib/logger.js';
import { endExpiredPublicity, expirePermits } from '../records/index.js';
import { getEngine } from './service.js';

/** One push sweep, run by at most one instance at a time (lease `publicity-push`). */
export async function runPushOnce(opts: { budgetMs?: number } = {}) {
  const budgetMs = opts.budgetMs ?? 240_000;
  const r = await withJobLock('publicity-push', JOB_LEASE_MS, () => getEngine().sweep({ budgetMs }));
  return r.ran ? { ran: true, platforms: r.result } : { ran: false, reason: '另一实例正在推送' };
}

export async function runFeedbackOnce() {
  const r = await withJobLock('publicity-feedback', JOB_LEASE_MS, () => getEngine().pollFeedback());
  return r.ran ? { ran: true, platforms: r.result } : { ran: false };
}

/** Daily: permits past validity become 无效; penalties past their publicity end are withdrawn (公示期满). */
export async function runDailyPublicity(today = todayInShanghai()) {
  const r = await withJobLock('publicity-daily', JOB_LEASE_MS, async () => {
    const expired = await expirePermits(today, (n) => n % 1000 === 0 && logger.info('permit expiry progress', { done: n }));
    const ended = await endExpiredPublicity(today, (n) => n % 1000 === 0 && logger.info('publicity end progress', { done: n }));
    return { today, permitsExpired: expired, publicityEnded: ended };
  });
  return r.ran ? { ran: true, ...r.result } : { ran: false };
}

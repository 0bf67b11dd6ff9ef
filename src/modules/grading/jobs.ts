import { withJobLock } from '../../lib/jobLock.js';
import { completeStaleEnterprises } from '../enterprises/index.js';
import { regradeAll, regradeUsccs, sweepDirty, type RegradeCounts, type RegradeOptions, type SweepResult } from './service.js';

/**
 * Every writer of grades runs under this one lease (sweep, nightly, CLI, immediate regrades), so a grade
 * and its history always have a single writer, across instances.
 */
export const GRADING_LOCK = 'grading';
const LEASE_MS = 5 * 60_000;

type Ran<T> = ({ ran: true } & T) | { ran: false; reason: string };
const BUSY = '另一实例正在评级';

/**
 * Every minute: regrade the enterprises flagged dirty. Then, as a safety net, audit the enterprises whose
 * creating request stopped before auditing them and was not repeated (they were flagged dirty too).
 */
export async function runGradeSweep(opts: { budgetMs?: number; today?: string } = {}): Promise<Ran<SweepResult>> {
  const r = await withJobLock(GRADING_LOCK, LEASE_MS, async () => {
    const swept = await sweepDirty({ budgetMs: opts.budgetMs ?? 50_000, today: opts.today });
    await completeStaleEnterprises();
    return swept;
  });
  return r.ran ? { ran: true, ...r.result } : { ran: false, reason: BUSY };
}

/**
 * Full regrade (nightly, or the CLI). With `waitMs`, waits that long for the lease (a sweep in progress
 * ends within a minute) instead of giving up at once.
 */
export async function runFullRegrade(opts: RegradeOptions & { waitMs?: number }): Promise<Ran<RegradeCounts & { runId: string }>> {
  return waitForLock(opts.waitMs ?? 0, () => regradeAll(opts));
}

/** Regrades the named enterprises now (the CLI's --uscc). */
export async function runRegradeUsccs(usccs: string[], opts: RegradeOptions & { waitMs?: number }): Promise<Ran<RegradeCounts & { runId: string }>> {
  return waitForLock(opts.waitMs ?? 0, () => regradeUsccs(usccs, opts));
}

/** Regrade at once (a fatal accident): true when done now; false leaves it to the sweep (the flag is set). */
export async function regradeNow(usccs: string[]): Promise<boolean> {
  const r = await withJobLock(GRADING_LOCK, LEASE_MS, () => regradeUsccs(usccs, { trigger: 'immediate' }));
  return r.ran;
}

async function waitForLock<T extends object>(waitMs: number, fn: () => Promise<T>): Promise<Ran<T>> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const r = await withJobLock(GRADING_LOCK, LEASE_MS, fn);
    if (r.ran) return { ran: true, ...r.result };
    if (Date.now() >= deadline) return { ran: false, reason: BUSY };
    await new Promise((res) => setTimeout(res, 1000));
  }
}

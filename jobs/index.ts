import type { Config } from '../src/config.js';
import type { JobDefinition } from './scheduler.js';
import { runDailyPublicity, runFeedbackOnce, runPushOnce } from '../src/modules/publicity/index.js';
import { runRepairEffectsOnce, runRepairOverdueDaily } from '../src/modules/repair/index.js';
import { runFullRegrade, runGradeSweep } from '../src/modules/grading/index.js';
import { runDailyDishonesty } from '../src/modules/dishonesty/index.js';
import { refreshSchedules } from '../src/modules/calendar/index.js';
import { recountAllTallies, sweepAllTallies } from '../src/db/tally.js';

/** All scheduled jobs of the service (Asia/Shanghai). Each is thin: it calls one use case of a module. */
export function jobDefinitions(config: Config): JobDefinition[] {
  return withFreshCalendar([
    { name: 'publicity-push', schedule: config.pushCron, run: () => runPushOnce() },
    { name: 'publicity-feedback', schedule: '*/10 * * * *', run: () => runFeedbackOnce() },
    { name: 'publicity-daily', schedule: '10 1 * * *', run: () => runDailyPublicity() },
    { name: 'repair-effects', schedule: '*/5 * * * *', run: () => runRepairEffectsOnce() },
    { name: 'repair-overdue', schedule: '30 8 * * *', run: () => runRepairOverdueDaily() },
    { name: 'grading-sweep', schedule: '* * * * *', run: () => runGradeSweep() },
    { name: 'grading-nightly', schedule: '30 2 * * *', run: () => runFullRegrade({ trigger: 'nightly', waitMs: 120_000 }) },
    { name: 'summaries-sweep', schedule: '*/2 * * * * *', run: () => sweepAllTallies(), quiet: true },
    { name: 'summaries-recount', schedule: '50 2 * * *', run: () => recountAllTallies() },
    { name: 'dishonesty-daily', schedule: '40 1 * * *', run: () => runDailyDishonesty({ exportDir: config.exportDir }) },
  ]);
}

/** Each run first re-reads the loaded holiday schedules: one loaded through another instance counts at once. */
function withFreshCalendar(jobs: JobDefinition[]): JobDefinition[] {
  return jobs.map((j) => ({
    ...j,
    run: async () => {
      await refreshSchedules();
      return j.run();
    },
  }));
}

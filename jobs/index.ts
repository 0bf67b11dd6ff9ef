import type { Config } from '../src/config.js';
import type { JobDefinition } from './scheduler.js';
import { runDailyPublicity, runFeedbackOnce, runPushOnce } from '../src/modules/publicity/index.js';

/** All scheduled jobs of the service (Asia/Shanghai). Each is thin: it calls one use case of a module. */
export function jobDefinitions(config: Config): JobDefinition[] {
  return [
    { name: 'publicity-push', schedule: config.pushCron, run: () => runPushOnce() },
    { name: 'publicity-feedback', schedule: '*/10 * * * *', run: () => runFeedbackOnce() },
    { name: 'publicity-daily', schedule: '10 1 * * *', run: () => runDailyPublicity() },
  ];
}

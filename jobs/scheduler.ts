import cron, { type ScheduledTask } from 'node-cron';
import { logger } from '../src/lib/logger.js';

/** A scheduled job: thin, calls one use case of a module. */
export interface JobDefinition {
  name: string;
  schedule: string;
  run: () => Promise<unknown>;
  /** Frequent jobs log their runs at debug level (failures are always errors). */
  quiet?: boolean;
}

export interface Scheduler {
  stop(): Promise<void>;
}

/**
 * Starts node-cron tasks in Asia/Shanghai with no overlap inside this process.
 * `stop()` stops scheduling and waits for runs in progress.
 */
export function startScheduler(jobs: JobDefinition[], timezone: string): Scheduler {
  // node-cron's own messages (e.g. a run skipped because the previous one still runs) go to our logs.
  cron.setLogger({
    info: (m: string) => logger.debug(m, { source: 'node-cron' }),
    warn: (m: string) => logger.debug(m, { source: 'node-cron' }),
    error: (m: string | Error) => logger.error('node-cron error', { source: 'node-cron', err: m }),
    debug: (m: string) => logger.debug(m, { source: 'node-cron' }),
  });
  const running = new Set<Promise<unknown>>();
  const tasks: ScheduledTask[] = jobs.map((job) =>
    cron.schedule(
      job.schedule,
      async () => {
        const started = Date.now();
        const p = job
          .run()
          .then((result) => logger.log(job.quiet ? 'debug' : 'info', 'job finished', { job: job.name, ms: Date.now() - started, result }))
          .catch((err) => logger.error('job failed', { job: job.name, err }));
        running.add(p);
        await p;
        running.delete(p);
      },
      { name: job.name, timezone, noOverlap: true },
    ),
  );
  logger.info('jobs scheduled', { jobs: jobs.map((j) => `${j.name} (${j.schedule})`) });
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.stop()));
      await Promise.all(tasks.map((t) => t.destroy()));
      await Promise.allSettled([...running]);
    },
  };
}

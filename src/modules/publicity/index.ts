export { publicityRoutes } from './routes.js';
export { DeliveryEngine, backoffMs, type PlatformSweep } from './engine.js';
export { getEngine, setEngine, deliveryStatus, timeliness, deliveriesOf } from './service.js';
export { runPushOnce, runFeedbackOnce, runDailyPublicity } from './jobs.js';
export { platformConfigs, platformIds, type PlatformConfig } from './platforms.js';
export { createAdapter } from './adapters/index.js';
export * from './outbox.js';
export { DeliveryAttemptModel } from './model.js';
export { recordSummaries, catchUpRecords, deliverySummaries, oldestWaiting, UNDELIVERED } from './summaries.js';

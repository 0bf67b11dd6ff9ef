export { recordRoutes } from './routes.js';
export { RecordModel, type RecordDoc, type RecordVersion, type Lifecycle } from './model.js';
export {
  createRecords,
  createRecord,
  getRecord,
  listRecords,
  correctRecord,
  revokeRecord,
  withdrawRecord,
  restorePublication,
  markListed,
  type ListingMark,
  type GroundMark,
  expirePermits,
  endExpiredPublicity,
  contentHash,
  SYSTEM_PRINCIPAL,
  type BatchResult,
  type BatchResults,
  type CallContext,
} from './service.js';
export { presentRecord } from './present.js';
export { onRecordRevoked, type RecordRevokedEvent } from './hooks.js';
export * from './fields.js';
export { derivePenalty, derivePermit, classifySeverity, publicityDeadline, SEVERITIES, type Severity, creditRules } from './rules.js';
export { recomputePublicityDeadlines } from './recompute.js';

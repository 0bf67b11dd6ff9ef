export { enterpriseRoutes } from './routes.js';
export { EnterpriseModel, enterpriseId, type EnterpriseDoc } from './model.js';
export {
  createEnterprise,
  createEnterprises,
  flagIncompleteEnterprises,
  ENTERPRISE_BATCH_STATUSES,
  type EnterpriseBatchResult,
  getEnterprise,
  enterprisesByUscc,
  findVisibleEnterprise,
  listEnterprises,
  updateEnterprise,
  presentEnterprise,
  ensureEnterprises,
  completeEnterprises,
  completeStaleEnterprises,
  AUDIT_PENDING_GRACE_MS,
  subjectDistricts,
  linkRecords,
  markGradeDirty,
  type SubjectFields,
  type PendingEnterprise,
} from './service.js';
export { SUBJECT_TYPES, STANDARDISATION_GRADES, ENTERPRISE_FIELDS, missingFields, type EnterpriseFieldDef } from './fields.js';

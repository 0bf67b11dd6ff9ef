export { enterpriseRoutes } from './routes.js';
export { EnterpriseModel, enterpriseId, type EnterpriseDoc } from './model.js';
export { createEnterprise, getEnterprise, enterprisesByUscc, findVisibleEnterprise, listEnterprises, updateEnterprise, presentEnterprise, ensureEnterprises, completeEnterprises, completeStaleEnterprises, AUDIT_PENDING_GRACE_MS, subjectDistricts, linkRecords, markGradeDirty, type SubjectFields, type PendingEnterprise } from './service.js';
export { SUBJECT_TYPES, STANDARDISATION_GRADES } from './fields.js';

export { enterpriseRoutes } from './routes.js';
export { EnterpriseModel, enterpriseId, type EnterpriseDoc } from './model.js';
export { createEnterprise, getEnterprise, enterprisesByUscc, findVisibleEnterprise, listEnterprises, updateEnterprise, presentEnterprise, ensureEnterprises, subjectDistricts, linkRecords, markGradeDirty, type SubjectFields } from './service.js';
export { SUBJECT_TYPES, STANDARDISATION_GRADES } from './fields.js';

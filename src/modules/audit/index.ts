export { recordAudit, recordAudits, missingAudits, auditId, writerPrincipal, listAudit, presentAudit, type AuditInput, type AuditListQuery } from './service.js';
export { AuditModel, type AuditDoc } from './model.js';
export { auditRoutes } from './routes.js';

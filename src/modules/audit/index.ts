export { recordAudit, type AuditInput } from './service.js';
export { AuditModel } from './model.js';

export { ROLES, ROLE_LABELS, type Role, type Principal } from './roles.js';
export { authenticateRequest, createApiKey, seedAdminKey, listApiKeys, revokeApiKey, hashKey } from './service.js';
export { ApiKeyModel } from './model.js';
export { authRoutes } from './routes.js';
export { scopeFilter, inScope, assertInScope } from './scope.js';

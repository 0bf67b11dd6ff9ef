export { ROLES, ROLE_LABELS, ID_NUMBER_ROLES, STAFF_ROLES, rolesConflict, mayReadIdNumbers, type Role, type Principal } from './roles.js';
export { authenticateRequest, createAuthenticator, type Authenticator, type Credentials, createApiKey, seedAdminKey, listApiKeys, revokeApiKey, hashKey } from './service.js';
export { ApiKeyModel } from './model.js';
export { authRoutes } from './routes.js';
export { createJwtVerifier, type JwtVerifier } from './jwt.js';
export { scopeFilter, canSee, inScope, assertInScope, districtFilter } from './scope.js';

import { defineRoutes } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { apiKeyIdParams, createApiKeyBody } from '../../../schemas/apiKeys.js';
import { createApiKey, listApiKeys, revokeApiKey } from './service.js';
import { recordAudit } from '../audit/index.js';
import { ROLES, ROLE_LABELS } from './roles.js';

export const authRoutes = defineRoutes([
  {
    method: 'get',
    path: '/me',
    summary: '当前凭据的身份：名称、角色、所代表的企业（企业用户）、辖区范围（网页控制台登录时调用）',
    tag: 'auth',
    access: { roles: ROLES },
    handler: ({ principal }) => ({
      body: {
        id: principal.id,
        name: principal.name,
        roles: principal.roles,
        roleLabels: principal.roles.map((r) => ROLE_LABELS[r]),
        uscc: principal.uscc ?? null,
        scope: principal.scope,
        authorityUscc: principal.authorityUscc ?? null,
        authorityName: principal.authorityName ?? null,
        fullIdNumbers: principal.fullIdNumbers === true,
        via: principal.via,
      },
    }),
  },
  {
    method: 'post',
    path: '/api-keys',
    summary: '创建 API 密钥（明文只返回这一次）',
    tag: 'api-keys',
    access: { roles: ['admin'] },
    body: createApiKeyBody,
    handler: async ({ body, principal, req }) => {
      const { key, apiKey } = await createApiKey(body, principal.id);
      await recordAudit({ action: 'apiKey.create', resource: 'apiKey', resourceId: apiKey.id, principal, ip: clientIp(req), after: apiKey });
      // Full ID numbers for a partner (data-sharing agreement) are a grant of their own: audited as such.
      if (apiKey.fullIdNumbers) await recordAudit({ action: 'apiKey.fullIdNumbers.grant', resource: 'apiKey', resourceId: apiKey.id, principal, ip: clientIp(req), after: { name: apiKey.name, roles: apiKey.roles, fullIdNumbers: true } });
      return { status: 201, body: { ...apiKey, key } };
    },
  },
  {
    method: 'get',
    path: '/api-keys',
    summary: '列出 API 密钥（不含明文）',
    tag: 'api-keys',
    access: { roles: ['admin'] },
    handler: async () => ({ body: { items: await listApiKeys(), nextCursor: null } }),
  },
  {
    method: 'delete',
    path: '/api-keys/:id',
    summary: '吊销 API 密钥（下一次请求即失效）',
    tag: 'api-keys',
    access: { roles: ['admin'] },
    params: apiKeyIdParams,
    handler: async ({ params, principal, req }) => {
      const apiKey = await revokeApiKey(params.id);
      await recordAudit({ action: 'apiKey.revoke', resource: 'apiKey', resourceId: apiKey.id, principal, ip: clientIp(req), after: apiKey });
      return { body: apiKey };
    },
  },
]);

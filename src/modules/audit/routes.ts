import { defineRoutes } from '../../http/route.js';
import { listAuditQuery } from '../../../schemas/audit.js';
import { listAudit } from './service.js';

/** Read-only: the API offers no way to change or remove an audit entry. */
export const auditRoutes = defineRoutes([
  {
    method: 'get',
    path: '/audit',
    summary: '查询审计日志（按资源、主体、操作、时间筛选，时间倒序，游标分页）',
    tag: 'audit',
    access: { roles: ['admin'] },
    query: listAuditQuery,
    handler: async ({ query }) => ({ body: await listAudit(query) }),
  },
]);

import { defineRoutes } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { createEnterpriseBody, enterpriseParams, listEnterprisesQuery, updateEnterpriseBody } from '../../../schemas/enterprises.js';
import { createEnterprise, getEnterprise, listEnterprises, updateEnterprise } from './service.js';
import type { Role } from '../auth/index.js';

const READERS: Role[] = ['clerk', 'reviewer', 'regulator', 'enterprise'];
const WRITERS: Role[] = ['clerk'];

export const enterpriseRoutes = defineRoutes([
  {
    method: 'post',
    path: '/enterprises',
    summary: '登记企业主体',
    tag: 'enterprises',
    access: { roles: WRITERS },
    body: createEnterpriseBody,
    responses: { 201: { description: '已创建' }, 409: { description: '统一社会信用代码已存在' } },
    handler: async ({ body, principal, req }) => ({ status: 201, body: await createEnterprise(body, { principal, ip: clientIp(req) }) }),
  },
  {
    method: 'get',
    path: '/enterprises',
    summary: '查询企业列表（按区划、行业、名称前缀筛选，游标分页）',
    tag: 'enterprises',
    access: { roles: READERS },
    query: listEnterprisesQuery,
    handler: async ({ query, principal }) => ({ body: await listEnterprises(query, principal) }),
  },
  {
    method: 'get',
    path: '/enterprises/:uscc',
    summary: '查询单个企业',
    tag: 'enterprises',
    access: { roles: READERS },
    params: enterpriseParams,
    handler: async ({ params, principal }) => ({ body: await getEnterprise(params.uscc, principal) }),
  },
  {
    method: 'patch',
    path: '/enterprises/:uscc',
    summary: '修改企业信息（统一社会信用代码不可修改）',
    tag: 'enterprises',
    access: { roles: WRITERS },
    params: enterpriseParams,
    body: updateEnterpriseBody,
    handler: async ({ params, body, principal, req }) => ({ body: await updateEnterprise(params.uscc, body, { principal, ip: clientIp(req) }) }),
  },
]);

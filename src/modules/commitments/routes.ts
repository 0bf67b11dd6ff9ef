import { defineRoutes } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { breachBody, commitmentBody, commitmentParams, enterpriseListQuery, listCommitmentsQuery } from '../../../schemas/grading.js';
import { enterpriseParams } from '../../../schemas/enterprises.js';
import { createCommitment, getCommitment, listCommitments, listEnterpriseCommitments, recordBreach } from './service.js';
import type { Role } from '../auth/index.js';

const READERS: Role[] = ['clerk', 'reviewer', 'regulator', 'enterprise'];

export const commitmentRoutes = defineRoutes([
  {
    method: 'post',
    path: '/commitments',
    summary: '作出信用承诺（企业用户以本企业名义在线签署；录入人员代录纸质承诺须填写统一社会信用代码）',
    tag: 'commitments',
    access: { roles: ['enterprise', 'clerk'] },
    body: commitmentBody,
    responses: { 201: { description: '已记录' } },
    handler: async ({ body, principal, req }) => ({ status: 201, body: await createCommitment(body, { principal, ip: clientIp(req) }) }),
  },
  {
    method: 'get',
    path: '/commitments',
    summary: '查询信用承诺（按企业、类型筛选，游标分页；企业用户只见本企业）',
    tag: 'commitments',
    access: { roles: READERS },
    query: listCommitmentsQuery,
    handler: async ({ query, principal }) => ({ body: await listCommitments(query, principal) }),
  },
  {
    method: 'get',
    path: '/commitments/:id',
    summary: '查询单个信用承诺（含履约状态：履行中、已履约、已违约）',
    tag: 'commitments',
    access: { roles: READERS },
    params: commitmentParams,
    handler: async ({ params, principal }) => ({ body: await getCommitment(params.id, principal) }),
  },
  {
    method: 'post',
    path: '/commitments/:id/breach',
    summary: '认定违反信用承诺（须附违约事实与证据）',
    tag: 'commitments',
    access: { roles: ['clerk'] },
    params: commitmentParams,
    body: breachBody,
    handler: async ({ params, body, principal, req }) => ({ body: await recordBreach(params.id, body, { principal, ip: clientIp(req) }) }),
  },
  {
    method: 'get',
    path: '/enterprises/:uscc/commitments',
    summary: '企业的信用承诺',
    tag: 'commitments',
    access: { roles: READERS },
    params: enterpriseParams,
    query: enterpriseListQuery,
    handler: async ({ params, query, principal }) => ({ body: await listEnterpriseCommitments(params.uscc, query, principal) }),
  },
]);

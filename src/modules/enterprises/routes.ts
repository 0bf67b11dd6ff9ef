import { defineRoutes } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { summarise } from '../../http/batch.js';
import { ENTERPRISE_BATCH_MAX, createEnterpriseBody, enterpriseBatchBody, enterpriseParams, listEnterprisesQuery, updateEnterpriseBody } from '../../../schemas/enterprises.js';
import { recordAudit } from '../audit/index.js';
import { ENTERPRISE_BATCH_STATUSES, createEnterprise, createEnterprises, getEnterprise, listEnterprises, updateEnterprise } from './service.js';
import { gradesOf } from '../grading/current.js';
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
    responses: {
      201: { description: '已创建' },
      200: { description: '该企业此前由记录或导入隐式创建、待补全：已按请求补全（needsCompletion 变为 false）' },
      409: { description: '统一社会信用代码已存在' },
    },
    handler: async ({ body, principal, req }) => {
      const r = await createEnterprise(body, { principal, ip: clientIp(req) });
      return { status: r.status, body: r.enterprise };
    },
  },
  {
    method: 'post',
    path: '/enterprises/batch',
    summary: `批量登记企业（最多 ${ENTERPRISE_BATCH_MAX} 家，逐条返回 created / unchanged / completed / error；一次批量写入）`,
    tag: 'enterprises',
    access: { roles: WRITERS },
    body: enterpriseBatchBody,
    responses: {
      200: {
        description:
          '每条输入一个结果（按输入顺序）：created 已登记；unchanged 已存在且信息相同；completed 该企业此前由记录隐式创建、已按本条补全；' +
          'error 未写入：VALIDATION_FAILED（details 按字段给出原因）、CONFLICT（已存在且信息不同，details 列出不同的字段）、FORBIDDEN（超出职权范围）',
      },
    },
    handler: async ({ body, principal, req }) => {
      const ip = clientIp(req);
      const results = await createEnterprises(body.enterprises, { principal, ip, source: 'batch' });
      const summary = summarise(results, ENTERPRISE_BATCH_STATUSES);
      // The batch itself is audited too (each enterprise created or completed also has its own entry).
      await recordAudit({ action: 'enterprise.batch', resource: 'enterprise', principal, ip, detail: { summary, size: results.length } });
      return { body: { summary, results: results.map((r) => (r.status === 'error' ? r : { index: r.index, status: r.status, id: r.id, uscc: r.uscc })) } };
    },
  },
  {
    method: 'get',
    path: '/enterprises',
    summary: '查询企业列表（按区划、行业、名称任意部分、是否待补全筛选，游标分页；每家附当前信用等级）',
    tag: 'enterprises',
    access: { roles: READERS },
    query: listEnterprisesQuery,
    handler: async ({ query, principal }) => {
      const page = await listEnterprises(query, principal);
      // Each enterprise with its current grade (null until first graded): one indexed read for the page.
      const grades = await gradesOf({ uscc: { $in: page.items.map((e) => e.uscc) } });
      return { body: { ...page, items: page.items.map((e) => ({ ...e, grade: grades.get(e.uscc) ?? null })) } };
    },
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

import { defineRoutes, type RouteSpec } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { recordIdParams } from '../../../schemas/records.js';
import { runBody, statusQuery, timelinessQuery } from '../../../schemas/publicity.js';
import { KIND_PATH, RECORD_KINDS, getRecord } from '../records/index.js';
import { deliveriesOf, deliveryStatus, timeliness } from './service.js';
import { runPushOnce } from './jobs.js';
import { recordAudit } from '../audit/index.js';
import type { Role } from '../auth/index.js';

const STAFF: Role[] = ['admin', 'clerk', 'reviewer', 'regulator'];

export const publicityRoutes = defineRoutes([
  {
    method: 'post',
    path: '/publicity/run',
    summary: '立即执行一次双公示推送（与定时任务共用跨实例租约）',
    tag: 'publicity',
    access: { roles: ['admin'] },
    body: runBody,
    handler: async ({ body, principal, req }) => {
      const outcome = await runPushOnce({ budgetMs: body.budgetSeconds * 1000 });
      await recordAudit({ action: 'publicity.run', resource: 'publicity', principal, ip: clientIp(req), detail: outcome });
      return { body: outcome };
    },
  },
  {
    method: 'get',
    path: '/publicity/status',
    summary: '报送状态：各平台各状态数量、逾期未报送、报送失败、被拒收（含审核后拒收）、队列时长',
    tag: 'publicity',
    access: { roles: STAFF },
    query: statusQuery,
    handler: async ({ query, principal }) => ({ body: await deliveryStatus(principal, undefined, query.limit) }),
  },
  {
    method: 'get',
    path: '/publicity/timeliness',
    summary: '及时率：按月、决定机关、平台统计在公示期限内报送的比例',
    tag: 'publicity',
    access: { roles: STAFF },
    query: timelinessQuery,
    handler: async ({ query, principal }) => ({ body: await timeliness(query.month, principal) }),
  },
  ...RECORD_KINDS.map(
    (kind): RouteSpec => ({
      method: 'get',
      path: `/${KIND_PATH[kind]}/:id/deliveries`,
      summary: '该记录的每一次报送尝试（时间、结果、错误）',
      tag: 'publicity',
      access: { roles: ['clerk', 'reviewer', 'regulator', 'enterprise'] },
      params: recordIdParams,
      handler: async ({ params, principal }) => {
        await getRecord(kind, params.id, principal); // 404 unless visible to this principal
        return { body: await deliveriesOf(params.id) };
      },
    }),
  ),
]);

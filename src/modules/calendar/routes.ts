import { defineRoutes } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { todayInShanghai } from '../../lib/calendar.js';
import { calendarYearParams, calendarYearView, recomputeBody, scheduleBody } from '../../../schemas/calendar.js';
import { getYear, listYears, loadSchedule, recomputeDeadlines } from './service.js';

/** 节假日安排: staff read which years are official and which provisional; an administrator loads a year's schedule. */
export const calendarRoutes = defineRoutes([
  {
    method: 'get',
    path: '/calendar/years',
    summary: '各年度放假安排状态（正式或按法定节假日暂定）及来源',
    tag: 'calendar',
    access: { roles: ['admin', 'clerk', 'reviewer', 'regulator'] },
    responses: { 200: { description: '年度列表', schema: calendarYearView } },
    handler: async () => ({ body: await listYears() }),
  },
  {
    method: 'get',
    path: '/calendar/years/:year',
    summary: '某年度放假安排：来源、放假日、调休上班日、法定节假日',
    tag: 'calendar',
    access: { roles: ['admin', 'clerk', 'reviewer', 'regulator'] },
    params: calendarYearParams,
    handler: async ({ params }) => ({ body: await getYear(params.year as number) }),
  },
  {
    method: 'put',
    path: '/calendar/years/:year',
    summary: '导入某年度国务院办公厅放假安排（放假日、调休上班日），并重算所有以工作日计算的期限',
    tag: 'calendar',
    access: { roles: ['admin'] },
    params: calendarYearParams,
    body: scheduleBody,
    handler: async ({ params, body, principal, req }) => ({ body: await loadSchedule(params.year as number, body, { principal, ip: clientIp(req) }) }),
  },
  {
    method: 'post',
    path: '/calendar/recompute',
    summary: '按当前放假安排重算以工作日计算的期限（公示期限、修复办理时限、陈述申辩期、提前移出决定期限）',
    tag: 'calendar',
    access: { roles: ['admin'] },
    body: recomputeBody,
    handler: async ({ body, principal, req }) => ({
      body: await recomputeDeadlines((body.from as string | undefined) ?? `${todayInShanghai().slice(0, 4)}-01-01`, { principal, ip: clientIp(req) }),
    }),
  },
]);

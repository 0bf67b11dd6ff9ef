import { defineRoutes } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import {
  accidentBody,
  enterpriseItemParams,
  enterpriseListQuery,
  exportQuery,
  gradeHistoryQuery,
  gradeParams,
  gradeStatsQuery,
  hazardBody,
  hazardPatch,
  listGradesQuery,
  listPlansQuery,
  planBody,
  planItemsQuery,
  planParams,
} from '../../../schemas/grading.js';
import { enterpriseParams } from '../../../schemas/enterprises.js';
import { getGrade, gradeHistory, gradeStats, listGrades } from './service.js';
import { createAccident, createHazard, listAccidents, listHazards, updateHazard } from './safety.js';
import { createPlan, exportPlan, getPlan, listPlans, planItems } from './plans.js';
import type { Role } from '../auth/index.js';

/** Enterprise principals see their own grade and reasons only (scope filter → 404 for others). */
const READERS: Role[] = ['clerk', 'reviewer', 'regulator', 'enterprise'];
const STAFF: Role[] = ['clerk', 'reviewer', 'regulator'];
const PLANNERS: Role[] = ['clerk', 'regulator'];
const WRITERS: Role[] = ['clerk'];

export const gradingRoutes = defineRoutes([
  {
    method: 'get',
    path: '/grades',
    summary: '查询信用等级列表（按等级、区划、行业筛选，游标分页）',
    tag: 'grades',
    access: { roles: READERS },
    query: listGradesQuery,
    handler: async ({ query, principal }) => ({ body: await listGrades(query, principal) }),
  },
  {
    method: 'get',
    path: '/grades/stats',
    summary: '按区划或行业统计各信用等级的企业数',
    tag: 'grades',
    access: { roles: STAFF },
    query: gradeStatsQuery,
    handler: async ({ query, principal }) => ({ body: await gradeStats(query, principal) }),
  },
  {
    method: 'get',
    path: '/grades/:uscc',
    summary: '查询企业当前信用等级（评分、等级、逐项理由、评分表版本、评级时间）',
    tag: 'grades',
    access: { roles: READERS },
    params: gradeParams,
    handler: async ({ params, principal }) => ({ body: await getGrade(params.uscc, principal) }),
  },
  {
    method: 'get',
    path: '/grades/:uscc/history',
    summary: '企业信用等级变化历史（评分或等级变化时记录，新的在前）',
    tag: 'grades',
    access: { roles: READERS },
    params: gradeParams,
    query: gradeHistoryQuery,
    handler: async ({ params, query, principal }) => ({ body: await gradeHistory(params.uscc, query, principal) }),
  },
  {
    method: 'post',
    path: '/enterprises/:uscc/accidents',
    summary: '登记生产安全事故（较大及以上或有死亡的事故立即重新评级）',
    tag: 'grades',
    access: { roles: WRITERS },
    params: enterpriseParams,
    body: accidentBody,
    responses: { 201: { description: '已登记' } },
    handler: async ({ params, body, principal, req }) => ({ status: 201, body: await createAccident(params.uscc, body, { principal, ip: clientIp(req) }) }),
  },
  {
    method: 'get',
    path: '/enterprises/:uscc/accidents',
    summary: '企业的生产安全事故',
    tag: 'grades',
    access: { roles: READERS },
    params: enterpriseParams,
    query: enterpriseListQuery,
    handler: async ({ params, query, principal }) => ({ body: await listAccidents(params.uscc, query, principal) }),
  },
  {
    method: 'post',
    path: '/enterprises/:uscc/hazards',
    summary: '登记事故隐患（未整改的隐患计入信用评分）',
    tag: 'grades',
    access: { roles: WRITERS },
    params: enterpriseParams,
    body: hazardBody,
    responses: { 201: { description: '已登记' } },
    handler: async ({ params, body, principal, req }) => ({ status: 201, body: await createHazard(params.uscc, body, { principal, ip: clientIp(req) }) }),
  },
  {
    method: 'get',
    path: '/enterprises/:uscc/hazards',
    summary: '企业的事故隐患',
    tag: 'grades',
    access: { roles: READERS },
    params: enterpriseParams,
    query: enterpriseListQuery,
    handler: async ({ params, query, principal }) => ({ body: await listHazards(params.uscc, query, principal) }),
  },
  {
    method: 'patch',
    path: '/enterprises/:uscc/hazards/:id',
    summary: '登记隐患整改完成（或更正整改期限、描述）',
    tag: 'grades',
    access: { roles: WRITERS },
    params: enterpriseItemParams,
    body: hazardPatch,
    handler: async ({ params, body, principal, req }) => ({ body: await updateHazard(params.uscc, params.id, body, { principal, ip: clientIp(req) }) }),
  },
  {
    method: 'post',
    path: '/supervision-plans',
    summary: '编制年度检查计划：按信用等级确定必查企业，再以记录的随机种子双随机抽取企业和执法人员（回避利害关系，联合检查企业不再单独抽取）',
    tag: 'supervision-plans',
    access: { roles: PLANNERS },
    body: planBody,
    responses: { 201: { description: '已编制' } },
    handler: async ({ body, principal, req }) => ({ status: 201, body: await createPlan(body, { principal, ip: clientIp(req) }) }),
  },
  {
    method: 'get',
    path: '/supervision-plans',
    summary: '检查计划列表',
    tag: 'supervision-plans',
    access: { roles: STAFF },
    query: listPlansQuery,
    handler: async ({ query, principal }) => ({ body: await listPlans(query, principal) }),
  },
  {
    method: 'get',
    path: '/supervision-plans/:id',
    summary: '检查计划（种子、输入、政策版本、各等级汇总）',
    tag: 'supervision-plans',
    access: { roles: STAFF },
    params: planParams,
    handler: async ({ params, principal }) => ({ body: await getPlan(params.id, principal) }),
  },
  {
    method: 'get',
    path: '/supervision-plans/:id/items',
    summary: '检查计划明细（每次检查：企业、等级、类型、轮次、期限、执法人员），游标分页',
    tag: 'supervision-plans',
    access: { roles: STAFF },
    params: planParams,
    query: planItemsQuery,
    handler: async ({ params, query, principal }) => ({ body: await planItems(params.id, query, principal) }),
  },
  {
    method: 'get',
    path: '/supervision-plans/:id/export',
    summary: '导出检查计划（CSV 含 BOM，或 XLSX）',
    tag: 'supervision-plans',
    access: { roles: STAFF },
    params: planParams,
    query: exportQuery,
    responses: { 200: { description: 'CSV 或 XLSX 文件' } },
    handler: async ({ params, query, principal, req, res }) => {
      await exportPlan(params.id, query.format, res, { principal, ip: clientIp(req) });
    },
  },
]);

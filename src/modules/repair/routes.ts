import type { Response } from 'express';
import type Joi from 'joi';
import { defineRoutes, type RouteSpec } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { AppError } from '../../http/errors.js';
import { validateValue } from '../../http/validate.js';
import { todayInShanghai } from '../../lib/calendar.js';
import type { Role } from '../auth/index.js';
import {
  acceptBody,
  applicationFields,
  approveBody,
  denyBody,
  eligibilityQuery,
  extendBody,
  fulfilmentBody,
  listRepairsQuery,
  overdueQuery,
  penaltyIdParams,
  refuseBody,
  revokeBody,
  repairFileParams,
  repairIdParams,
} from '../../../schemas/repair.js';
import { REPAIR_ACTIONS, TRANSITIONS, repairConfig, type RepairAction } from './rules.js';
import { checkFiles, FILE_FIELD, readMultipart } from './upload.js';
import { renderDecisionLetter, renderRepairNotice } from './documents.js';
import {
  decide,
  getRepair,
  getRepairFile,
  listOverdue,
  listRepairs,
  noticeFacts,
  recordFulfilment,
  repairEligibility,
  repairForDocument,
  submitApplication,
  type ApplicationInput,
} from './service.js';

/**
 * 信用修复. Enterprises apply for their own penalties; reviewers decide within their authority
 * ("谁认定、谁修复"); clerks record the fulfilment of a penalty's obligations; readers follow applications
 * within their scope (an enterprise: its own only).
 */
const READERS: Role[] = ['clerk', 'reviewer', 'regulator', 'enterprise'];
const TAG = 'repairs';

function sendHtml(res: Response, html: string): void {
  res.status(200).set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).send(html);
}

const ACTION_BODIES: Record<RepairAction, Joi.ObjectSchema> = { accept: acceptBody, refuse: refuseBody, extend: extendBody, approve: approveBody, deny: denyBody, revoke: revokeBody };
const ACTION_SUMMARIES: Record<RepairAction, string> = {
  accept: '受理信用修复申请（决定期限：受理后 7 个工作日）',
  refuse: '不予受理（材料不全，逐项列明需补正的材料；企业可补正后重新申请）',
  extend: '延长作出决定的期限（仅一次，须说明理由）',
  approve: '准予信用修复：记录决定后停止公示（向各平台报送撤下，原因：信用修复）、标记重新评定信用等级',
  deny: '不予信用修复（逐项列明理由；理由消除后企业可重新申请）',
  revoke: '以提供虚假材料等不正当手段取得的信用修复：撤销修复决定，恢复公示（向各平台重新报送）、重新评定信用等级，在 config/repair.json revocation.reapplyBarMonths 期限内不予受理该处罚信息的修复申请',
};

function actionRoute(action: RepairAction): RouteSpec {
  return {
    method: 'post',
    path: `/repairs/:id/${action}`,
    summary: `${TRANSITIONS[action].label}：${ACTION_SUMMARIES[action]}`,
    tag: TAG,
    access: { roles: ['reviewer'] },
    params: repairIdParams,
    body: ACTION_BODIES[action],
    responses: { 200: { description: '处理后的申请' }, 403: { description: '非作出处罚决定的机关（谁认定、谁修复）' }, 409: { description: '当前状态不能执行此操作' } },
    handler: async ({ params, body, principal, req }) => ({ body: await decide(params.id, action, body, { principal, ip: clientIp(req) }) }),
  };
}

export const repairRoutes = defineRoutes([
  {
    method: 'post',
    path: '/penalties/:id/fulfilment',
    summary: '登记行政处罚决定义务的履行情况（罚没款缴清日期、违法行为纠正确认日期及依据），供信用修复审查',
    tag: TAG,
    access: { roles: ['clerk'] },
    params: penaltyIdParams,
    body: fulfilmentBody,
    handler: async ({ params, body, principal, req }) => ({ body: await recordFulfilment(params.id, body, { principal, ip: clientIp(req) }) }),
  },
  {
    method: 'get',
    path: '/penalties/:id/repair-eligibility',
    summary: '信用修复资格：指定日期能否申请、最早可申请日期、全部不符合的理由和各项条件',
    tag: TAG,
    access: { roles: READERS },
    params: penaltyIdParams,
    query: eligibilityQuery,
    handler: async ({ params, query, principal }) => ({ body: await repairEligibility(params.id, principal, query.date ?? todayInShanghai()) }),
  },
  {
    method: 'get',
    path: '/penalties/:id/repair-notice',
    summary: '信用修复告知书（两书同达，HTML 可打印）：最早可申请修复日期和修复条件',
    tag: TAG,
    access: { roles: READERS },
    params: penaltyIdParams,
    responses: { 200: { description: 'text/html' } },
    handler: async ({ params, principal, res }) => {
      const { record, eligibility } = await noticeFacts(params.id, principal);
      sendHtml(res, renderRepairNotice(record, eligibility, repairConfig()));
    },
  },
  {
    method: 'post',
    path: '/repairs',
    summary: '企业申请信用修复（multipart/form-data：承诺书、证明材料文件、联系人）；不符合条件的立即返回 422 及全部理由',
    tag: TAG,
    access: { roles: ['enterprise'] },
    rawBody: {
      contentTypes: ['multipart/form-data'],
      description:
        '文本字段：recordId（本企业的行政处罚记录编号）、commitmentText（信用修复承诺书全文）、commitmentAccepted（须为 true；已登记有效的信用修复承诺的，二者可省略）、contactName、contactPhone、statement（可选）。' +
        `文件字段：${FILE_FIELD}（可多个）——缴款凭证、整改材料等，PDF/JPG/PNG，按文件内容识别类型，每个不超过 config/repair.json files.maxBytes（默认 5 MB），最多 files.maxFiles 个。` +
        '文件过大返回 413；类型不符返回 400；非 multipart 返回 415；不符合修复条件返回 422；已有办理中的申请返回 422/409。',
    },
    responses: { 201: { description: '已提交，待受理' }, 422: { description: '不符合信用修复条件（details 逐项列明）' } },
    handler: async ({ req, principal }) => {
      const config = repairConfig();
      const { fields, files } = await readMultipart(req, config.files);
      const { value, details } = validateValue<ApplicationInput>(applicationFields(config.commitmentMinLength), fields);
      if (details) throw AppError.validation(details);
      const checked = await checkFiles(files, config.files);
      const body = await submitApplication(value!, checked, { principal, ip: clientIp(req) });
      return { status: 201, headers: { Location: `/api/v1/repairs/${body.id}` }, body };
    },
  },
  {
    method: 'get',
    path: '/repairs/overdue',
    summary: '逾期未办结的环节（受理、作出决定、结果共享），按工作日计算',
    tag: TAG,
    access: { roles: ['reviewer', 'regulator'] },
    query: overdueQuery,
    handler: async ({ query, principal }) => ({ body: await listOverdue(query.date ?? todayInShanghai(), query, principal) }),
  },
  {
    method: 'get',
    path: '/repairs',
    summary: '信用修复申请列表（企业只看到本企业的申请；按状态、记录筛选；游标分页）',
    tag: TAG,
    access: { roles: READERS },
    query: listRepairsQuery,
    handler: async ({ query, principal }) => ({ body: await listRepairs(query, principal) }),
  },
  {
    method: 'get',
    path: '/repairs/:id',
    summary: '信用修复申请详情及办理过程（各环节、期限、决定、执行情况）',
    tag: TAG,
    access: { roles: READERS },
    params: repairIdParams,
    handler: async ({ params, principal }) => ({ body: await getRepair(params.id, principal) }),
  },
  {
    method: 'get',
    path: '/repairs/:id/decision',
    summary: '信用修复决定书 / 不予信用修复决定书 / 不予受理通知书（HTML 可打印）；尚未决定返回 409',
    tag: TAG,
    access: { roles: READERS },
    params: repairIdParams,
    responses: { 200: { description: 'text/html' }, 409: { description: '尚未作出决定' } },
    handler: async ({ params, principal, res }) => {
      sendHtml(res, renderDecisionLetter(await repairForDocument(params.id, principal)));
    },
  },
  {
    method: 'get',
    path: '/repairs/:id/files/:fileId',
    summary: '下载申请的证明材料（原文件，附 sha256）',
    tag: TAG,
    access: { roles: READERS },
    params: repairFileParams,
    responses: { 200: { description: 'application/pdf、image/jpeg 或 image/png' } },
    handler: async ({ params, principal, res }) => {
      const f = await getRepairFile(params.id, params.fileId, principal);
      res
        .status(200)
        .set({
          'Content-Type': f.mime,
          'Content-Length': String(f.data.length),
          'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(f.name)}`,
          'X-Content-SHA256': f.sha256,
          'Cache-Control': 'no-store',
        })
        .end(f.data);
    },
  },
  ...REPAIR_ACTIONS.map(actionRoute),
]);

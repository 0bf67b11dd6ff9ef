import type { Response } from 'express';
import { defineRoutes, type Method, type RouteSpec } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { AppError } from '../../http/errors.js';
import {
  basisReviewBody,
  basisReviewsQuery,
  caseIdParams,
  checkQuery,
  comparisonQuery,
  correctionBody,
  decisionBody,
  exportIdParams,
  exportQuery,
  feedbackBody,
  feedbackSummaryQuery,
  listCasesQuery,
  listExportsQuery,
  listFeedbackQuery,
  noticeBody,
  objectionBody,
  proposalBody,
  removalApplicationBody,
  removalDecisionBody,
  revocationBody,
  serviceBody,
} from '../../../schemas/dishonesty.js';
import { mayReadIdNumbers, type Principal, type Role } from '../auth/index.js';
import {
  applyForRemoval,
  checkListed,
  correctListing,
  decide,
  decideRemoval,
  findVisible,
  getCase,
  issueNotice,
  listCases,
  propose,
  removalEligibility,
  revokeRemoval,
  serveNotice,
  submitObjection,
} from './service.js';
import { COMPARISON_CONTENT_TYPES, comparisonCsv, feedbackSummary, listFeedback, readBody, recordFeedback, runComparison } from './compare.js';
import { CONTENT_TYPES, exportFile, getManifest, listManifests, runExport } from './exports.js';
import { renderDecision, renderNotice } from './documents.js';
import { dishonestyRules } from './rules.js';
import { decideBasisReview, listBasisReviews } from './basis.js';

/** Who does what: clerks prepare, reviewers decide, the subject reads its own case and states its case, partners read the list. */
const CASE_READERS: Role[] = ['clerk', 'reviewer', 'regulator', 'enterprise'];
const CLERK: Role[] = ['clerk'];
const REVIEWER: Role[] = ['reviewer'];
const SUBJECT_OR_CLERK: Role[] = ['clerk', 'enterprise'];
const LIST_READERS: Role[] = ['partner', 'clerk', 'reviewer', 'regulator'];
const MANIFEST_READERS: Role[] = ['admin', 'partner', 'clerk', 'reviewer', 'regulator'];
const FEEDBACK_READERS: Role[] = ['clerk', 'reviewer', 'regulator'];
const PARTNER: Role[] = ['partner'];

const ctxOf = (principal: Principal, req: Parameters<typeof clientIp>[0]) => ({ principal, ip: clientIp(req) });

function sendHtml(res: Response, html: string): void {
  res.status(200).set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' }).send(html);
}

type Handler = RouteSpec['handler'];

/** A route under `tag`, callable by `roles`: each route states only the rest. */
const taggedRoute =
  (tag: string) =>
  (roles: Role[], spec: Omit<RouteSpec, 'tag' | 'access'>): RouteSpec => ({ ...spec, tag, access: { roles } });
const listRoute = taggedRoute('dishonesty-list');
const exportRoute = taggedRoute('exports');

/** A route on one case: `/dishonesty-list/:id` followed by `sub`, the id validated by caseIdParams. */
function caseRoute(method: Method, sub: string, roles: Role[], spec: Omit<RouteSpec, 'method' | 'path' | 'tag' | 'access' | 'params'>): RouteSpec {
  return listRoute(roles, { method, path: `/dishonesty-list/:id${sub}`, params: caseIdParams, ...spec });
}

/** Handler of a step taken on one case: the service gets the case id, the validated body and the caller's context. */
const caseStep =
  <B>(step: (id: string, body: B, ctx: ReturnType<typeof ctxOf>) => Promise<unknown>, status = 200): Handler =>
  async ({ params, body, principal, req }) => ({ status, body: await step(params.id, body, ctxOf(principal, req)) });

/** Handler reading one thing by its id, as the caller may see it. */
const readById =
  (read: (id: string, principal: Principal) => Promise<unknown>): Handler =>
  async ({ params, principal }) => ({ body: await read(params.id, principal) });

/** Handler of a case's document (HTML), once its part of the case exists; id numbers masked for who may not read them. */
const caseDocument =
  (part: 'notice' | 'decision', missing: string, render: typeof renderNotice): Handler =>
  async ({ params, principal, res }) => {
    const doc = await findVisible(params.id, principal);
    if (!doc[part]) throw AppError.notFound(missing);
    sendHtml(res, render(doc, dishonestyRules(), !mayReadIdNumbers(principal)));
  };

export const dishonestyRoutes = defineRoutes([
  listRoute(CLERK, {
    method: 'post',
    path: '/dishonesty-list/proposals',
    summary: '提请列入严重失信主体名单（单位，及事由允许时其主要负责人、其他责任人员；引用本机关对该单位作出的行政处罚决定）',
    body: proposalBody,
    responses: { 201: { description: '已提请' }, 409: { description: '所引用的处罚已在其他名单案件中' } },
    handler: async ({ body, principal, req }) => ({ status: 201, body: await propose(body, ctxOf(principal, req)) }),
  }),
  listRoute(CASE_READERS, {
    method: 'get',
    path: '/dishonesty-list',
    summary: '名单案件列表（按状态、单位、事由、决定机关、区划筛选，游标分页；企业用户只看到本单位已告知的案件）',
    query: listCasesQuery,
    handler: async ({ query, principal }) => ({ body: await listCases(query, principal) }),
  }),
  listRoute(LIST_READERS, {
    method: 'get',
    path: '/dishonesty-list/check',
    summary: '查询某单位在某日（缺省今天）是否在严重失信主体名单内，及列入事由、决定和惩戒措施',
    query: checkQuery,
    handler: async ({ query, principal, res }) => {
      // A partner key with full ID numbers (data-sharing agreement) is answered unmasked; checkListed audits it.
      if (principal.fullIdNumbers) res.locals.fullIdNumbers = true;
      return { body: await checkListed(query.uscc, principal, query.date) };
    },
  }),
  listRoute(['reviewer', 'regulator'], {
    method: 'get',
    path: '/dishonesty-list/reviews',
    summary: '复核任务：据以列入的部分行政处罚已被撤销（行政复议、行政诉讼、自行纠错）而暂停的列入，待复核是否维持（游标分页）',
    query: basisReviewsQuery,
    handler: async ({ query, principal }) => ({ body: await listBasisReviews(query, principal) }),
  }),
  listRoute(PARTNER, {
    method: 'post',
    path: '/dishonesty-list/comparisons',
    summary: `批量比对：上传统一社会信用代码、名称或证件号码（CSV / XLSX 第一列，最多 ${dishonestyRules().comparisonMaxRows} 个），逐个返回在指定日期是否在名单内及原因`,
    query: comparisonQuery,
    rawBody: { contentTypes: Object.keys(COMPARISON_CONTENT_TYPES), description: '请求体即文件本身（不是 multipart）：CSV（UTF-8 或 GB18030）或 XLSX，第一列为统一社会信用代码、单位名称或人员证件号码，可有表头。answer=csv 时返回 CSV（UTF-8 带 BOM）。' },
    handler: async ({ req, res, query, principal }) => {
      const format = COMPARISON_CONTENT_TYPES[(req.get('content-type') ?? '').split(';')[0].trim().toLowerCase()];
      if (!format) {
        const message = `不支持的文件类型 ${req.get('content-type') ?? '（未声明 Content-Type）'}：请以 ${Object.keys(COMPARISON_CONTENT_TYPES).join('、')} 之一上传 CSV 或 XLSX 文件`;
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, message, [{ path: 'Content-Type', message }]);
      }
      const out = await runComparison(await readBody(req), format, query, ctxOf(principal, req));
      if (principal.fullIdNumbers) res.locals.fullIdNumbers = true;
      if (query.answer === 'json') return { body: out };
      res
        .status(200)
        .set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="comparison-${out.date}.csv"`, 'Cache-Control': 'no-store' })
        .send(comparisonCsv(out.results));
    },
  }),
  listRoute(FEEDBACK_READERS, {
    method: 'get',
    path: '/dishonesty-list/measures',
    summary: '惩戒反馈：协同部门登记的联合惩戒措施实施情况（按单位、协同部门、名单案件筛选）',
    query: listFeedbackQuery,
    handler: async ({ query, principal }) => ({ body: await listFeedback(query, principal) }),
  }),
  listRoute(FEEDBACK_READERS, {
    method: 'get',
    path: '/dishonesty-list/measures/summary',
    summary: '惩戒反馈汇总：按协同部门或按被惩戒单位统计各项措施的实施次数',
    query: feedbackSummaryQuery,
    handler: async ({ query, principal }) => ({ body: await feedbackSummary(query.by, principal) }),
  }),
  caseRoute('get', '', CASE_READERS, {
    summary: '名单案件详情：提请、告知、送达、陈述申辩、决定、列入期间、移出申请及全部历史',
    handler: readById(getCase),
  }),
  caseRoute('post', '/notice', CLERK, {
    summary: '制发列入告知书（事实、理由、依据、拟采取的惩戒措施、陈述申辩权利）',
    body: noticeBody,
    handler: caseStep(issueNotice),
  }),
  caseRoute('post', '/notice/service', CLERK, {
    summary: '登记告知书送达（日期、方式、签收人）：陈述申辩期自送达次日起按工作日计算',
    body: serviceBody,
    handler: caseStep(serveNotice),
  }),
  caseRoute('get', '/notice', CASE_READERS, {
    summary: '列入告知书（HTML）',
    responses: { 200: { description: 'text/html' } },
    handler: caseDocument('notice', '告知书尚未制发', renderNotice),
  }),
  caseRoute('post', '/objections', SUBJECT_OR_CLERK, {
    summary: '陈述申辩（当事人通过企业账号提出，或由录入人员记录）或明确放弃陈述申辩，须在陈述申辩期内',
    body: objectionBody,
    handler: caseStep(submitObjection, 201),
  }),
  caseRoute('post', '/decision', REVIEWER, {
    summary: '作出列入或不予列入决定（陈述申辩期届满后，当事人明确放弃的除外）；列入的自决定日起 3 年',
    body: decisionBody,
    handler: caseStep(decide),
  }),
  caseRoute('get', '/decision', CASE_READERS, {
    summary: '列入决定书或不予列入决定书（HTML）',
    responses: { 200: { description: 'text/html' } },
    handler: caseDocument('decision', '尚未作出决定', renderDecision),
  }),
  caseRoute('patch', '', REVIEWER, {
    summary: '变更列入信息（单位名称、列入人员、惩戒措施），自生效日起；须说明原因',
    body: correctionBody,
    handler: caseStep(correctListing),
  }),
  caseRoute('get', '/removal-eligibility', CASE_READERS, {
    summary: '提前移出条件：逐项说明是否满足及原因（列入满 12 个月、无新的失信情形等；履行义务、整改、信用承诺须在申请中声明）',
    handler: readById(removalEligibility),
  }),
  caseRoute('post', '/removal-applications', SUBJECT_OR_CLERK, {
    summary: '申请提前移出（当事人或由录入人员代为登记）：条件不满足时逐项说明原因',
    body: removalApplicationBody,
    handler: caseStep(applyForRemoval, 201),
  }),
  caseRoute('post', '/removal-decision', REVIEWER, {
    summary: '对待决定的提前移出申请作出决定（应在受理后 20 个工作日内）；准予的自决定日起移出',
    body: removalDecisionBody,
    handler: caseStep(decideRemoval),
  }),
  caseRoute('post', '/basis-review', REVIEWER, {
    summary: '复核列入依据（部分据以列入的行政处罚已撤销）：维持的恢复列入至原截止日期，否则撤销列入决定',
    body: basisReviewBody,
    responses: { 200: { description: '复核后的案件' }, 409: { description: '没有待复核的列入依据' } },
    handler: caseStep(decideBasisReview),
  }),
  caseRoute('post', '/removal-revocation', REVIEWER, {
    summary: '撤销以虚假材料等不正当手段取得的提前移出决定：恢复列入，截止日期不变',
    body: revocationBody,
    handler: caseStep(revokeRemoval),
  }),
  caseRoute('post', '/measures', PARTNER, {
    summary: '惩戒反馈：协同部门登记对名单内主体实施的联合惩戒措施（措施、实施日期、本部门案件编号）',
    body: feedbackBody,
    responses: { 201: { description: '已登记' }, 409: { description: '该日不在名单内、措施不在决定范围内或已登记' } },
    handler: caseStep(recordFeedback, 201),
  }),
  exportRoute(LIST_READERS, {
    method: 'get',
    path: '/exports/dishonesty-list',
    summary: '导出严重失信主体名单：asOf=某日在名单内的主体，或 since=某时刻以来的新增、移出和变更；CSV（带 BOM）、XLSX 或 JSONL，流式输出，证件号码脱敏；每次导出留存清单（行数、sha256）',
    query: exportQuery,
    responses: { 200: { description: 'text/csv、XLSX 或 application/x-ndjson；响应头 X-Export-Id 为导出清单编号' } },
    handler: async ({ query, principal, req, res }) => {
      // A reader that went away is not a server error: the manifest and audit entry record it as failed.
      await runExport(query, res, {
        principal,
        origin: 'api',
        ip: clientIp(req),
        onStart: (m) => {
          res.status(200).set({
            'Content-Type': CONTENT_TYPES[m.format],
            'Content-Disposition': `attachment; filename="${m.fileName}"`,
            'X-Export-Id': m.id,
            'Cache-Control': 'no-store',
          });
        },
      }).catch((err: unknown) => {
        if (!res.destroyed) throw err;
      });
    },
  }),
  exportRoute(MANIFEST_READERS, {
    method: 'get',
    path: '/exports',
    summary: '导出清单列表（时间倒序，游标分页；协同部门只看到本部门的和定时任务的导出）',
    query: listExportsQuery,
    handler: async ({ query, principal }) => ({ body: await listManifests(query, principal) }),
  }),
  exportRoute(MANIFEST_READERS, {
    method: 'get',
    path: '/exports/:id',
    summary: '导出清单：查询条件、导出人、时间、行数、字节数和 sha256',
    params: exportIdParams,
    handler: readById(getManifest),
  }),
  exportRoute(MANIFEST_READERS, {
    method: 'get',
    path: '/exports/:id/file',
    summary: '下载定时任务（或命令行）保存的导出文件',
    params: exportIdParams,
    responses: { 200: { description: '导出文件本身' } },
    handler: async ({ params, principal, res }) => {
      const { manifest, stream, bytes } = await exportFile(params.id, principal);
      res.status(200).set({
        'Content-Type': CONTENT_TYPES[manifest.format],
        'Content-Length': String(bytes),
        'Content-Disposition': `attachment; filename="${manifest.fileName}"`,
        'X-Export-Id': manifest.id,
        'X-Content-SHA256': manifest.sha256 ?? '',
      });
      await new Promise<void>((resolve, reject) => {
        stream.on('error', reject);
        res.on('finish', resolve);
        res.on('close', resolve);
        stream.pipe(res);
      });
    },
  }),
]);

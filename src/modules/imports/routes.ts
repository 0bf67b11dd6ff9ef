import { defineRoutes, type RouteSpec } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { AppError } from '../../http/errors.js';
import { currentRequestId } from '../../lib/context.js';
import { createImportQuery, importIdParams, listImportsQuery, templateParams } from '../../../schemas/imports.js';
import type { Role } from '../auth/index.js';
import { IMPORT_CONTENT_TYPES, formatOfContentType } from './parse.js';
import { kindOfParam } from './kinds.js';
import { TEMPLATE_CONTENT_TYPES, templateFile, templateFileName, type TemplateFormat } from './templates.js';
import { IMPORT_ERRORS_SHOWN, IMPORT_MAX_ROWS, createImport, errorReportFor, getImport, importErrors, listImports, presentImport, startImport, writeErrorReport } from './service.js';

/**
 * Imports are made by clerks (录入人员). Enterprise principals cannot import. A clerk's authority scope
 * applies to every row, as for the batch endpoints (a row outside it is that row's error); clerks see their
 * own imports, administrators every import.
 */
const IMPORTERS: Role[] = ['clerk'];
const READERS: Role[] = ['clerk', 'admin'];

export const importRoutes = defineRoutes([
  {
    method: 'post',
    path: '/imports',
    summary: `批量导入行政许可、行政处罚或企业名录（CSV / XLSX / JSONL，最多 ${IMPORT_MAX_ROWS} 行，后台处理，立即返回 202）`,
    tag: 'imports',
    access: { roles: IMPORTERS },
    query: createImportQuery,
    rawBody: {
      contentTypes: IMPORT_CONTENT_TYPES,
      description:
        '请求体即文件本身（不是 multipart）。CSV：UTF-8（可带 BOM）或 GB18030，自动识别；XLSX：读取第一个工作表；JSONL：每行一个 JSON 对象。' +
        '首行（JSONL 为各键）使用字段表的中文名称或字段代码：行政许可、行政处罚按《双公示》数据标准，企业名录按企业字段表（见 GET /api/v1/imports/templates/{kind}.csv 或 .xlsx 模板）。' +
        '超过大小上限（IMPORT_MAX_BYTES）返回 413；其他类型返回 415。' +
        '同一文件重复上传不会重复创建（记录按决定机关 + 决定文书号、企业按统一社会信用代码幂等）。'
    },
    responses: { 202: { description: '已接收，后台处理中；用 GET /api/v1/imports/{id} 查询进度' } },
    handler: async ({ req, query, principal }) => {
      const format = formatOfContentType(req.get('content-type'));
      if (!format) {
        const message = `不支持的文件类型 ${req.get('content-type') ?? '（未声明 Content-Type）'}：请以 ${IMPORT_CONTENT_TYPES.join('、')} 之一上传 CSV、XLSX 或 JSONL 文件`;
        throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, message, [{ path: 'Content-Type', message }]);
      }
      const declared = req.get('content-length');
      const doc = await createImport({
        kind: kindOfParam(query.kind),
        format,
        fileName: query.fileName,
        source: req,
        declaredBytes: declared ? Number(declared) : undefined,
        principal,
        origin: 'api',
        ip: clientIp(req),
        requestId: currentRequestId(),
      });
      const body = presentImport(doc);
      startImport(body.id);
      return { status: 202, headers: { Location: `/api/v1/imports/${body.id}` }, body };
    },
  },
  {
    method: 'get',
    path: '/imports',
    summary: '导入任务列表（时间倒序，游标分页；录入人员只看到自己的导入）',
    tag: 'imports',
    access: { roles: READERS },
    query: listImportsQuery,
    handler: async ({ query, principal }) => ({ body: await listImports(query, principal) }),
  },
  ...(['csv', 'xlsx'] as const).map(
    (format: TemplateFormat): RouteSpec => ({
      method: 'get',
      path: `/imports/templates/:kind.${format}`,
      summary:
        format === 'csv'
          ? '导入模板（CSV，UTF-8 带 BOM）：首行为字段表的中文列名，填写后可直接导入'
          : '导入模板（XLSX）：第一个工作表为模板（列为文本格式），第二个工作表“填写说明”列出每列的字段代码、是否必填、填写要求和示例（不导入）',
      tag: 'imports',
      access: { roles: READERS },
      params: templateParams,
      responses: { 200: { description: `${format.toUpperCase()} 文件`, contentTypes: [TEMPLATE_CONTENT_TYPES[format].split(';')[0]] } },
      handler: async ({ params, res }) => {
        const kind = kindOfParam(params.kind);
        const { name, ascii } = templateFileName(kind, format);
        const file = await templateFile(kind, format);
        res.status(200).set({
          'Content-Type': TEMPLATE_CONTENT_TYPES[format],
          'Content-Disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
          'Cache-Control': 'no-cache',
        });
        res.end(file);
      },
    }),
  ),
  {
    method: 'get',
    path: '/imports/:id',
    summary: '导入进度：已读行数、新建、未变化（已存在且内容相同）、补全（企业名录补全了由记录隐式创建的企业）、失败',
    tag: 'imports',
    access: { roles: READERS },
    params: importIdParams,
    handler: async ({ params, principal }) => ({ body: await getImport(params.id, principal) }),
  },
  {
    method: 'get',
    path: '/imports/:id/errors',
    summary: `逐行错误（JSON，前 ${IMPORT_ERRORS_SHOWN} 行有错误的行，每个问题一项）：行号、列（文件中的表头）、字段中文名称、值、原因；全部错误见 errors.csv`,
    tag: 'imports',
    access: { roles: READERS },
    params: importIdParams,
    handler: async ({ params, principal }) => ({ body: await importErrors(params.id, principal) }),
  },
  {
    method: 'get',
    path: '/imports/:id/errors.csv',
    summary: '逐行错误报告（CSV，UTF-8 带 BOM）：行号、列（文件中的表头）、值、原因',
    tag: 'imports',
    access: { roles: READERS },
    params: importIdParams,
    responses: { 200: { description: 'CSV：行号,列,值,原因', contentTypes: ['text/csv'] } },
    handler: async ({ params, principal, res }) => {
      const doc = await errorReportFor(params.id, principal);
      res.status(200).set({
        'Content-Type': 'text/csv; charset=utf-8',
        'Content-Disposition': `attachment; filename="import-${params.id}-errors.csv"`,
        'Cache-Control': 'no-store',
      });
      await writeErrorReport(doc, res);
    },
  },
]);

import Joi from 'joi';
import { defineRoutes, type RouteSpec } from '../../http/route.js';
import { clientIp } from '../../http/auth.js';
import { summarise } from '../../http/batch.js';
import { batchBody, changeBody, listRecordsQuery, recordBody, recordIdParams, BATCH_MAX } from '../../../schemas/records.js';
import { enterpriseParams } from '../../../schemas/enterprises.js';
import { paginationQuery } from '../../../schemas/common.js';
import { KIND_LABEL, KIND_PATH, RECORD_KINDS, type RecordKind } from './fields.js';
import { admittedUsccs, correctRecord, createRecord, createRecords, getRecord, listRecords, listVersions, revokeRecord } from './service.js';
import type { Role } from '../auth/index.js';
import { getEnterprise } from '../enterprises/index.js';
import { recordAudit } from '../audit/index.js';

const READERS: Role[] = ['clerk', 'reviewer', 'regulator', 'enterprise'];
const WRITERS: Role[] = ['clerk'];

function kindRoutes(kind: RecordKind): RouteSpec[] {
  const base = `/${KIND_PATH[kind]}`;
  const label = KIND_LABEL[kind];
  const tag = KIND_PATH[kind];
  return [
    {
      method: 'post',
      path: base,
      summary: `录入${label}（按决定机关 + 决定文书号幂等：内容相同返回 200，内容不同返回 409）`,
      tag,
      access: { roles: WRITERS },
      body: recordBody(kind),
      bodyContext: (raw) => admittedUsccs([raw]),
      responses: { 201: { description: '已创建' }, 200: { description: '已存在且内容相同' }, 409: { description: '已存在且内容不同：请使用更正接口' } },
      handler: async ({ body, principal, req }) => {
        const r = await createRecord(kind, body, { principal, ip: clientIp(req), source: 'api' });
        return { status: r.status === 'created' ? 201 : 200, body: r.record };
      },
    },
    {
      method: 'post',
      path: `${base}/batch`,
      summary: `批量录入${label}（最多 ${BATCH_MAX} 条，逐条返回 created / unchanged / error）`,
      tag,
      access: { roles: WRITERS },
      body: batchBody,
      handler: async ({ body, principal, req }) => {
        const results = await createRecords(kind, body.records, { principal, ip: clientIp(req), source: 'batch' });
        const summary = summarise(results, ['created', 'unchanged']);
        // Enterprises this batch created from its records' subjects (each has its own enterprise.create entry).
        const enterprisesCreated = results.enterprisesCreated.length;
        // The batch itself is audited too (each stored record also has its own entry), even when every record failed.
        await recordAudit({ action: `${kind}.batch`, resource: kind, principal, ip: clientIp(req), detail: { summary, enterprisesCreated, size: results.length } });
        return {
          body: {
            summary,
            enterprisesCreated,
            results: results.map((r) => (r.status === 'error' ? r : { index: r.index, status: r.status, id: r.id })),
          },
        };
      },
    },
    {
      method: 'get',
      path: base,
      summary: `查询${label}列表（按企业、机关、区划、决定日期、状态筛选，游标分页）`,
      tag,
      access: { roles: READERS },
      query: listRecordsQuery(kind),
      handler: async ({ query, principal }) => ({ body: await listRecords(kind, query, principal) }),
    },
    {
      method: 'get',
      path: `${base}/:id`,
      summary: `查询单条${label}（含派生日期和各平台报送状态）`,
      tag,
      access: { roles: READERS },
      params: recordIdParams,
      handler: async ({ params, principal }) => ({ body: await getRecord(kind, params.id, principal) }),
    },
    {
      method: 'patch',
      path: `${base}/:id`,
      summary: `更正（correct，须说明原因）或撤销（revoke，须附撤销决定）${label}：生成新版本，旧版本保留`,
      tag,
      access: { roles: WRITERS },
      params: recordIdParams,
      body: changeBody(kind),
      handler: async ({ params, body, principal, req }) => {
        const ctx = { principal, ip: clientIp(req) };
        const record = body.action === 'correct' ? await correctRecord(kind, params.id, body, ctx) : await revokeRecord(kind, params.id, body.revocation, ctx);
        return { body: record };
      },
    },
    {
      method: 'get',
      path: `${base}/:id/versions`,
      summary: `${label}的全部版本（创建、更正、撤销、到期、停止公示）`,
      tag,
      access: { roles: READERS },
      params: recordIdParams,
      handler: async ({ params, principal }) => ({ body: await listVersions(kind, params.id, principal) }),
    },
  ];
}

export const recordRoutes = defineRoutes([
  ...RECORD_KINDS.flatMap(kindRoutes),
  {
    method: 'get',
    path: '/enterprises/:uscc/records',
    summary: '某企业的全部许可和处罚记录',
    tag: 'enterprises',
    access: { roles: READERS },
    params: enterpriseParams,
    query: Joi.object({ kind: Joi.string().valid(...RECORD_KINDS), ...paginationQuery }),
    handler: async ({ params, query, principal }) => {
      await getEnterprise(params.uscc, principal); // 404 unless this enterprise is visible to the caller
      return { body: await listRecords(query.kind, { ...query, uscc: params.uscc }, principal) };
    },
  },
]);

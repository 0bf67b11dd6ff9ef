import { createRequire } from 'node:module';
import type J2S from 'joi-to-swagger';
import type Joi from 'joi';
import type { RouteSpec } from './route.js';
import { isPublic } from './auth.js';

// joi-to-swagger is CommonJS whose typings claim an ES default export; load it as what it is.
const j2s = createRequire(import.meta.url)('joi-to-swagger') as typeof J2S.default;

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details', 'requestId'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string', description: '中文错误信息' },
        details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } } },
        requestId: { type: 'string' },
      },
    },
  },
};

function parameters(schema: Joi.ObjectSchema | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const { swagger } = j2s(schema);
  const props = (swagger.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required: string[] = swagger.required ?? [];
  return Object.entries(props).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.includes(name),
    description: s.description,
    schema: s,
  }));
}

/** The OpenAPI 3 document, generated from the same route specs and joi schemas that validate requests. */
export function buildOpenApi(routes: RouteSpec[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = '/api/v1' + r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      default: { description: '错误', content: { 'application/json': { schema: errorSchema } } },
    };
    for (const [status, resp] of Object.entries(r.responses ?? { 200: { description: '成功' } })) {
      responses[status] = resp.schema
        ? { description: resp.description, content: { 'application/json': { schema: j2s(resp.schema).swagger } } }
        : { description: resp.description };
    }
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses,
      security: isPublic(r.access) ? [] : [{ apiKey: [] }, { bearer: [] }],
      'x-roles': isPublic(r.access) ? ['public'] : r.access.roles,
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: j2s(r.body).swagger } } };
    if (r.rawBody) {
      op.requestBody = {
        required: true,
        description: r.rawBody.description,
        content: Object.fromEntries(r.rawBody.contentTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])),
      };
    }
    paths[path] ??= {};
    paths[path][r.method] = op;
  }
  return {
    openapi: '3.0.3',
    info: { title: '安全生产信用监管服务 API', version, description: 'Enterprise safety-production credit supervision service' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
    paths,
  };
}

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

/**
 * joi-to-swagger writes a pattern as `regex.toString().slice(1, -1)`, which keeps the closing `/` and
 * the flags of a regex with flags (`/^\\d+$/u` → `^\\d+$/`). Every regex of the joi schema is known from
 * its description (`/source/flags`): the broken string maps back to the regex's own source.
 */
function regexSources(described: unknown, out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(described)) for (const d of described) regexSources(d, out);
  else if (described && typeof described === 'object') {
    const o = described as Record<string, unknown>;
    const regex = (o.args as { regex?: unknown } | undefined)?.regex;
    if (o.name === 'pattern' && typeof regex === 'string') out.set(regex.slice(1, -1), regex.slice(1, regex.lastIndexOf('/')));
    for (const v of Object.values(o)) regexSources(v, out);
  }
  return out;
}

/** Makes joi-to-swagger's output valid OpenAPI 3.0: patterns as written, and one `example` (a schema has no `examples` in 3.0). */
function fixSchema(node: unknown, sources: Map<string, string>): void {
  if (Array.isArray(node)) for (const n of node) fixSchema(n, sources);
  else if (node && typeof node === 'object') {
    const o = node as Record<string, unknown>;
    if (typeof o.pattern === 'string' && sources.has(o.pattern)) o.pattern = sources.get(o.pattern);
    if (Array.isArray(o.examples)) {
      o.example ??= o.examples[0];
      delete o.examples;
    }
    for (const v of Object.values(o)) fixSchema(v, sources);
  }
}

/** joi → OpenAPI schema, with the joi regexes' patterns as written. */
function toSwagger(schema: Joi.Schema): Record<string, any> {
  const { swagger } = j2s(schema);
  fixSchema(swagger, regexSources(schema.describe()));
  return swagger;
}

function parameters(schema: Joi.ObjectSchema | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const swagger = toSwagger(schema);
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
      if (resp.schema) responses[status] = { description: resp.description, content: { 'application/json': { schema: toSwagger(resp.schema) } } };
      else if (resp.contentTypes) responses[status] = { description: resp.description, content: Object.fromEntries(resp.contentTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) };
      else responses[status] = { description: resp.description };
    }
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      responses,
      security: isPublic(r.access) ? [] : [{ apiKey: [] }, { bearer: [] }],
      'x-roles': isPublic(r.access) ? ['public'] : r.access.roles,
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: toSwagger(r.body) } } };
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

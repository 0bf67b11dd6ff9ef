import type { Request, Response, NextFunction, Router } from 'express';
import type Joi from 'joi';
import { validatePart } from './validate.js';
import { authenticate, authorize, type Access, type Principal } from './auth.js';
import type { Authenticator } from '../modules/auth/service.js';
import { AppError } from './errors.js';

export type Method = 'get' | 'post' | 'patch' | 'put' | 'delete';

export interface RouteInput<B = any, Q = any, P = any> {
  req: Request;
  res: Response;
  body: B;
  query: Q;
  params: P;
  principal: Principal;
}

/** What a handler returns: a JSON body (200 unless `status` says otherwise), or nothing when it wrote the response. */
export type RouteResult = { status?: number; body?: unknown; headers?: Record<string, string> } | void;

export interface RouteSpec {
  method: Method;
  /** Express path, relative to /api/v1 (e.g. `/enterprises/:uscc`). */
  path: string;
  summary: string;
  tag: string;
  /** Who may call it. Decided by the one authorize middleware. */
  access: Access;
  params?: Joi.ObjectSchema;
  query?: Joi.ObjectSchema;
  body?: Joi.Schema;
  /** Facts the body's schema needs from the database (joi `context`), looked up from the raw body before validating it. */
  bodyContext?: (rawBody: unknown) => Promise<Record<string, unknown>>;
  /** Non-JSON request body (file upload): documented, not joi-validated. */
  rawBody?: { contentTypes: string[]; description: string };
  /** Response description for OpenAPI: a JSON body's schema, or the media types of a file the route writes. */
  responses?: Record<number, { description: string; schema?: Joi.Schema; contentTypes?: string[] }>;
  handler: (input: RouteInput) => Promise<RouteResult> | RouteResult;
}

/** Every route of the API, in mount order: read by the OpenAPI builder and the route × role test. */
export const routeRegistry: RouteSpec[] = [];

export function defineRoutes(specs: RouteSpec[]): RouteSpec[] {
  return specs;
}

/** Mounts route specs: authentication (with the app's authenticator), authorization, validation, handler — in that order. */
export function mountRoutes(router: Router, specs: RouteSpec[], opts: { authenticator?: Authenticator } = {}): void {
  for (const spec of specs) {
    if (!routeRegistry.includes(spec)) routeRegistry.push(spec);
    router[spec.method](spec.path, authenticate(spec.access, opts.authenticator), authorize(spec.access), async (req: Request, res: Response, next: NextFunction) => {
      try {
        const params = spec.params ? validatePart(spec.params, req.params, 'params') : req.params;
        const query = spec.query ? validatePart(spec.query, req.query, 'query') : {};
        let body: unknown = undefined;
        if (spec.body) {
          const missing = req.body === undefined || req.body === null;
          // A body whose schema has a default (every field optional) may be left out entirely.
          if (missing && (spec.body.describe().flags as { default?: unknown } | undefined)?.default === undefined) throw AppError.validation([{ path: '', message: '请求体不能为空，须为 JSON' }]);
          const context = spec.bodyContext && !missing ? await spec.bodyContext(req.body) : {};
          body = validatePart(spec.body, missing ? undefined : req.body, 'body', context);
        }
        const result = await spec.handler({ req, res, body, query, params, principal: res.locals.principal as Principal });
        if (res.headersSent) return;
        if (!result) {
          res.status(204).end();
          return;
        }
        if (result.headers) res.set(result.headers);
        res.status(result.status ?? 200);
        if (result.body === undefined) res.end();
        else res.json(result.body);
      } catch (err) {
        next(err);
      }
    });
  }
}

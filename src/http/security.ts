import { createHash } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import helmet from 'helmet';
import cors from 'cors';
import { rateLimit, ipKeyGenerator } from 'express-rate-limit';
import { AppError, type ErrorDetail } from './errors.js';
import { clientIp } from './auth.js';
import type { RateLimitConfig } from '../config.js';
import { zhMessages } from '../../schemas/messages.js';
import { maskIdFields } from '../lib/mask.js';
import { logger } from '../lib/logger.js';
import { mayReadIdNumbers, type Principal } from '../modules/auth/roles.js';

/**
 * Security headers: helmet's defaults (CSP, HSTS, nosniff, frame-ancestors 'self', no referrer …), under which
 * Swagger UI works. `upgrade-insecure-requests` is dropped: on a plain-HTTP intranet deployment it would make
 * browsers fetch /docs assets over HTTPS and fail.
 */
export function securityHeaders(): RequestHandler {
  return helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
}

/**
 * CORS for the configured browser origins only. Without origins nothing is mounted: no
 * Access-Control-* headers, so browsers refuse cross-origin calls.
 */
export function corsPolicy(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  return cors({
    origin: [...origins],
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Content-Type', 'X-API-Key', 'Authorization', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After', 'RateLimit', 'RateLimit-Policy'],
    maxAge: 600,
  });
}

/** The credential a request presents, hashed (never kept in clear, even in memory); undefined without one. */
function credentialKey(req: Request): string | undefined {
  const cred = req.get('x-api-key') ?? req.get('authorization');
  return cred ? createHash('sha256').update(cred).digest('base64url') : undefined;
}

function limiter(name: string, perMinute: number, keyGenerator: (req: Request) => string, skip?: (req: Request) => boolean): RequestHandler {
  return rateLimit({
    windowMs: 60_000,
    limit: perMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator,
    skip,
    handler: (req, _res, next) => {
      const resetTime = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      const seconds = Math.max(1, Math.ceil(((resetTime?.getTime() ?? Date.now() + 60_000) - Date.now()) / 1000));
      logger.warn('rate limit exceeded', { limiter: name, ip: clientIp(req), path: req.path });
      next(new AppError('RATE_LIMITED', 429, '请求过于频繁，请稍后重试', [{ path: '', message: `每分钟最多 ${perMinute} 次请求，请 ${seconds} 秒后重试` }], { 'Retry-After': String(seconds) }));
    },
  });
}

/**
 * Rate limits per client IP and per credential (API key or bearer token), counted in memory per
 * service instance over a one-minute window. Exceeding one → 429 with Retry-After, in the standard error shape.
 * A limit of 0 is off.
 */
export function rateLimits(config: RateLimitConfig): RequestHandler[] {
  const out: RequestHandler[] = [];
  if (config.ipPerMinute > 0) out.push(limiter('ip', config.ipPerMinute, (req) => `ip:${ipKeyGenerator(clientIp(req))}`));
  if (config.perMinute > 0) {
    out.push(limiter('credential', config.perMinute, (req) => `cred:${credentialKey(req)}`, (req) => credentialKey(req) === undefined));
  }
  return out;
}

/**
 * A URL with a bad percent-escape (`/api/v1/penalties/%ff`) is a client error: 400 before authentication or
 * routing, on every path (the API, the docs, the console), instead of a URIError deep in the router.
 */
export const rejectMalformedUri: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.originalUrl);
  } catch {
    return next(new AppError('MALFORMED_URI', 400, '请求地址中的百分号编码无效', [{ path: 'url', message: '“%”后须为有效的 UTF-8 十六进制编码' }]));
  }
  next();
};

/** Keys MongoDB would read as operators or paths (NoSQL operator injection). */
function unsafeKey(key: string): boolean {
  return key.startsWith('$') || key.includes('.');
}

const MAX_REPORTED = 50;

interface Node {
  value: unknown;
  key?: string;
  parent?: Node;
  objectKey: boolean;
}

function pathOf(node: Node): string {
  const parts: string[] = [];
  for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) parts.push(n.key);
  return parts.reverse().join('.');
}

/** Paths (dot-joined, array indices as numbers) of every key starting with `$` or containing `.`, in document order. */
export function unsafeKeyPaths(body: unknown): string[] {
  const found: string[] = [];
  // Iterative pre-order walk with parent links: linear in the body's size, whatever its depth.
  const stack: Node[] = [{ value: body, objectKey: false }];
  while (stack.length > 0 && found.length < MAX_REPORTED) {
    const node = stack.pop()!;
    if (node.objectKey && unsafeKey(node.key!)) found.push(pathOf(node));
    const { value } = node;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: String(i), parent: node, objectKey: false });
    } else {
      const keys = Object.keys(value);
      for (let i = keys.length - 1; i >= 0; i--) stack.push({ value: (value as Record<string, unknown>)[keys[i]], key: keys[i], parent: node, objectKey: true });
    }
  }
  return found;
}

/**
 * Rejects (400) a JSON body with any key starting with `$` or containing `.`, at any depth, before
 * authentication, validation or any handler runs; each offending key's path is a detail.
 */
export const rejectUnsafeKeys: RequestHandler = (req, _res, next) => {
  if (req.body === null || typeof req.body !== 'object') return next();
  const paths = unsafeKeyPaths(req.body);
  if (paths.length === 0) return next();
  const details: ErrorDetail[] = paths.map((path) => ({ path, message: zhMessages['key.forbidden'] }));
  next(AppError.validation(details, '请求体包含不允许的字段名'));
};

/**
 * Masks ID numbers (证件号码) in every JSON response, unless the caller's role needs them
 * (ID_NUMBER_ROLES). Fields are recognised by name (src/lib/mask.ts); responses without any cost one walk.
 */
export const maskResponses: RequestHandler = (_req, res, next) => {
  const json = res.json.bind(res);
  // `res.locals.fullIdNumbers`: a route that deliberately answers a partner with full ID numbers of listed persons (data-sharing agreement, audited there).
  res.json = (body: unknown) => json(mayReadIdNumbers(res.locals.principal as Principal | undefined) || res.locals.fullIdNumbers === true ? body : maskIdFields(body));
  next();
};

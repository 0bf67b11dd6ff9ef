import type { Request, RequestHandler } from 'express';
import { AppError } from './errors.js';
import { requestContext } from '../lib/context.js';
import { createAuthenticator, type Authenticator } from '../modules/auth/service.js';
import type { Principal, Role } from '../modules/auth/roles.js';
import { recordAudit } from '../modules/audit/service.js';

export type { Principal, Role };

/** What a route declares about who may call it. */
export type Access = { public: true } | { roles: readonly Role[] };

export function isPublic(access: Access): access is { public: true } {
  return 'public' in access;
}

export function clientIp(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? '';
}

function credentialKind(req: Request): string {
  const kinds = [req.get('x-api-key') ? 'apiKey' : '', req.get('authorization') ? 'authorization' : ''].filter(Boolean);
  return kinds.join('+') || 'none';
}

const apiKeysOnly = createAuthenticator();

/** Resolves the caller's credentials into a principal (401 when missing or invalid, 403 when refused; every failure is audited). */
export function authenticate(access: Access, authenticator: Authenticator = apiKeysOnly): RequestHandler {
  return async (req, res, next) => {
    if (isPublic(access)) return next();
    try {
      const principal = await authenticator({
        apiKey: req.get('x-api-key'),
        authorization: req.get('authorization'),
      });
      res.locals.principal = principal;
      const ctx = requestContext.getStore();
      if (ctx) ctx.principalId = principal.id;
      next();
    } catch (err) {
      if (err instanceof AppError && (err.status === 401 || err.status === 403)) {
        await recordAudit({
          action: err.status === 401 ? 'auth.failed' : 'auth.forbidden',
          resource: 'auth',
          outcome: 'denied',
          ip: clientIp(req),
          detail: { method: req.method, path: req.originalUrl.split('?')[0], credential: credentialKind(req), reason: err.message },
        }).catch(() => undefined);
      }
      next(err);
    }
  };
}

/** The one place that decides whether a known principal may call a route (403 otherwise). */
export function authorize(access: Access): RequestHandler {
  return async (req, res, next) => {
    if (isPublic(access)) return next();
    const principal = res.locals.principal as Principal;
    if (principal.roles.some((r) => access.roles.includes(r))) return next();
    await recordAudit({
      action: 'auth.forbidden',
      resource: 'auth',
      outcome: 'denied',
      principal,
      ip: clientIp(req),
      detail: { method: req.method, path: req.originalUrl.split('?')[0] },
    }).catch(() => undefined);
    next(AppError.forbidden());
  };
}

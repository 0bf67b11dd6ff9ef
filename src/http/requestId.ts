import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { requestContext } from '../lib/context.js';
import { logger } from '../lib/logger.js';

const SAFE_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** Assigns a request id (or keeps a sane incoming X-Request-Id), runs the request inside its context, logs its end. */
export const requestIdMiddleware: RequestHandler = (req, res, next) => {
  const incoming = req.get('x-request-id');
  const requestId = incoming && SAFE_ID.test(incoming) ? incoming : randomUUID();
  res.set('X-Request-Id', requestId);
  res.locals.requestId = requestId;
  const started = process.hrtime.bigint();
  requestContext.run({ requestId, ip: req.ip }, () => {
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.http('request', { method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10 });
    });
    next();
  });
};

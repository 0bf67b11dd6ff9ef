import type { ErrorRequestHandler, RequestHandler } from 'express';
import mongoose from 'mongoose';
import { logger } from '../lib/logger.js';
import { currentRequestId } from '../lib/context.js';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** Most details an error lists; the rest are counted in one last entry (a 1 MB body of unknown keys must not answer 3.5 MB). */
export const MAX_DETAILS = 50;

/** At most MAX_DETAILS details, then one entry “…以及另外 N 项”. */
export function boundDetails(details: ErrorDetail[]): ErrorDetail[] {
  if (details.length <= MAX_DETAILS) return details;
  return [...details.slice(0, MAX_DETAILS), { path: '', message: `…以及另外 ${details.length - MAX_DETAILS} 项` }];
}

/** The one error type of the service. Routes throw it; the error handler renders it. */
export class AppError extends Error {
  /** What is wrong, field by field: at most MAX_DETAILS, then one entry counting the rest (boundDetails). */
  public readonly details: ErrorDetail[];

  constructor(
    public readonly code: string,
    public readonly status: number,
    message: string,
    details: ErrorDetail[] = [],
    public readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.details = boundDetails(details);
  }

  static validation(details: ErrorDetail[], message = '请求参数校验失败'): AppError {
    return new AppError('VALIDATION_FAILED', 400, message, details);
  }
  static notFound(message = '资源不存在'): AppError {
    return new AppError('NOT_FOUND', 404, message);
  }
  static conflict(message: string, details: ErrorDetail[] = []): AppError {
    return new AppError('CONFLICT', 409, message, details);
  }
  static unauthorized(message = '未认证或凭据无效'): AppError {
    return new AppError('UNAUTHORIZED', 401, message);
  }
  static forbidden(message = '无权执行此操作'): AppError {
    return new AppError('FORBIDDEN', 403, message);
  }
  static unavailable(message = '服务暂不可用，请稍后重试'): AppError {
    return new AppError('SERVICE_UNAVAILABLE', 503, message, [], { 'Retry-After': '5' });
  }
}

export function errorBody(err: AppError) {
  return {
    error: {
      code: err.code,
      message: err.message,
      details: err.details,
      requestId: currentRequestId() ?? null,
    },
  };
}

/** Errors that mean "the database is not reachable right now" → 503. */
function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const name = err.name;
  return (
    name === 'MongooseServerSelectionError' ||
    name === 'MongoServerSelectionError' ||
    name === 'MongoNetworkError' ||
    name === 'MongoNotConnectedError' ||
    name === 'MongoTopologyClosedError' ||
    name === 'MongoNetworkTimeoutError' ||
    name === 'MongoPoolClearedError' ||
    (err instanceof mongoose.Error && /buffering timed out|not connected|Client must be connected/i.test(err.message))
  );
}

/** Code and zh-CN message of the 4xx statuses other middleware may raise (anything else: BAD_REQUEST). */
const CLIENT_ERRORS: Record<number, [string, string]> = {
  404: ['NOT_FOUND', '资源不存在'],
  413: ['PAYLOAD_TOO_LARGE', '请求体超过大小限制'],
  415: ['UNSUPPORTED_MEDIA_TYPE', '不支持的请求体类型或编码'],
  416: ['RANGE_NOT_SATISFIABLE', '请求的范围无效'],
};

/** Translates anything thrown into an AppError. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const e = err as { type?: string; status?: number; statusCode?: number; code?: number | string };
  // body-parser errors
  if (e?.type === 'entity.parse.failed') return new AppError('MALFORMED_JSON', 400, '请求体不是合法的 JSON');
  if (e?.type === 'entity.too.large') return new AppError('PAYLOAD_TOO_LARGE', 413, '请求体超过大小限制');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported')
    return new AppError('UNSUPPORTED_ENCODING', 415, '不支持的请求体编码');
  if (e?.type === 'entity.verify.failed' || e?.type === 'request.aborted')
    return new AppError('BAD_REQUEST', 400, '请求体无法读取');
  // A bad percent-escape (rejectMalformedUri answers first; this is the router's own decodeURIComponent).
  if (err instanceof URIError) return new AppError('MALFORMED_URI', 400, '请求地址中的百分号编码无效');
  // Any other client error raised while reading the request (http-errors of the body parsers or static files): its 4xx, never 500.
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: boolean }).expose) {
    const [code, message] = CLIENT_ERRORS[status] ?? ['BAD_REQUEST', '请求无法解析'];
    return new AppError(code, status, message);
  }
  if (isDatabaseUnavailable(err)) return AppError.unavailable('数据库暂不可用，请稍后重试');
  if (err instanceof mongoose.Error.CastError) return AppError.notFound();
  if ((e?.code === 11000 || e?.code === 11001) && err instanceof Error) return AppError.conflict('记录已存在');
  return new AppError('INTERNAL', 500, '服务器内部错误');
}

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const appErr = toAppError(err);
  if (appErr.status >= 500) {
    logger.error('request failed', { err, method: req.method, path: req.path, status: appErr.status });
  } else {
    logger.info('request rejected', { code: appErr.code, status: appErr.status, method: req.method, path: req.path });
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.set(appErr.headers).status(appErr.status).json(errorBody(appErr));
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError('ROUTE_NOT_FOUND', 404, `接口不存在：${req.method} ${req.path}`));
};

import winston from 'winston';
import { requestContext } from './context.js';
import { maskIdFields } from './mask.js';

/** Adds the current request id (and principal) to every line logged inside a request. */
const withRequestContext = winston.format((info) => {
  const ctx = requestContext.getStore();
  if (ctx) {
    info.requestId ??= ctx.requestId;
    if (ctx.principalId) info.principalId ??= ctx.principalId;
  }
  return info;
});

/** Errors in metadata (`{ err }`) are serialised with name, message and stack (JSON.stringify drops them). */
const serialiseErrors = winston.format((info) => {
  for (const [k, v] of Object.entries(info)) {
    if (v instanceof Error) info[k] = { name: v.name, message: v.message, stack: v.stack, ...(v as unknown as Record<string, unknown>) };
  }
  return info;
});

/**
 * ID numbers (证件号码) never reach a log line: fields named like an ID number (idNumber, …IdNumber, zjhm)
 * are masked at any depth, and resident ID numbers inside any string (messages, error text) too.
 */
export const maskIdNumbers = winston.format((info) => {
  const fields: Record<string, unknown> = { ...info };
  const masked = maskIdFields(fields, { inText: true });
  if (masked !== fields) Object.assign(info, masked);
  return info;
});

export const logger = winston.createLogger({
  level: process.env.LOG_LEVEL ?? 'info',
  format: winston.format.combine(
    withRequestContext(),
    serialiseErrors(),
    maskIdNumbers(),
    winston.format.timestamp(),
    winston.format.errors({ stack: true }),
    winston.format.json(),
  ),
  defaultMeta: { service: 'credit-supervision' },
  transports: [new winston.transports.Console({ stderrLevels: ['error', 'warn'] })],
});

export function setLogLevel(level: string): void {
  logger.level = level;
}

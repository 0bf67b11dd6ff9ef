import type Joi from 'joi';
import { AppError, MAX_DETAILS, type ErrorDetail } from './errors.js';
import { zhMessages } from '../../schemas/messages.js';
import { todayInShanghai } from '../lib/calendar.js';

export type RequestPart = 'params' | 'query' | 'body';

export function joiDetails(error: Joi.ValidationError, prefix?: RequestPart): ErrorDetail[] {
  return error.details.map((d) => ({
    path: [...(prefix && prefix !== 'body' ? [prefix] : []), ...d.path.map(String)].join('.') || prefix || '',
    message: d.message,
  }));
}

export const validationOptions: Joi.ValidationOptions = {
  abortEarly: false,
  messages: zhMessages,
  errors: { wrap: { label: false, array: false } },
  stripUnknown: false,
  convert: true,
};

/**
 * Schemas that compare with today's date (e.g. a decision date not in the future) read `context.today`;
 * facts looked up before validating (a route's `bodyContext`) come in beside it.
 */
function withToday(today = todayInShanghai(), extra: Record<string, unknown> = {}): Joi.ValidationOptions {
  return { ...validationOptions, context: { ...extra, today } };
}

/** The keys an object schema accepts, or null when it accepts others too (or is not an object schema). */
const knownKeys = new WeakMap<Joi.Schema, Set<string> | null>();
function acceptedKeys(schema: Joi.Schema): Set<string> | null {
  if (!knownKeys.has(schema)) {
    const d = schema.describe() as { type: string; flags?: { unknown?: boolean }; keys?: Record<string, unknown>; patterns?: unknown[]; whens?: unknown[] };
    const closed = d.type === 'object' && d.keys && !d.flags?.unknown && !d.patterns && !d.whens;
    knownKeys.set(schema, closed ? new Set(Object.keys(d.keys!)) : null);
  }
  return knownKeys.get(schema)!;
}

/**
 * More unknown keys than an error lists: answered from a count, without joi building a message for each
 * (90,000 of them cost seconds of CPU per request).
 */
function tooManyUnknownKeys(schema: Joi.Schema, value: unknown, part: RequestPart): AppError | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const keys = Object.keys(value);
  if (keys.length <= MAX_DETAILS) return undefined;
  const accepted = acceptedKeys(schema);
  if (!accepted) return undefined;
  const unknown = keys.filter((k) => !accepted.has(k));
  if (unknown.length <= MAX_DETAILS) return undefined;
  const prefix = part === 'body' ? '' : `${part}.`;
  return AppError.validation(unknown.map((k) => ({ path: `${prefix}${k}`, message: zhMessages['object.unknown'] })));
}

/**
 * Runs a joi schema over one part of a request. Collects every failure (abortEarly: false). Returns the
 * converted value or throws one AppError (which lists at most MAX_DETAILS of them and counts the rest).
 */
export function validatePart<T>(schema: Joi.Schema, value: unknown, part: RequestPart, context: Record<string, unknown> = {}): T {
  const flood = tooManyUnknownKeys(schema, value, part);
  if (flood) throw flood;
  const { error, value: out } = schema.validate(value, withToday(undefined, context));
  if (error) throw AppError.validation(joiDetails(error, part));
  return out as T;
}

/** Validate a plain value (used by imports and batch endpoints for each row). */
export function validateValue<T>(schema: Joi.Schema, value: unknown, today?: string, context: Record<string, unknown> = {}): { value?: T; details?: ErrorDetail[] } {
  const { error, value: out } = schema.validate(value, withToday(today, context));
  if (error) return { details: joiDetails(error) };
  return { value: out as T };
}

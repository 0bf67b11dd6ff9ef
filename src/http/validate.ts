import type Joi from 'joi';
import { AppError, type ErrorDetail } from './errors.js';
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

/** Schemas that compare with today's date (e.g. a decision date not in the future) read `context.today`. */
function withToday(today = todayInShanghai()): Joi.ValidationOptions {
  return { ...validationOptions, context: { today } };
}

/**
 * Runs a joi schema over one part of a request. Collects every failure (abortEarly: false).
 * Returns the converted value or throws one AppError listing every bad field.
 */
export function validatePart<T>(schema: Joi.Schema, value: unknown, part: RequestPart): T {
  const { error, value: out } = schema.validate(value, withToday());
  if (error) throw AppError.validation(joiDetails(error, part));
  return out as T;
}

/** Validate a plain value (used by imports and batch endpoints for each row). */
export function validateValue<T>(schema: Joi.Schema, value: unknown, today?: string): { value?: T; details?: ErrorDetail[] } {
  const { error, value: out } = schema.validate(value, withToday(today));
  if (error) return { details: joiDetails(error) };
  return { value: out as T };
}

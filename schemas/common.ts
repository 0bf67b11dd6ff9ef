import Joi from 'joi';
import { usccProblem } from '../src/lib/uscc.js';

/** 统一社会信用代码: trimmed, upper-cased, GB 32100 check character verified. */
export const uscc = () =>
  Joi.string()
    .trim()
    .uppercase()
    .custom((value: string, helpers) => {
      const problem = usccProblem(value);
      return problem ? helpers.error(`uscc.${problem}`) : value;
    }, 'GB 32100 unified social credit code')
    .meta({ format: 'uscc' })
    .description('统一社会信用代码（18 位，GB 32100 校验）');

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isCalendarDate(s: string): boolean {
  if (!DATE_RE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** A legal calendar date `YYYY-MM-DD` (Asia/Shanghai), never an instant. */
export const legalDate = () =>
  Joi.string()
    .custom((value: string, helpers) => {
      if (!DATE_RE.test(value)) return helpers.error('legalDate.format');
      if (!isCalendarDate(value)) return helpers.error('legalDate.invalid');
      return value;
    }, 'calendar date')
    .meta({ format: 'date' })
    .example('2026-11-02');

/** A legal date not after today (`context.today`, set by the validation middleware). */
export const pastDate = () =>
  legalDate().custom((v: string, h) => {
    const today = h.prefs.context?.today as string | undefined;
    return today && v > today ? h.error('legalDate.future') : v;
  });

/** A legal date not before a sibling date field (named `label` in the message). */
export const notBefore = (sibling: string, label: string) =>
  legalDate().custom((v: string, h) => {
    const other = h.state.ancestors[0]?.[sibling];
    return typeof other === 'string' && v < other ? h.error('legalDate.before', { other: label }) : v;
  });

/** 6-digit administrative division code (GB/T 2260). */
export const divisionCode = () =>
  Joi.string().trim().pattern(/^\d{6}$/).messages({ 'string.pattern.base': '行政区划代码应为 6 位数字' });

/** Industry code (GB/T 4754): a section letter, optionally followed by 2–4 digits. */
export const industryCode = () =>
  Joi.string()
    .trim()
    .uppercase()
    .pattern(/^[A-T](\d{2,4})?$/)
    .messages({ 'string.pattern.base': '国民经济行业代码应为门类字母加 2–4 位数字（GB/T 4754），如 C2614' });

/** A prefix of an industry code for searches: the section letter and any number (0–4) of its digits (C, C2, C26, C261, C2614). */
export const industryPrefix = () =>
  Joi.string()
    .trim()
    .uppercase()
    .pattern(/^[A-T]\d{0,4}$/)
    .messages({ 'string.pattern.base': '行业代码前缀应为门类字母加 0–4 位数字（GB/T 4754），如 C、C2、C26' });

/**
 * Free text: trimmed, bounded, no NUL (the embedded database rejects NUL in strings) and no lone UTF-16
 * surrogate (stored as U+FFFD, the text read back would differ from the text compared: natural keys miss).
 */
export const text = (max = 500) =>
  Joi.string()
    .trim()
    .max(max)
    .pattern(/^[^\u0000\uD800-\uDFFF]*$/u, { name: 'text' })
    .messages({ 'string.pattern.name': '包含不允许的字符' });

export const paginationQuery = {
  limit: Joi.number().integer().min(1).max(500).default(50).description('每页条数'),
  cursor: Joi.string().max(200).description('上一页返回的 nextCursor'),
};

export const idParam = Joi.object({ id: Joi.string().hex().length(24).required() });

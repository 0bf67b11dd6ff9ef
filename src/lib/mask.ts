/**
 * Masking of ID numbers (证件号码). Pure functions: no I/O, no clock.
 *
 * Used by the response filter (src/http/security.ts) for roles that do not need the full number, and by
 * the log format (src/lib/logger.ts) for every log line.
 */

const MASK = '*';

/**
 * Masks one ID number: an 18-character resident ID keeps its first 6 (region) and last 4 characters
 * (110105********1234); any other length keeps only the last 4; 4 characters or fewer are masked whole.
 * Idempotent: masking a masked number gives the same string.
 */
export function maskIdNumber(value: string): string {
  const chars = [...value.trim()];
  const n = chars.length;
  if (n === 18) return chars.slice(0, 6).join('') + MASK.repeat(8) + chars.slice(14).join('');
  if (n <= 4) return MASK.repeat(n);
  return MASK.repeat(n - 4) + chars.slice(n - 4).join('');
}

/**
 * Whether a field holds an ID number, by its name: `idNumber`, `id_number`, camel-case `…IdNumber`
 * (e.g. `legalRepresentativeIdNumber`), snake-case `…_id_number`, or the standard's code `ZJHM` / `…ZJHM`
 * (证件号码, any case).
 */
export function isIdNumberField(key: string): boolean {
  return key === 'idNumber' || /[A-Za-z0-9]IdNumber$/.test(key) || /(^|_)id_number$/i.test(key) || /zjhm$/i.test(key);
}

function maskValue(v: unknown): unknown {
  if (typeof v === 'string') return maskIdNumber(v);
  if (typeof v === 'number' || typeof v === 'bigint') return maskIdNumber(String(v));
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' || typeof x === 'number' ? maskValue(x) : x));
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Returns `value` with every ID-number field (see isIdNumberField) masked, at any depth of plain
 * objects and arrays. Never mutates its input; returns the same reference when nothing needed masking,
 * so the common case costs one walk and no copy. Dates, ObjectIds and other class instances are kept as they are.
 * With `inText`, resident ID numbers inside any other string are masked too (see maskIdNumbersInText).
 */
export function maskIdFields<T>(value: T, opts: { inText?: boolean } = {}): T {
  return walk(value, opts.inText ? maskIdNumbersInText : undefined) as T;
}

function walk(value: unknown, text?: (s: string) => string): unknown {
  if (typeof value === 'string') return text ? text(value) : value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const m = walk(value[i], text);
      if (m !== value[i]) {
        out ??= value.slice();
        out[i] = m;
      }
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return value;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = value[key];
    const m = isIdNumberField(key) ? maskValue(v) : walk(v, text);
    if (m !== v) {
      out ??= { ...value };
      out[key] = m;
    }
  }
  return out ?? value;
}

/** ISO 7064 MOD 11-2 check character of an 18-character resident ID number (GB 11643). */
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

export function isResidentIdNumber(s: string): boolean {
  if (!/^\d{6}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[\dXx]$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(s[i]) * ID_WEIGHTS[i];
  return ID_CHECK[sum % 11] === s[17].toUpperCase();
}

const ID_IN_TEXT = /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g;

/**
 * Masks resident ID numbers appearing inside free text (log messages, database error messages such as
 * `E11000 … dup key: { idNumber: "…" }`). Only 18-character strings with a valid birth date and check
 * character are touched, so USCCs and other codes stay readable.
 */
export function maskIdNumbersInText(text: string): string {
  if (text.length < 18) return text;
  return text.replace(ID_IN_TEXT, (m) => (isResidentIdNumber(m) ? maskIdNumber(m) : m));
}

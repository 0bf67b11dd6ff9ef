import type { Principal } from './roles.js';
import { AppError } from '../../http/errors.js';

/**
 * The data a principal may see, as a query filter: an enterprise principal sees its own USCC only;
 * a principal with an authority scope sees the administrative divisions it covers (code prefixes).
 * Every list and lookup of scoped data ANDs this in, so out-of-scope data answers 404, never its content.
 */
export function scopeFilter(p: Principal, fields: { uscc: string; district?: string }): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  if (p.roles.includes('enterprise')) filter[fields.uscc] = p.uscc ?? '\u0001none';
  if (p.scope.length > 0 && fields.district) filter[fields.district] = districtFilter(...p.scope);
  return filter;
}

/**
 * A filter on a district code (GB/T 2260, 6 digits) under any of these prefixes: whole codes are an
 * equality (or `$in`) on the field's index; shorter prefixes an anchored regex.
 */
export function districtFilter(...prefixes: string[]): unknown {
  if (prefixes.every((p) => /^\d{6}$/.test(p))) return prefixes.length === 1 ? prefixes[0] : { $in: prefixes };
  return { $regex: `^(${prefixes.join('|')})` };
}

/** The same rule as `scopeFilter`, for one document already read (point reads by `_id`). */
export function canSee(p: Principal, doc: { uscc?: string | null; districtCode?: string | null }): boolean {
  if (p.roles.includes('enterprise') && (!p.uscc || doc.uscc !== p.uscc)) return false;
  return inScope(p, doc.districtCode ?? undefined);
}

export function inScope(p: Principal, districtCode: string | undefined): boolean {
  return p.scope.length === 0 || (districtCode !== undefined && p.scope.some((s) => districtCode.startsWith(s)));
}

/** Throws 403 when a write would touch data outside the principal's authority scope. */
export function assertInScope(p: Principal, districtCode: string | undefined): void {
  if (!inScope(p, districtCode)) throw AppError.forbidden('超出本人职权范围（行政区划）');
}

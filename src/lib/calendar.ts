import chineseDays from 'chinese-days';
import Joi from 'joi';
import { readConfigFile } from './configFiles.js';
import { logger } from './logger.js';

/**
 * Working-day calendar (工作日): weekdays that are not public holidays, plus adjusted working
 * weekends (调休上班). Where each year's days come from, first match wins:
 *   1. a schedule an administrator loaded into the database (src/modules/calendar fills the
 *      in-memory table below with `setLoadedSchedules` at start, after a load and periodically);
 *   2. config/holidays.json (a whole year);
 *   3. the maintained `chinese-days` library (official schedules it already has);
 *   4. the statutory rule (config/statutory-holidays.json: 《全国年节及纪念日放假办法》第二条, 国务院令第795号
 *      修订, in force 2025-01-01): the statutory holidays are days off, weekends are off, no 调休 known.
 * 1–3 are official; a date computed with 4 for any day it counts is PROVISIONAL (暂定) and is
 * recomputed once the year's schedule is loaded (src/modules/calendar).
 * Dates are legal calendar dates `YYYY-MM-DD` (Asia/Shanghai), handled as UTC midnights here.
 */
export type LegalDate = string;

export interface YearSchedule {
  /** Days off (放假), including weekend days inside a holiday block. */
  holidays: LegalDate[];
  /** Adjusted working weekends (调休上班). */
  workdays: LegalDate[];
}

interface HolidayOverrides {
  years: Record<string, YearSchedule>;
}

const dateStr = Joi.string().pattern(/^\d{4}-\d{2}-\d{2}$/);
const holidaySchema = Joi.object({
  $comment: Joi.string(),
  years: Joi.object()
    .pattern(/^\d{4}$/, Joi.object({ holidays: Joi.array().items(dateStr).default([]), workdays: Joi.array().items(dateStr).default([]) }))
    .default({}),
});

function overrides(): HolidayOverrides {
  return readConfigFile<HolidayOverrides>('holidays.json', holidaySchema);
}

/** Years config/holidays.json sets. */
export function configuredYears(): number[] {
  return Object.keys(overrides().years).map(Number);
}

type SolarTermKey = Parameters<typeof chineseDays.getSolarTermDate>[2];

export interface StatutoryHolidayRule {
  name: string;
  article: string;
  text: string;
  kind: 'solar' | 'lunar' | 'solarTerm';
  month: number;
  day?: number;
  term?: SolarTermKey;
  offset: number;
  days: number;
}

export interface StatutoryRules {
  source: string;
  inForceFrom: LegalDate;
  holidays: StatutoryHolidayRule[];
}

const statutorySchema = Joi.object({
  $comment: Joi.string(),
  source: Joi.string().required(),
  inForceFrom: dateStr.required(),
  holidays: Joi.array()
    .items(
      Joi.object({
        name: Joi.string().required(),
        article: Joi.string().required(),
        text: Joi.string().required(),
        kind: Joi.string().valid('solar', 'lunar', 'solarTerm').required(),
        month: Joi.number().integer().min(1).max(12).required(),
        day: Joi.number().integer().min(1).max(31).when('kind', { is: 'solarTerm', then: Joi.forbidden(), otherwise: Joi.required() }),
        term: Joi.string().when('kind', { is: 'solarTerm', then: Joi.required(), otherwise: Joi.forbidden() }),
        offset: Joi.number().integer().min(-3).max(3).default(0),
        days: Joi.number().integer().min(1).max(7).required(),
      }),
    )
    .min(1)
    .required(),
});

/** The statutory rule as configured (config/statutory-holidays.json). */
export function statutoryRules(): StatutoryRules {
  return readConfigFile<StatutoryRules>('statutory-holidays.json', statutorySchema);
}

export function parseDate(d: LegalDate): Date {
  return new Date(`${d}T00:00:00Z`);
}

export function formatDate(d: Date): LegalDate {
  return d.toISOString().slice(0, 10);
}

export function addDays(d: LegalDate, n: number): LegalDate {
  const x = parseDate(d);
  x.setUTCDate(x.getUTCDate() + n);
  return formatDate(x);
}

/** Adds calendar months; a day that does not exist in the target month becomes its last day (1-31 + 1 month → 2-28/29). */
export function addMonths(d: LegalDate, months: number): LegalDate {
  const [y, m, day] = d.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const ty = Math.floor(total / 12);
  const tm = total % 12;
  const last = new Date(Date.UTC(ty, tm + 1, 0)).getUTCDate();
  return formatDate(new Date(Date.UTC(ty, tm, Math.min(day, last))));
}

export function addYears(d: LegalDate, years: number): LegalDate {
  return addMonths(d, years * 12);
}

/**
 * The date as the `chinese-days` library must receive it. The library parses a 'YYYY-MM-DD' string as a
 * UTC midnight but reads it back with local getters (getDay/getDate), so in a time zone west of UTC
 * every answer shifted by one day (Saturday counted as a working day, Monday as a holiday). A Date at
 * local noon of the same calendar day reads back correctly in every time zone (and across DST changes).
 */
function libDate(d: LegalDate): Date {
  const [y, m, day] = d.split('-').map(Number);
  return new Date(y, m - 1, day, 12);
}

function isWeekend(d: LegalDate): boolean {
  const wd = parseDate(d).getUTCDay();
  return wd === 0 || wd === 6;
}

/**
 * Day of a solar term. `getSolarTermDate` computes the day right but formats a UTC midnight with local
 * getters, one day early west of UTC; the shift is measured on the same instant and undone.
 */
function solarTermDate(year: number, month: number, term: SolarTermKey): LegalDate {
  const lib = chineseDays.getSolarTermDate(year, month, term);
  const day = Number(lib.slice(8, 10));
  const probe = new Date(Date.UTC(year, month - 1, day));
  const shift = probe.getDate() - day; // 0 east of UTC, -1 west (never +1: no offset reaches 24 h)
  return addDays(lib, -shift);
}

/** Gregorian date of a day of a (non-leap) lunar month of the lunar year starting in `year`. */
function lunarToSolar(year: number, month: number, day: number): LegalDate {
  const { date } = chineseDays.getSolarDateFromLunar(libDate(`${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`));
  return date;
}

export interface StatutoryHoliday {
  date: LegalDate;
  name: string;
  article: string;
}

const statutoryMemo = new Map<string, StatutoryHoliday[]>();

/**
 * The statutory holidays (法定节假日) of a Gregorian year by 《全国年节及纪念日放假办法》第二条 (2024 revision,
 * 国务院令第795号): 元旦 1-1; 春节 除夕 to 正月初三 (除夕 = the day before 正月初一, the 29th or 30th of the
 * 12th month); 清明 (solar term day); 劳动节 5-1, 5-2; 端午 (5/5 lunar); 中秋 (8/15 lunar); 国庆 10-1 to 10-3.
 * Lunar dates and solar terms from `chinese-days`. Pure: same year, same answer. Sorted by date.
 */
export function statutoryHolidays(year: number, rules: StatutoryRules = statutoryRules()): StatutoryHoliday[] {
  const key = `${year}|${rules.source}|${rules.holidays.length}`;
  const memo = statutoryMemo.get(key);
  if (memo) return memo;
  const out: StatutoryHoliday[] = [];
  for (const h of rules.holidays) {
    const anchor =
      h.kind === 'solar'
        ? `${year}-${String(h.month).padStart(2, '0')}-${String(h.day).padStart(2, '0')}`
        : h.kind === 'lunar'
          ? lunarToSolar(year, h.month, h.day!)
          : solarTermDate(year, h.month, h.term!);
    for (let i = 0; i < h.days; i++) {
      const date = addDays(anchor, h.offset + i);
      // Two holidays on one day (中秋 on 10-03 in 2028) give one day off, not two: one entry, both names.
      const same = out.find((o) => o.date === date);
      if (same) {
        same.name = `${same.name}、${h.name}`;
        same.article = `${same.article}、${h.article}`;
      } else out.push({ date, name: h.name, article: h.article });
    }
  }
  out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  statutoryMemo.set(key, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Loaded schedules (filled by src/modules/calendar from the database)

export interface LoadedSchedule extends YearSchedule {
  year: number;
  source: string;
}

interface YearTable {
  holidays: Set<LegalDate>;
  workdays: Set<LegalDate>;
}

let loaded = new Map<number, YearTable & { source: string }>();
let loadedGeneration = 0;

/** Replaces the in-memory table of loaded schedules (the calendar module calls this after reading the database). */
export function setLoadedSchedules(schedules: LoadedSchedule[]): void {
  const next = new Map<number, YearTable & { source: string }>();
  for (const s of schedules) next.set(s.year, { holidays: new Set(s.holidays), workdays: new Set(s.workdays), source: s.source });
  loaded = next;
  loadedGeneration++;
}

/** Changes each time the loaded table is replaced: lets callers tell whether they saw the latest table. */
export function loadedSchedulesGeneration(): number {
  return loadedGeneration;
}

const libraryYear = new Map<number, boolean>();

/** Whether `chinese-days` has the year's official schedule (it marks a weekday of the year as a holiday). */
function libraryHasYear(year: number): boolean {
  let known = libraryYear.get(year);
  if (known === undefined) {
    known = false;
    for (let d = `${year}-01-01`; d.startsWith(String(year)); d = addDays(d, 1)) {
      if (!isWeekend(d) && chineseDays.isHoliday(libDate(d))) {
        known = true;
        break;
      }
    }
    libraryYear.set(year, known);
  }
  return known;
}

/** Where a year's working days come from: `loaded`, `config`, `library` are official; `statutory` is provisional. */
export type CalendarBasis = 'loaded' | 'config' | 'library' | 'statutory';

export function yearBasis(year: number): CalendarBasis {
  if (loaded.has(year)) return 'loaded';
  if (overrides().years[String(year)]) return 'config';
  if (libraryHasYear(year)) return 'library';
  return 'statutory';
}

export interface YearCalendarInfo {
  year: number;
  basis: CalendarBasis;
  official: boolean;
  /** Where the schedule comes from (the loaded schedule's 国办发明电 number, the config file, the library, or the law). */
  source: string;
}

export function yearCalendar(year: number): YearCalendarInfo {
  const basis = yearBasis(year);
  const source =
    basis === 'loaded'
      ? loaded.get(year)!.source
      : basis === 'config'
        ? 'config/holidays.json'
        : basis === 'library'
          ? 'chinese-days'
          : `${statutoryRules().source}（暂定）`;
  return { year, basis, official: basis !== 'statutory', source };
}

/** Whether an official schedule is known for the year (loaded, config override, or the library). */
export function scheduleKnown(year: number): boolean {
  return yearBasis(year) !== 'statutory';
}

const warned = new Set<number>();

export function isWorkday(d: LegalDate): boolean {
  const year = Number(d.slice(0, 4));
  const table = loaded.get(year) ?? tableOf(overrides().years[String(year)]);
  if (table) {
    if (table.workdays.has(d)) return true;
    if (table.holidays.has(d)) return false;
    return !isWeekend(d);
  }
  if (libraryHasYear(year)) return chineseDays.isWorkday(libDate(d));
  if (!warned.has(year)) {
    warned.add(year);
    logger.warn('no official holiday schedule for this year: counting the statutory holidays, dates are provisional (暂定)', { year });
  }
  if (isWeekend(d)) return false;
  return !statutoryHolidays(year).some((h) => h.date === d);
}

const overrideTables = new WeakMap<YearSchedule, YearTable>();
function tableOf(s: YearSchedule | undefined): YearTable | undefined {
  if (!s) return undefined;
  let t = overrideTables.get(s);
  if (!t) {
    t = { holidays: new Set(s.holidays), workdays: new Set(s.workdays) };
    overrideTables.set(s, t);
  }
  return t;
}

/** The n-th working day after `d` (d itself not counted). n = 0 returns d. */
export function addWorkdays(d: LegalDate, n: number): LegalDate {
  let cur = d;
  let left = n;
  while (left > 0) {
    cur = addDays(cur, 1);
    if (isWorkday(cur)) left--;
  }
  return cur;
}

/**
 * Whether a count over the days strictly after `from` up to and including `to` used a year without an
 * official schedule, i.e. a date so computed is provisional (暂定).
 */
export function provisionalBetween(from: LegalDate, to: LegalDate): boolean {
  if (to <= from) return false;
  const first = Number(addDays(from, 1).slice(0, 4));
  const last = Number(to.slice(0, 4));
  for (let y = first; y <= last; y++) if (!scheduleKnown(y)) return true;
  return false;
}

export interface WorkdayResult {
  date: LegalDate;
  /** Computed with the statutory rule for at least one year (no official schedule yet): 暂定. */
  provisional: boolean;
}

/** addWorkdays, saying whether the answer is provisional. */
export function addWorkdaysDetailed(d: LegalDate, n: number): WorkdayResult {
  const date = addWorkdays(d, n);
  return { date, provisional: provisionalBetween(d, date) };
}

/**
 * The API convention for provisional dates: every resource showing a working-day-derived date carries
 * `provisionalDates`, the JSON paths (dot-separated, array indexes as numbers) of those of its dates
 * computed with a year that has no official schedule yet (暂定), e.g. `["publicityDeadline"]`. Each entry
 * here is [path, the date the count starts from, the computed date]; missing dates are skipped.
 */
export function provisionalPaths(entries: [path: string, from: LegalDate | null | undefined, date: LegalDate | null | undefined][]): string[] {
  return entries.filter(([, from, date]) => from && date && provisionalBetween(from, date)).map(([path]) => path);
}

/** Working days strictly after `from` up to and including `to` (0 when to <= from). */
export function workdaysBetween(from: LegalDate, to: LegalDate): number {
  let n = 0;
  for (let cur = addDays(from, 1); cur <= to; cur = addDays(cur, 1)) if (isWorkday(cur)) n++;
  return n;
}

/** Today's legal date in Asia/Shanghai. Rules never call this: callers pass `today` in. */
export function todayInShanghai(now = new Date()): LegalDate {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

// ---------------------------------------------------------------------------------------------
// Periods in months and years (one convention everywhere)

/**
 * The last day of a period of `months` months counted from `start` (a decision or listing date), per
 * 《中华人民共和国民法典》第二百零一条至第二百零三条: the start day is not counted, the period begins the next
 * day (art. 201); its last day is the corresponding day of the last month, or that month's last day when it
 * has no corresponding day (art. 202); it ends at the end of that day (art. 203). Decided 2026-05-15 +
 * 3 months → 2026-08-15; 2026-01-31 + 1 month → 2026-02-28. A period of 0 months has no days: its "last
 * day" is `start` itself.
 */
export function periodLastDay(start: LegalDate, months: number): LegalDate {
  return addMonths(start, months);
}

/**
 * The first day after a period of `months` months from `start` has run out ("届满后"): the day after
 * periodLastDay (民法典 arts. 201–203). Decided 2026-05-15, 3 months → 2026-08-16. A period of 0 months is
 * over at once: `start` itself.
 */
export function dayAfterPeriod(start: LegalDate, months: number): LegalDate {
  return months === 0 ? start : addDays(periodLastDay(start, months), 1);
}

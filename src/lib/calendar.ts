import chineseDays from 'chinese-days';
import Joi from 'joi';
import { readConfigFile } from './configFiles.js';
import { logger } from './logger.js';

/**
 * Working-day calendar (工作日): weekdays that are not public holidays, plus adjusted working
 * weekends (调休上班). Source: the maintained `chinese-days` schedule, overridable per year in
 * config/holidays.json. A year with no published schedule counts weekdays only (and warns once).
 * Dates are legal calendar dates `YYYY-MM-DD` (Asia/Shanghai), handled as UTC midnights here.
 */
export type LegalDate = string;

interface HolidayOverrides {
  years: Record<string, { holidays: string[]; workdays: string[] }>;
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

const yearKnown = new Map<number, boolean>();
const warned = new Set<number>();

/** Whether an official schedule is known for the year (config override or the library has holidays on weekdays). */
export function scheduleKnown(year: number): boolean {
  if (overrides().years[String(year)]) return true;
  let known = yearKnown.get(year);
  if (known === undefined) {
    known = false;
    for (let d = `${year}-01-01`; d.startsWith(String(year)); d = addDays(d, 1)) {
      const wd = parseDate(d).getUTCDay();
      if (wd !== 0 && wd !== 6 && chineseDays.isHoliday(libDate(d))) {
        known = true;
        break;
      }
    }
    yearKnown.set(year, known);
  }
  return known;
}

export function isWorkday(d: LegalDate): boolean {
  const year = Number(d.slice(0, 4));
  const o = overrides().years[String(year)];
  if (o) {
    if (o.workdays.includes(d)) return true;
    if (o.holidays.includes(d)) return false;
    const wd = parseDate(d).getUTCDay();
    return wd !== 0 && wd !== 6;
  }
  if (!scheduleKnown(year)) {
    if (!warned.has(year)) {
      warned.add(year);
      logger.warn('no official holiday schedule for this year: counting weekdays only', { year });
    }
    const wd = parseDate(d).getUTCDay();
    return wd !== 0 && wd !== 6;
  }
  return chineseDays.isWorkday(libDate(d));
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

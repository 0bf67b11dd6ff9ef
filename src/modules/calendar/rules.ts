import { parseDate, statutoryHolidays, statutoryRules, type LegalDate, type YearSchedule } from '../../lib/calendar.js';
import type { ErrorDetail } from '../../http/errors.js';

/**
 * Checks of a year's schedule that need the year (the joi schema in schemas/calendar.ts checks the
 * shape). Pure. Each problem names its field path. An official schedule:
 * - has every date in the year (a holiday block that starts on 12-31 belongs to the next year's schedule);
 * - never has a date both off and worked;
 * - has 调休上班 days only on Saturdays and Sundays (a weekday is a working day anyway);
 * - gives every statutory holiday off (years from the rule's entry into force): 《全国年节及纪念日放假办法》第二条 fixes them, the schedule only
 *   arranges the days around them (第六条 补假, 第七条 调休), so a schedule missing one is a typing error.
 */
export function scheduleProblems(year: number, s: YearSchedule): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const inYear = (d: LegalDate) => d.startsWith(`${year}-`);
  s.holidays.forEach((d, i) => {
    if (!inYear(d)) problems.push({ path: `holidays.${i}`, message: `${d}：日期须在 ${year} 年内` });
  });
  const off = new Set(s.holidays);
  s.workdays.forEach((d, i) => {
    if (!inYear(d)) problems.push({ path: `workdays.${i}`, message: `${d}：日期须在 ${year} 年内` });
    else if (off.has(d)) problems.push({ path: `workdays.${i}`, message: `${d} 同时列为放假日期，同一天不能既放假又调休上班` });
    else {
      const wd = parseDate(d).getUTCDay();
      if (wd !== 0 && wd !== 6) problems.push({ path: `workdays.${i}`, message: `${d} 不是周六或周日：调休上班日须为周末` });
    }
  });
  // The rule as revised applies from its entry into force (2025); earlier schedules followed the earlier text.
  const inForce = year >= Number(statutoryRules().inForceFrom.slice(0, 4));
  const missing = inForce ? statutoryHolidays(year).filter((h) => !off.has(h.date)) : [];
  if (missing.length) {
    problems.push({
      path: 'holidays',
      message: `缺少法定节假日：${missing.map((h) => `${h.date}（${h.name}）`).join('、')}（《全国年节及纪念日放假办法》第二条）`,
    });
  }
  return problems;
}

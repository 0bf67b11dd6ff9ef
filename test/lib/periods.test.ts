import { expect } from 'chai';
import { dayAfterPeriod, periodLastDay } from '../../src/lib/calendar.js';

/**
 * Periods in months and years, 《民法典》第二百零一条至第二百零三条: the start day (a decision or listing date)
 * is not counted; the last day is the corresponding day of the last month, or that month's last day when it
 * has none; "届满后" is the day after that last day.
 */
describe('lib/calendar — periods in months (民法典 arts. 201–203)', () => {
  const rows: [string, string, number, string, string][] = [
    // name, start, months, last day, day after
    ['the issue example: 一般 minimum (3 months)', '2026-05-15', 3, '2026-08-15', '2026-08-16'],
    ['the issue example: 一般 maximum (1 year)', '2026-05-15', 12, '2027-05-15', '2027-05-16'],
    ['严重 minimum (1 year)', '2026-05-15', 12, '2027-05-15', '2027-05-16'],
    ['严重 maximum / listing (3 years)', '2026-05-15', 36, '2029-05-15', '2029-05-16'],
    ['527号 严重 minimum (6 months)', '2022-08-31', 6, '2023-02-28', '2023-03-01'],
    ['31 Jan + 1 month: no 31 Feb, the month\'s last day', '2026-01-31', 1, '2026-02-28', '2026-03-01'],
    ['31 Jan + 1 month in a leap year', '2028-01-31', 1, '2028-02-29', '2028-03-01'],
    ['29 Feb + 1 year: 28 Feb', '2028-02-29', 12, '2029-02-28', '2029-03-01'],
    ['29 Feb + 4 years: 29 Feb again', '2028-02-29', 48, '2032-02-29', '2032-03-01'],
    ['30 Nov + 3 months: 28 Feb', '2025-11-30', 3, '2026-02-28', '2026-03-01'],
    ['31 Aug + 3 months: 30 Nov', '2026-08-31', 3, '2026-11-30', '2026-12-01'],
    ['31 Dec + 12 months: across the year end', '2026-12-31', 12, '2027-12-31', '2028-01-01'],
    ['31 Oct + 1 month: 30 Nov', '2026-10-31', 1, '2026-11-30', '2026-12-01'],
    ['1 Jan + 1 month', '2026-01-01', 1, '2026-02-01', '2026-02-02'],
    ['28 Feb + 1 month: 28 Mar (the corresponding day exists)', '2026-02-28', 1, '2026-03-28', '2026-03-29'],
    ['0 months (轻微: no minimum period): over at once', '2026-05-15', 0, '2026-05-15', '2026-05-15'],
  ];
  for (const [name, start, months, last, after] of rows) {
    it(`${name}: ${start} + ${months} → last day ${last}, from ${after}`, () => {
      expect(periodLastDay(start, months)).to.equal(last);
      expect(dayAfterPeriod(start, months)).to.equal(after);
    });
  }
});

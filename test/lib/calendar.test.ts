import { expect } from 'chai';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import winston from 'winston';
import {
  addDays,
  addMonths,
  addWorkdays,
  addYears,
  formatDate,
  isWorkday,
  parseDate,
  scheduleKnown,
  todayInShanghai,
  workdaysBetween,
  addWorkdaysDetailed,
  provisionalPaths,
  setLoadedSchedules,
  statutoryHolidays,
  statutoryRules,
  yearCalendar,
} from '../../src/lib/calendar.js';
import { clearConfigCache, configDir } from '../../src/lib/configFiles.js';
import { logger } from '../../src/lib/logger.js';

/** Expands 'YYYY-MM-DD..YYYY-MM-DD' (inclusive) or a single 'YYYY-MM-DD' into every date it covers. */
function expand(range: string): string[] {
  const [from, to = from] = range.split('..');
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

const WEEKDAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const dow = (d: string): string => WEEKDAY[parseDate(d).getUTCDay()];

/** The official schedules exactly as domain.md ("Working days") states them. */
const SCHEDULE: Record<number, { off: string[]; work: string[] }> = {
  2025: {
    off: ['2025-01-01', '2025-01-28..2025-02-04', '2025-04-04..2025-04-06', '2025-05-01..2025-05-05', '2025-05-31..2025-06-02', '2025-10-01..2025-10-08'],
    work: ['2025-01-26', '2025-02-08', '2025-04-27', '2025-09-28', '2025-10-11'],
  },
  2026: {
    off: [
      '2026-01-01..2026-01-03',
      '2026-02-15..2026-02-23',
      '2026-04-04..2026-04-06',
      '2026-05-01..2026-05-05',
      '2026-06-19..2026-06-21',
      '2026-09-25..2026-09-27',
      '2026-10-01..2026-10-07',
    ],
    work: ['2026-01-04', '2026-02-14', '2026-02-28', '2026-05-09', '2026-09-20', '2026-10-10'],
  },
};

/** Ordinary days next to each holiday: [date, isWorkday]. Weekday names are checked below so a typo cannot slip in. */
const AROUND: [string, string, boolean][] = [
  // 2025 New Year
  ['2024-12-31', 'Tue', true],
  ['2025-01-02', 'Thu', true],
  ['2025-01-03', 'Fri', true],
  ['2025-01-04', 'Sat', false],
  ['2025-01-05', 'Sun', false],
  // 2025 Spring Festival
  ['2025-01-24', 'Fri', true],
  ['2025-01-25', 'Sat', false],
  ['2025-01-27', 'Mon', true],
  ['2025-02-05', 'Wed', true],
  ['2025-02-07', 'Fri', true],
  ['2025-02-09', 'Sun', false],
  ['2025-02-10', 'Mon', true],
  // 2025 Qingming / Labour Day
  ['2025-04-03', 'Thu', true],
  ['2025-04-07', 'Mon', true],
  ['2025-04-26', 'Sat', false],
  ['2025-04-28', 'Mon', true],
  ['2025-04-30', 'Wed', true],
  ['2025-05-06', 'Tue', true],
  ['2025-05-10', 'Sat', false],
  ['2025-05-11', 'Sun', false],
  // 2025 Dragon Boat
  ['2025-05-30', 'Fri', true],
  ['2025-06-03', 'Tue', true],
  ['2025-06-07', 'Sat', false],
  // 2025 National Day / Mid-Autumn
  ['2025-09-27', 'Sat', false],
  ['2025-09-29', 'Mon', true],
  ['2025-09-30', 'Tue', true],
  ['2025-10-09', 'Thu', true],
  ['2025-10-10', 'Fri', true],
  ['2025-10-12', 'Sun', false],
  ['2025-10-13', 'Mon', true],
  // 2026 New Year
  ['2025-12-31', 'Wed', true],
  ['2026-01-05', 'Mon', true],
  ['2026-01-10', 'Sat', false],
  ['2026-01-11', 'Sun', false],
  // 2026 Spring Festival
  ['2026-02-07', 'Sat', false],
  ['2026-02-08', 'Sun', false],
  ['2026-02-13', 'Fri', true],
  ['2026-02-24', 'Tue', true],
  ['2026-02-27', 'Fri', true],
  ['2026-03-01', 'Sun', false],
  ['2026-03-02', 'Mon', true],
  // 2026 Qingming
  ['2026-04-03', 'Fri', true],
  ['2026-04-07', 'Tue', true],
  ['2026-04-11', 'Sat', false],
  // 2026 Labour Day
  ['2026-04-30', 'Thu', true],
  ['2026-05-06', 'Wed', true],
  ['2026-05-08', 'Fri', true],
  ['2026-05-10', 'Sun', false],
  // 2026 Dragon Boat
  ['2026-06-18', 'Thu', true],
  ['2026-06-22', 'Mon', true],
  ['2026-06-27', 'Sat', false],
  // 2026 Mid-Autumn / National Day
  ['2026-09-19', 'Sat', false],
  ['2026-09-24', 'Thu', true],
  ['2026-09-28', 'Mon', true],
  ['2026-09-30', 'Wed', true],
  ['2026-10-08', 'Thu', true],
  ['2026-10-09', 'Fri', true],
  ['2026-10-11', 'Sun', false],
  ['2026-10-12', 'Mon', true],
  // domain example week
  ['2026-11-02', 'Mon', true],
  ['2026-11-07', 'Sat', false],
  ['2026-11-08', 'Sun', false],
];

/** Expected isWorkday of every date of a year, derived from SCHEDULE alone (weekdays, minus days off, plus working weekends). */
function domainIsWorkday(d: string): boolean {
  const s = SCHEDULE[Number(d.slice(0, 4))];
  if (s.work.includes(d)) return true;
  if (s.off.flatMap(expand).includes(d)) return false;
  const wd = parseDate(d).getUTCDay();
  return wd !== 0 && wd !== 6;
}

describe('lib/calendar — working days (工作日)', () => {
  describe('expand helper', () => {
    it('expands ranges inclusively, across month ends', () => {
      expect(expand('2025-01-28..2025-02-04')).to.deep.equal([
        '2025-01-28',
        '2025-01-29',
        '2025-01-30',
        '2025-01-31',
        '2025-02-01',
        '2025-02-02',
        '2025-02-03',
        '2025-02-04',
      ]);
      expect(expand('2025-01-01')).to.deep.equal(['2025-01-01']);
    });
  });

  describe('isWorkday: every holiday and adjusted working weekend of 2025 and 2026 (domain.md)', () => {
    const rows: [string, string, boolean][] = [];
    for (const [year, s] of Object.entries(SCHEDULE)) {
      for (const range of s.off) for (const d of expand(range)) rows.push([`${year} day off`, d, false]);
      for (const d of s.work) rows.push([`${year} 调休上班 working ${dow(d)}`, d, true]);
    }
    it('the table has every day of the schedule (2025: 28 off + 5 working weekends; 2026: 33 off + 6)', () => {
      expect(rows.filter(([, d, w]) => d.startsWith('2025') && !w)).to.have.length(28);
      expect(rows.filter(([, d, w]) => d.startsWith('2025') && w)).to.have.length(5);
      expect(rows.filter(([, d, w]) => d.startsWith('2026') && !w)).to.have.length(33);
      expect(rows.filter(([, d, w]) => d.startsWith('2026') && w)).to.have.length(6);
    });
    it('every working weekend really is a Saturday or Sunday', () => {
      for (const [, d, w] of rows) if (w) expect(['Sat', 'Sun'], d).to.include(dow(d));
    });
    for (const [name, date, expected] of rows) {
      it(`${name}: ${date} (${dow(date)}) → ${expected ? 'working day' : 'day off'}`, () => {
        expect(isWorkday(date)).to.equal(expected);
      });
    }
  });

  describe('isWorkday: ordinary weekdays and weekends around each holiday', () => {
    for (const [date, weekday, expected] of AROUND) {
      it(`${date} (${weekday}) → ${expected ? 'working day' : 'day off'}`, () => {
        expect(dow(date), 'weekday name in the table').to.equal(weekday);
        expect(isWorkday(date)).to.equal(expected);
      });
    }
  });

  describe('isWorkday: every day of 2025 and 2026 agrees with domain.md', () => {
    for (const year of [2025, 2026]) {
      it(`${year}: no date differs, 248 working days`, () => {
        const differs: string[] = [];
        let count = 0;
        for (let d = `${year}-01-01`; d.startsWith(String(year)); d = addDays(d, 1)) {
          if (isWorkday(d) !== domainIsWorkday(d)) differs.push(`${d} lib=${isWorkday(d)}`);
          if (isWorkday(d)) count++;
        }
        expect(differs).to.deep.equal([]);
        expect(count).to.equal(248);
      });
    }
  });

  describe('isWorkday does not depend on the process time zone', () => {
    const original = process.env.TZ;
    afterEach(() => {
      process.env.TZ = original;
    });
    const rows: [string, string, boolean][] = [
      ['ordinary Saturday', '2026-11-07', false],
      ['ordinary Monday', '2026-11-02', true],
      ['holiday Thursday', '2026-10-01', false],
      ['调休 Saturday', '2026-10-10', true],
      ['调休 Sunday', '2025-09-28', true],
      ['day after a holiday', '2026-10-08', true],
      ['new year', '2026-01-01', false],
    ];
    for (const tz of ['UTC', 'America/Los_Angeles', 'Pacific/Honolulu', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
      it(`TZ=${tz}`, () => {
        process.env.TZ = tz;
        for (const [name, date, expected] of rows) expect(isWorkday(date), `${name} ${date}`).to.equal(expected);
        expect(addWorkdays('2026-11-02', 7)).to.equal('2026-11-11');
        expect(scheduleKnown(2026)).to.equal(true);
      });
    }
  });

  describe('addWorkdays: the n-th working day after the decision date', () => {
    const rows: [string, [string, number], string][] = [
      ['domain example: Mon 2026-11-02 → 7th working day Wed 2026-11-11', ['2026-11-02', 7], '2026-11-11'],
      ['n = 0 returns the date itself', ['2026-11-02', 0], '2026-11-02'],
      ['n = 0 on a holiday returns the holiday itself', ['2026-10-01', 0], '2026-10-01'],
      ['n = 1 on an ordinary Friday → Monday', ['2026-11-06', 1], '2026-11-09'],
      ['n = 1 on Friday before a 调休 Saturday → that Saturday', ['2025-10-10', 1], '2025-10-11'],
      ['n = 1 on Friday before Spring Festival 2026 → 调休 Sat 02-14', ['2026-02-13', 1], '2026-02-14'],
      ['n = 1 on the 调休 Saturday → after the whole Spring Festival', ['2026-02-14', 1], '2026-02-24'],
      ['n = 1 on Wed 2025-09-30 → after National Day 2025', ['2025-09-30', 1], '2025-10-09'],
      // 2025
      ['New Year 2025 (crosses the year end)', ['2024-12-31', 7], '2025-01-10'],
      ['Spring Festival 2025 with both 调休 days (01-26, 02-08)', ['2025-01-24', 7], '2025-02-10'],
      ['Qingming 2025', ['2025-04-03', 7], '2025-04-15'],
      ['Labour Day 2025 with 调休 Sun 04-27', ['2025-04-25', 7], '2025-05-08'],
      ['Dragon Boat 2025', ['2025-05-30', 7], '2025-06-11'],
      ['National Day 2025, decision the day before', ['2025-09-30', 7], '2025-10-16'],
      ['National Day 2025 with both 调休 days (09-28, 10-11)', ['2025-09-26', 7], '2025-10-13'],
      // 2026
      ['New Year 2026 with 调休 Sun 01-04 (crosses the year end)', ['2025-12-31', 7], '2026-01-12'],
      ['Spring Festival 2026, decision Thu 02-12', ['2026-02-12', 7], '2026-02-28'],
      ['Spring Festival 2026, decision Fri 02-13', ['2026-02-13', 7], '2026-03-02'],
      ['Qingming 2026', ['2026-04-03', 7], '2026-04-15'],
      ['Labour Day 2026 with 调休 Sat 05-09', ['2026-04-30', 7], '2026-05-13'],
      ['Dragon Boat 2026', ['2026-06-18', 7], '2026-06-30'],
      ['调休 Sun 2026-09-20 before Mid-Autumn', ['2026-09-18', 7], '2026-09-29'],
      ['Mid-Autumn + National Day 2026', ['2026-09-24', 7], '2026-10-12'],
      ['National Day 2026, decision the day before', ['2026-09-30', 7], '2026-10-15'],
      // decision on a day off
      ['decision on a holiday (2026-10-01)', ['2026-10-01', 7], '2026-10-15'],
      ['decision during Spring Festival 2026 (02-17)', ['2026-02-17', 7], '2026-03-03'],
      ['decision on an ordinary Saturday', ['2026-11-07', 7], '2026-11-17'],
      ['decision on an ordinary Sunday', ['2025-03-16', 7], '2025-03-25'],
      ['decision on a 调休 working Saturday (2026-10-10)', ['2026-10-10', 7], '2026-10-20'],
    ];
    for (const [name, [date, n], expected] of rows) {
      it(`${name}: ${date} + ${n} → ${expected}`, () => {
        expect(addWorkdays(date, n)).to.equal(expected);
        if (n > 0) {
          expect(isWorkday(expected), 'the result is a working day').to.equal(true);
          expect(workdaysBetween(date, expected), 'inverse of workdaysBetween').to.equal(n);
        }
      });
    }
  });

  describe('workdaysBetween: working days strictly after `from`, up to and including `to`', () => {
    const rows: [string, [string, string], number][] = [
      ['domain example', ['2026-11-02', '2026-11-11'], 7],
      ['same day', ['2026-11-02', '2026-11-02'], 0],
      ['to before from', ['2026-11-11', '2026-11-02'], 0],
      ['Friday to Monday', ['2026-11-06', '2026-11-09'], 1],
      ['Friday to Sunday', ['2026-11-06', '2026-11-08'], 0],
      ['across National Day 2026', ['2026-09-30', '2026-10-15'], 7],
      ['inside National Day 2025', ['2025-10-01', '2025-10-08'], 0],
      ['only the 调休 Saturday', ['2025-10-10', '2025-10-11'], 1],
      ['across Spring Festival 2026', ['2026-02-12', '2026-02-28'], 7],
      ['across the year end 2025/2026', ['2025-12-31', '2026-01-12'], 7],
      ['all of 2025', ['2024-12-31', '2025-12-31'], 248],
      ['all of 2026', ['2025-12-31', '2026-12-31'], 248],
    ];
    for (const [name, [from, to], expected] of rows) {
      it(`${name}: (${from}, ${to}] → ${expected}`, () => {
        expect(workdaysBetween(from, to)).to.equal(expected);
      });
    }
  });

  describe('addMonths: calendar months, a missing day becomes the last day of the month', () => {
    const rows: [string, [string, number], string][] = [
      ['0 months', ['2026-04-15', 0], '2026-04-15'],
      ['31 Jan + 1 → 28 Feb (common year)', ['2026-01-31', 1], '2026-02-28'],
      ['31 Jan + 1 → 29 Feb (leap year)', ['2024-01-31', 1], '2024-02-29'],
      ['30 Jan + 1 → 28 Feb', ['2026-01-30', 1], '2026-02-28'],
      ['28 Feb + 1 → 28 Mar (no month-end snapping)', ['2026-02-28', 1], '2026-03-28'],
      ['31 Mar + 1 → 30 Apr', ['2026-03-31', 1], '2026-04-30'],
      ['31 Dec + 1 → 31 Jan next year', ['2025-12-31', 1], '2026-01-31'],
      ['+3 mid-month', ['2026-04-15', 3], '2026-07-15'],
      ['+3 from 31 Mar → 30 Jun', ['2026-03-31', 3], '2026-06-30'],
      ['+3 from 31 May → 31 Aug', ['2026-05-31', 3], '2026-08-31'],
      ['+3 from 30 Nov → 28 Feb next year', ['2026-11-30', 3], '2027-02-28'],
      ['+3 from 30 Nov before a leap year → 29 Feb', ['2027-11-30', 3], '2028-02-29'],
      ['+3 across the year end', ['2025-11-15', 3], '2026-02-15'],
      ['+12 from 29 Feb → 28 Feb', ['2024-02-29', 12], '2025-02-28'],
      ['+12 from 1 Apr', ['2026-04-01', 12], '2027-04-01'],
      ['+12 from 31 Mar', ['2026-03-31', 12], '2027-03-31'],
      ['+36 from 29 Feb → 28 Feb', ['2024-02-29', 36], '2027-02-28'],
      ['+48 from 29 Feb → 29 Feb', ['2024-02-29', 48], '2028-02-29'],
      ['+36 from 31 Aug', ['2026-08-31', 36], '2029-08-31'],
      ['+6 from 31 Aug → 28 Feb', ['2026-08-31', 6], '2027-02-28'],
      ['-1 from 31 Mar → 28 Feb', ['2026-03-31', -1], '2026-02-28'],
      ['-1 across the year start', ['2026-01-15', -1], '2025-12-15'],
      ['-12 from 29 Feb', ['2028-02-29', -12], '2027-02-28'],
    ];
    for (const [name, [date, months], expected] of rows) {
      it(`${name}: ${date} ${months >= 0 ? '+' : ''}${months} → ${expected}`, () => {
        expect(addMonths(date, months)).to.equal(expected);
      });
    }
  });

  describe('addYears', () => {
    const rows: [string, [string, number], string][] = [
      ['29 Feb + 1 → 28 Feb', ['2024-02-29', 1], '2025-02-28'],
      ['29 Feb + 4 → 29 Feb', ['2024-02-29', 4], '2028-02-29'],
      ['+1 ordinary', ['2026-04-01', 1], '2027-04-01'],
      ['+3 ordinary', ['2026-04-01', 3], '2029-04-01'],
      ['+1 from 31 Dec', ['2025-12-31', 1], '2026-12-31'],
      ['0 years', ['2026-03-31', 0], '2026-03-31'],
      ['-1 from 29 Feb', ['2024-02-29', -1], '2023-02-28'],
    ];
    for (const [name, [date, years], expected] of rows) {
      it(`${name}: ${date} + ${years}y → ${expected}`, () => {
        expect(addYears(date, years)).to.equal(expected);
        expect(addYears(date, years)).to.equal(addMonths(date, years * 12));
      });
    }
  });

  describe('addDays / parseDate / formatDate', () => {
    const rows: [string, [string, number], string][] = [
      ['+1 across a month end', ['2026-01-31', 1], '2026-02-01'],
      ['+1 on 28 Feb of a leap year', ['2024-02-28', 1], '2024-02-29'],
      ['+1 across the year end', ['2025-12-31', 1], '2026-01-01'],
      ['-1 across the year start', ['2026-01-01', -1], '2025-12-31'],
      ['+365', ['2025-01-01', 365], '2026-01-01'],
    ];
    for (const [name, [date, n], expected] of rows) {
      it(`${name}: ${date} + ${n}d → ${expected}`, () => {
        expect(addDays(date, n)).to.equal(expected);
      });
    }
    it('parseDate is a UTC midnight and formatDate is its inverse', () => {
      expect(parseDate('2026-04-01').toISOString()).to.equal('2026-04-01T00:00:00.000Z');
      expect(formatDate(parseDate('2026-04-01'))).to.equal('2026-04-01');
    });
  });

  describe('todayInShanghai (Asia/Shanghai is UTC+8, no DST)', () => {
    const rows: [string, string, string][] = [
      ['late evening UTC is the next Shanghai date', '2026-03-31T16:30:00Z', '2026-04-01'],
      ['exactly midnight in Shanghai', '2026-03-31T16:00:00.000Z', '2026-04-01'],
      ['one millisecond before midnight in Shanghai', '2026-03-31T15:59:59.999Z', '2026-03-31'],
      ['UTC new year eve evening → new year in Shanghai', '2025-12-31T17:30:00Z', '2026-01-01'],
      ['UTC midnight is 08:00 the same date', '2026-11-02T00:00:00Z', '2026-11-02'],
      ['leap day', '2024-02-28T20:00:00Z', '2024-02-29'],
    ];
    const original = process.env.TZ;
    afterEach(() => {
      process.env.TZ = original;
    });
    for (const [name, instant, expected] of rows) {
      it(`${name}: ${instant} → ${expected}`, () => {
        expect(todayInShanghai(new Date(instant))).to.equal(expected);
      });
    }
    it('does not depend on the process time zone', () => {
      for (const tz of ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        expect(todayInShanghai(new Date('2026-03-31T16:30:00Z')), tz).to.equal('2026-04-01');
        expect(todayInShanghai(new Date('2026-03-31T15:30:00Z')), tz).to.equal('2026-03-31');
      }
    });
  });

  describe('published schedule known or not', () => {
    it('scheduleKnown(2024), (2025) and (2026) are true', () => {
      expect(scheduleKnown(2024)).to.equal(true);
      expect(scheduleKnown(2025)).to.equal(true);
      expect(scheduleKnown(2026)).to.equal(true);
    });

    it('a year with no published schedule (2031) counts the statutory holidays as days off, not weekdays only', () => {
      expect(scheduleKnown(2031)).to.equal(false);
      const rows: [string, string, boolean][] = [
        ['New Year (Wed) is a statutory holiday', '2031-01-01', false],
        ['Thursday after New Year', '2031-01-02', true],
        ['Saturday', '2031-01-04', false],
        ['Sunday', '2031-01-05', false],
        ['National Day (Wed)', '2031-10-01', false],
        ['National Day (Fri, third day)', '2031-10-03', false],
        ['Monday after National Day', '2031-10-06', true],
      ];
      for (const [name, date, expected] of rows) expect(isWorkday(date), `${name} ${date}`).to.equal(expected);
      expect(addWorkdays('2030-12-31', 1)).to.equal('2031-01-02');
      // 261 weekdays minus the statutory days that fall on weekdays in 2031
      const weekdayStatutory = statutoryHolidays(2031).filter((h) => ![0, 6].includes(parseDate(h.date).getUTCDay())).length;
      expect(workdaysBetween('2030-12-31', '2031-12-31')).to.equal(261 - weekdayStatutory);
    });

    it('warns once per year without a schedule', () => {
      const year = 2093; // a year no other test touches: the warning is given once per process
      const seen: Record<string, unknown>[] = [];
      const capture = new winston.transports.Stream({
        level: 'warn',
        stream: new Writable({
          objectMode: true,
          write(info: Record<string, unknown>, _enc, cb) {
            seen.push(info);
            cb();
          },
        }),
      });
      logger.add(capture);
      try {
        expect(isWorkday(`${year}-01-01`)).to.equal(false); // Thursday, 元旦
        expect(isWorkday(`${year}-01-02`)).to.equal(true); // Friday
        expect(isWorkday(`${year}-01-03`)).to.equal(false); // Saturday
        expect(addWorkdays(`${year}-03-02`, 10)).to.equal(`${year}-03-16`);
      } finally {
        logger.remove(capture);
      }
      const warnings = seen.filter((i) => i.level === 'warn' && i.year === year);
      expect(warnings).to.have.length(1);
      expect(String(warnings[0].message)).to.match(/statutory holidays.*provisional/);
    });
  });

  describe('statutoryHolidays: 《全国年节及纪念日放假办法》第二条 (国务院令第795号, from 2025)', () => {
    const rows: [number, Record<string, string[]>][] = [
      [
        2025,
        {
          元旦: ['2025-01-01'],
          春节: ['2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31'],
          清明节: ['2025-04-04'],
          劳动节: ['2025-05-01', '2025-05-02'],
          端午节: ['2025-05-31'],
          中秋节: ['2025-10-06'],
          国庆节: ['2025-10-01', '2025-10-02', '2025-10-03'],
        },
      ],
      [
        2026,
        {
          元旦: ['2026-01-01'],
          春节: ['2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19'],
          清明节: ['2026-04-05'],
          劳动节: ['2026-05-01', '2026-05-02'],
          端午节: ['2026-06-19'],
          中秋节: ['2026-09-25'],
          国庆节: ['2026-10-01', '2026-10-02', '2026-10-03'],
        },
      ],
      [
        2027,
        {
          元旦: ['2027-01-01'],
          春节: ['2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08'], // 除夕 = 腊月廿九 (the 12th month has 29 days)
          清明节: ['2027-04-05'],
          劳动节: ['2027-05-01', '2027-05-02'],
          端午节: ['2027-06-09'],
          中秋节: ['2027-09-15'],
          国庆节: ['2027-10-01', '2027-10-02', '2027-10-03'],
        },
      ],
      [
        2028,
        {
          元旦: ['2028-01-01'],
          春节: ['2028-01-25', '2028-01-26', '2028-01-27', '2028-01-28'],
          清明节: ['2028-04-04'],
          劳动节: ['2028-05-01', '2028-05-02'],
          端午节: ['2028-05-28'], // 2028 has a leap 5th month: 端午 is in the ordinary one
          国庆节: ['2028-10-01', '2028-10-02'],
          '中秋节、国庆节': ['2028-10-03'], // 中秋 on National Day: one day off, not two
        },
      ],
    ];
    for (const [year, expected] of rows) {
      it(`${year}: 13 days off (12 when two fall on one date), each with its article`, () => {
        const got: Record<string, string[]> = {};
        for (const h of statutoryHolidays(year)) (got[h.name] ??= []).push(h.date);
        expect(got).to.deep.equal(expected);
        for (const h of statutoryHolidays(year)) expect(h.article).to.match(/^第二条第（[一二三四五六七]）项/);
      });
    }
    for (const year of [2025, 2026]) {
      it(`${year}: every statutory day is a day off in the official schedule (domain.md)`, () => {
        const off = SCHEDULE[year].off.flatMap(expand);
        for (const h of statutoryHolidays(year)) expect(off, `${h.date} ${h.name}`).to.include(h.date);
      });
    }
    it('does not depend on the process time zone (the library formats solar terms with local getters)', () => {
      const original = process.env.TZ;
      try {
        for (const tz of ['UTC', 'America/Los_Angeles', 'Pacific/Honolulu', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
          process.env.TZ = tz;
          expect(statutoryHolidays(2027, { ...statutoryRules(), source: `tz ${tz}` }).map((h) => h.date), tz).to.deep.equal(
            ['2027-01-01', '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-04-05', '2027-05-01', '2027-05-02', '2027-06-09', '2027-09-15', '2027-10-01', '2027-10-02', '2027-10-03'],
          );
        }
      } finally {
        process.env.TZ = original;
      }
    });
  });

  describe('2027 before its schedule is loaded: statutory days off, provisional dates', () => {
    const rows: [string, [string, number], string, boolean][] = [
      ['decided 2026-12-24: skips 元旦 2027-01-01', ['2026-12-24', 7], '2027-01-05', true],
      ['decided 2026-12-21: ends 2026-12-30, all in 2026', ['2026-12-21', 7], '2026-12-30', false],
      ['decided 2026-12-22: ends 2026-12-31', ['2026-12-22', 7], '2026-12-31', false],
      ['decided 2026-12-23: first day counted in 2027 is 01-04', ['2026-12-23', 7], '2027-01-04', true],
      ['decided Thu 2027-02-04: skips 除夕 to 初三 (02-05..02-08)', ['2027-02-04', 1], '2027-02-09', true],
      ['decided 2027-04-02: skips 清明 Mon 04-05', ['2027-04-02', 1], '2027-04-06', true],
      ['decided 2027-06-08: skips 端午 Wed 06-09', ['2027-06-08', 1], '2027-06-10', true],
      ['decided 2027-09-14: skips 中秋 Wed 09-15', ['2027-09-14', 1], '2027-09-16', true],
      ['decided 2027-09-30: National Day 10-01 (Fri), weekend', ['2027-09-30', 1], '2027-10-04', true],
      ['n = 0 is the date itself, not provisional', ['2027-03-01', 0], '2027-03-01', false],
      ['entirely in 2026', ['2026-11-02', 7], '2026-11-11', false],
    ];
    for (const [name, [date, n], expected, provisional] of rows) {
      it(`${name}: ${date} + ${n} → ${expected}${provisional ? '（暂定）' : ''}`, () => {
        expect(addWorkdaysDetailed(date, n)).to.deep.equal({ date: expected, provisional });
        expect(addWorkdays(date, n)).to.equal(expected);
      });
    }
    it('yearCalendar says where each year comes from', () => {
      expect(yearCalendar(2026)).to.include({ basis: 'library', official: true, source: 'chinese-days' });
      expect(yearCalendar(2027)).to.include({ basis: 'statutory', official: false });
      expect(yearCalendar(2027).source).to.match(/全国年节及纪念日放假办法.*第二条.*暂定/);
    });
    it('provisionalPaths lists the paths of provisional dates, skipping missing ones', () => {
      expect(
        provisionalPaths([
          ['a', '2026-12-24', '2027-01-05'],
          ['b', '2026-11-02', '2026-11-11'],
          ['c', null, '2027-01-05'],
          ['d', '2026-12-24', undefined],
          ['e', '2026-12-31', '2026-12-31'],
        ]),
      ).to.deep.equal(['a']);
    });
  });

  describe('a loaded schedule (database) comes before config, the library and the statutory rule', () => {
    afterEach(() => setLoadedSchedules([]));
    it('a loaded 2027 makes its dates official and counts its own days off and 调休', () => {
      setLoadedSchedules([{ year: 2027, holidays: ['2027-01-01', '2027-01-02', '2027-01-03', '2027-01-04'], workdays: ['2027-01-09'], source: '测试通知' }]);
      expect(yearCalendar(2027)).to.deep.equal({ year: 2027, basis: 'loaded', official: true, source: '测试通知' });
      expect(isWorkday('2027-01-04')).to.equal(false);
      expect(isWorkday('2027-01-09')).to.equal(true); // a Saturday made a working day
      expect(isWorkday('2027-02-08')).to.equal(true); // only what the schedule says: 初三 is not off in this test schedule
      expect(addWorkdaysDetailed('2026-12-24', 7)).to.deep.equal({ date: '2027-01-06', provisional: false });
    });
    it('a loaded year replaces even the library’s official schedule', () => {
      setLoadedSchedules([{ year: 2026, holidays: ['2026-11-03'], workdays: [], source: '测试' }]);
      expect(isWorkday('2026-11-03')).to.equal(false);
      expect(isWorkday('2026-10-01')).to.equal(true);
      expect(yearCalendar(2026).basis).to.equal('loaded');
    });
    it('clearing the table brings the previous sources back', () => {
      setLoadedSchedules([]);
      expect(yearCalendar(2026).basis).to.equal('library');
      expect(isWorkday('2026-10-01')).to.equal(false);
      expect(yearCalendar(2027).basis).to.equal('statutory');
    });
  });

  describe('config/holidays.json overrides a whole year', () => {
    const originalDir = process.env.CONFIG_DIR;
    let dir: string;
    before(() => {
      const real = configDir();
      dir = mkdtempSync(join(tmpdir(), 'calendar-config-'));
      copyFileSync(join(real, 'credit-rules.json'), join(dir, 'credit-rules.json'));
      copyFileSync(join(real, 'statutory-holidays.json'), join(dir, 'statutory-holidays.json'));
      writeFileSync(
        join(dir, 'holidays.json'),
        JSON.stringify({
          $comment: 'test override',
          years: {
            '2027': { holidays: ['2027-01-01', '2027-02-05', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11'], workdays: ['2027-02-20'] },
            // a known year replaced entirely: National Day is then an ordinary weekday
            '2026': { holidays: ['2026-11-03'], workdays: [] },
            // holidays only, workdays defaulted by the schema
            '2029': { holidays: ['2029-01-01'] },
          },
        }),
      );
      clearConfigCache();
      process.env.CONFIG_DIR = dir;
    });
    after(() => {
      if (originalDir === undefined) delete process.env.CONFIG_DIR;
      else process.env.CONFIG_DIR = originalDir;
      clearConfigCache();
      rmSync(dir, { recursive: true, force: true });
    });

    const rows: [string, string, boolean][] = [
      ['2027 declared holiday (Fri)', '2027-01-01', false],
      ['2027 declared holiday (Mon)', '2027-02-08', false],
      ['2027 declared working Saturday', '2027-02-20', true],
      ['2027 undeclared Saturday', '2027-01-02', false],
      ['2027 undeclared Sunday', '2027-02-21', false],
      ['2027 undeclared weekday', '2027-02-12', true],
      ['2026 replaced: National Day is now a weekday', '2026-10-01', true],
      ['2026 replaced: former 调休 Saturday is a weekend again', '2026-10-10', false],
      ['2026 replaced: declared holiday', '2026-11-03', false],
      ['2029 with only holidays', '2029-01-01', false],
      ['2029 ordinary Tuesday', '2029-01-02', true],
    ];
    for (const [name, date, expected] of rows) {
      it(`${name}: ${date} → ${expected ? 'working day' : 'day off'}`, () => {
        expect(isWorkday(date)).to.equal(expected);
      });
    }
    it('an overridden year counts as known', () => {
      expect(scheduleKnown(2027)).to.equal(true);
      expect(scheduleKnown(2029)).to.equal(true);
      expect(scheduleKnown(2031)).to.equal(false);
    });
    it('addWorkdays follows the override', () => {
      // Thu 2027-02-04 → skip 05 (holiday), 06/07 weekend, 08–11 holidays: 12 Fri (1), 15 (2) … 19 (6), 20 Sat (7)
      expect(addWorkdays('2027-02-04', 7)).to.equal('2027-02-20');
      expect(addWorkdays('2026-11-02', 7)).to.equal('2026-11-12');
    });
    it('the library schedule is back once CONFIG_DIR is restored', () => {
      const current = process.env.CONFIG_DIR;
      try {
        if (originalDir === undefined) delete process.env.CONFIG_DIR;
        else process.env.CONFIG_DIR = originalDir;
        clearConfigCache();
        expect(isWorkday('2026-10-01')).to.equal(false);
        expect(isWorkday('2026-10-10')).to.equal(true);
      } finally {
        process.env.CONFIG_DIR = current;
        clearConfigCache();
      }
    });
  });
});

import { isDuplicateKey } from '../../db/errors.js';
import { CalendarYearModel, type CalendarYearDoc } from './model.js';
import { scheduleProblems } from './rules.js';
import {
  addDays,
  configuredYears,
  isWorkday,
  parseDate,
  setLoadedSchedules,
  statutoryHolidays,
  todayInShanghai,
  yearCalendar,
  type LegalDate,
  type YearSchedule,
} from '../../lib/calendar.js';
import { logger } from '../../lib/logger.js';
import { AppError } from '../../http/errors.js';
import { recordAudit } from '../audit/index.js';
import { recomputePublicityDeadlines } from '../records/index.js';
import { recomputeRepairDueDates } from '../repair/index.js';
import { recomputeCaseDeadlines } from '../dishonesty/index.js';
import type { Principal } from '../auth/index.js';

export interface CalendarContext {
  principal: Pick<Principal, 'id' | 'name' | 'roles'>;
  ip?: string;
}

/** Reads every loaded schedule into the in-memory table the working-day functions use (src/lib/calendar.ts). */
export async function refreshSchedules(): Promise<number> {
  const docs = (await CalendarYearModel.find({}).lean()) as CalendarYearDoc[];
  setLoadedSchedules(docs.map((d) => ({ year: d._id, holidays: d.holidays, workdays: d.workdays, source: d.source })));
  return docs.length;
}

/**
 * Keeps this instance's table in step with the database: several instances share one database, and a
 * schedule loaded through another one reaches this one within `intervalMs` (jobs also refresh before
 * each run). Returns a stop function.
 */
export function startCalendarRefresh(intervalMs: number): () => void {
  const timer = setInterval(() => {
    refreshSchedules().catch((err: unknown) => logger.warn('holiday schedule refresh failed', { err }));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

export interface RecomputeReport {
  from: LegalDate;
  records: { scanned: number; changed: number };
  repairs: { scanned: number; changed: number };
  dishonestyCases: { scanned: number; changed: number };
}

export type RecomputeProgress = (stage: keyof Omit<RecomputeReport, 'from'>, counts: { scanned: number; changed: number }, done: boolean) => void;

/**
 * Recomputes every stored working-day deadline falling on or after `from` with the current calendar:
 * 双公示 deadlines of records, repair time limits, objection periods and early-removal decision limits of
 * dishonesty cases. Overdue flags are derived from these dates when read. Audited with its counts.
 */
export async function recomputeDeadlines(from: LegalDate, ctx: CalendarContext, progress: RecomputeProgress = () => {}): Promise<RecomputeReport> {
  await refreshSchedules();
  const step = (stage: keyof Omit<RecomputeReport, 'from'>) => (c: { scanned: number; changed: number }) => {
    logger.info('recomputing working-day deadlines', { stage, from, ...c });
    progress(stage, c, false);
  };
  const records = await recomputePublicityDeadlines(from, step('records'));
  progress('records', records, true);
  const repairs = await recomputeRepairDueDates(from, step('repairs'));
  progress('repairs', repairs, true);
  const dishonestyCases = await recomputeCaseDeadlines(from, step('dishonestyCases'));
  progress('dishonestyCases', dishonestyCases, true);
  const report: RecomputeReport = { from, records, repairs, dishonestyCases };
  await recordAudit({ action: 'calendar.recompute', resource: 'calendarYear', resourceId: from.slice(0, 4), principal: ctx.principal, ip: ctx.ip, detail: report });
  logger.info('working-day deadlines recomputed', { ...report });
  return report;
}

/** Validates a year's schedule; throws one 400 listing every problem with its field path. */
export function assertValidSchedule(year: number, s: YearSchedule): void {
  const problems = scheduleProblems(year, s);
  if (problems.length) throw AppError.validation(problems, '放假安排校验失败');
}

/**
 * An administrator loads a year's official schedule (holidays and 调休 working weekends): stored,
 * audited, taken into this instance's calendar at once, then every stored deadline from the year's
 * first day on is recomputed.
 */
export async function loadSchedule(year: number, body: YearSchedule & { source: string }, ctx: CalendarContext, progress?: RecomputeProgress) {
  const schedule = { holidays: [...body.holidays].sort(), workdays: [...body.workdays].sort() };
  assertValidSchedule(year, schedule);
  const before = (await CalendarYearModel.findById(year).lean()) as CalendarYearDoc | null;
  const doc: CalendarYearDoc = {
    _id: year,
    ...schedule,
    source: body.source,
    loadedBy: ctx.principal.id,
    loadedByName: ctx.principal.name,
    loadedAt: new Date(),
    revision: (before?.revision ?? 0) + 1,
  };
  // Conditioned on the revision read: of two administrators loading the same year at once, the second is told.
  const conflict = () => AppError.conflict(`${year} 年放假安排已被他人更新，请刷新后重试`);
  if (before) {
    if ((await CalendarYearModel.replaceOne({ _id: year, revision: before.revision }, doc)).matchedCount === 0) throw conflict();
  } else {
    try {
      await CalendarYearModel.create(doc);
    } catch (err) {
      if (isDuplicateKey(err)) throw conflict();
      throw err;
    }
  }
  await recordAudit({
    action: 'calendar.load',
    resource: 'calendarYear',
    resourceId: String(year),
    principal: ctx.principal,
    ip: ctx.ip,
    before: before ? { holidays: before.holidays, workdays: before.workdays, source: before.source, revision: before.revision } : null,
    after: { holidays: doc.holidays, workdays: doc.workdays, source: doc.source, revision: doc.revision },
  });
  logger.info('holiday schedule loaded', { year, source: doc.source, holidays: doc.holidays.length, workdays: doc.workdays.length, by: ctx.principal.id });
  const recompute = await recomputeDeadlines(`${year}-01-01`, ctx, progress);
  return { ...(await getYear(year)), recompute };
}

function summary(year: number, doc: CalendarYearDoc | undefined) {
  const info = yearCalendar(year);
  return { ...info, loadedAt: doc?.loadedAt ?? null, loadedBy: doc?.loadedByName ?? null, revision: doc?.revision ?? 0 };
}

/** The years around today and every year with a loaded or configured schedule, each official or provisional. */
export async function listYears(today: LegalDate = todayInShanghai()) {
  await refreshSchedules();
  const docs = (await CalendarYearModel.find({}).lean()) as CalendarYearDoc[];
  const thisYear = Number(today.slice(0, 4));
  const years = new Set<number>([thisYear - 1, thisYear, thisYear + 1, ...docs.map((d) => d._id), ...configuredYears()]);
  return { items: [...years].sort((a, b) => a - b).map((y) => summary(y, docs.find((d) => d._id === y))) };
}

/** One year: where its days come from, its days off on weekdays and working weekends, and its statutory holidays. */
export async function getYear(year: number) {
  const doc = ((await CalendarYearModel.findById(year).lean()) as CalendarYearDoc | null) ?? undefined;
  const daysOff: LegalDate[] = [];
  const workingWeekends: LegalDate[] = [];
  let workdays = 0;
  for (let d = `${year}-01-01`; d.startsWith(String(year)); d = addDays(d, 1)) {
    const weekend = [0, 6].includes(parseDate(d).getUTCDay());
    const work = isWorkday(d);
    if (work) workdays++;
    if (!weekend && !work) daysOff.push(d);
    if (weekend && work) workingWeekends.push(d);
  }
  return {
    ...summary(year, doc),
    schedule: doc ? { holidays: doc.holidays, workdays: doc.workdays } : null,
    daysOff,
    workingWeekends,
    workdays,
    statutory: statutoryHolidays(year),
  };
}

import { catchUpTally, defineTally, readTally, type TallyRow } from '../../db/tally.js';
import { RecordModel } from '../records/index.js';
import { platformIds } from './platforms.js';
import type { DeliveryState } from './outbox.js';
import { todayInShanghai } from '../../lib/calendar.js';

/** States of a version not yet accepted by a platform (counted as overdue once its publicityDeadline passed). */
export const UNDELIVERED: readonly string[] = ['pending', 'inflight', 'failed', 'rejected'];

/** States of a version waiting in the queue (the queue's age is the oldest of these). */
const QUEUED: readonly string[] = ['pending', 'inflight'];

/** The hour (UTC, ISO up to the hour) a version started waiting: the queue summaries' granularity. */
const hourOf = (d: Date) => d.toISOString().slice(0, 13);

interface RecordFacts {
  authorityUscc: string;
  updatedAt?: Date;
  districtCode?: string;
  decisionDate: string;
  data?: { authorityName?: unknown };
  derived?: { publicityDeadline?: string };
  delivery?: Record<string, DeliveryState | undefined>;
}

/**
 * Summaries of the records' delivery, kept with each write (see db/tally.ts): the dashboard's delivery
 * status and 及时率 read these instead of the records.
 *  - delivery: per platform, state and district, and whether the platform rejected the version after review.
 *  - overdue: an undelivered version by its publicityDeadline, twice: per deadline month (overdueMonth:
 *    months before the current one are read whole) and per day within its month (overdueDay: only the
 *    current month's days are read), so a read stays small however many versions wait.
 *  - timeliness (及时率): per decision month, deciding authority, platform and district, whether the first
 *    delivery came by the publicityDeadline (onTime / late) or has not come yet (open). An open version is
 *    keyed by its deadline only while that deadline is today or later (it may still come on time); once the
 *    deadline has passed it can only be late, and all such versions share one key (deadline ''), so a month
 *    long past holds a few rows per authority and district, not one per deadline day. The key thus depends
 *    on the day: the nightly recount finds the versions whose deadline passed since they were keyed (their
 *    keys disagree with their content) and marks them for the sweep to move; until then a reader counts an
 *    open row whose deadline is before today as late, which is what the moved key says too.
 */
export const recordSummaries = defineTally<RecordFacts>({
  name: 'records',
  collection: () => RecordModel.collection,
  projection: { authorityUscc: 1, districtCode: 1, decisionDate: 1, updatedAt: 1, 'data.authorityName': 1, 'derived.publicityDeadline': 1, delivery: 1 },
  families: {
    delivery: ['platform', 'state', 'district', 'review'],
    overdueMonth: ['platform', 'district', 'month'],
    overdueDay: ['month', 'platform', 'district', 'deadline'],
    queue: ['platform', 'state', 'district', 'hour'],
    timeliness: ['month', 'authority', 'platform', 'district', 'outcome', 'deadline'],
  },
  keysOf(r) {
    const district = r.districtCode ?? '';
    const today = todayInShanghai();
    const deadline = String(r.derived?.publicityDeadline ?? '');
    const keys = [];
    for (const p of platformIds()) {
      const st = r.delivery?.[p];
      if (!st) continue;
      keys.push({ family: 'delivery', values: [p, st.state, district, st.review?.status === 'rejected' ? 'rejected' : ''] });
      if (QUEUED.includes(st.state) && r.updatedAt) keys.push({ family: 'queue', values: [p, st.state, district, hourOf(new Date(r.updatedAt))] });
      if (UNDELIVERED.includes(st.state) && deadline) {
        keys.push({ family: 'overdueMonth', values: [p, district, deadline.slice(0, 7)] }, { family: 'overdueDay', values: [deadline.slice(0, 7), p, district, deadline] });
      }
      if (st.state === 'skipped') continue;
      const first = st.firstDeliveredAt ? todayInShanghai(new Date(st.firstDeliveredAt)) : null;
      const outcome = first ? (first <= deadline ? 'onTime' : 'late') : 'open';
      keys.push({
        family: 'timeliness',
        values: [r.decisionDate.slice(0, 7), r.authorityUscc, p, district, outcome, outcome === 'open' && deadline >= today ? deadline : ''],
        labels: { authorityName: String(r.data?.authorityName ?? '') },
      });
    }
    return keys;
  },
});

/** Undelivered versions whose publicityDeadline is before `today`, per platform and district. */
export async function overdueSummaries(today: string, caughtUp?: boolean): Promise<{ rows: { platform: string; district: string; n: number }[]; months: TallyRow[]; upToDate: boolean }> {
  const month = today.slice(0, 7);
  const [months, days] = await Promise.all([readTally('records', 'overdueMonth', { caughtUp }), readTally('records', 'overdueDay', { part: month, caughtUp })]);
  const rows = [
    ...months.rows.filter((r) => r.dims.month < month).map((r) => ({ platform: r.dims.platform, district: r.dims.district, n: r.n })),
    ...days.rows.filter((r) => r.dims.deadline < today).map((r) => ({ platform: r.dims.platform, district: r.dims.district, n: r.n })),
  ];
  return { rows, months: months.rows, upToDate: months.upToDate && days.upToDate };
}

export async function deliverySummaries(caughtUp?: boolean): Promise<{ rows: TallyRow[]; upToDate: boolean }> {
  return readTally('records', 'delivery', { caughtUp });
}
export async function timelinessSummaries(month: string): Promise<{ rows: TallyRow[]; upToDate: boolean }> {
  return readTally('records', 'timeliness', { part: month });
}

/**
 * The oldest version waiting for `platform` in one of `states` (its record's `updatedAt`), among districts
 * `visible`: the queue summaries give the oldest hour, then an indexed range read within that hour finds the
 * version.
 */
export async function oldestWaiting(platform: string, states: readonly string[], visible: (district: string) => boolean, scope: Record<string, unknown> = {}, caughtUp?: boolean): Promise<Date | null> {
  const { rows } = await readTally('records', 'queue', { part: platform, caughtUp });
  const hours = [...new Set(rows.filter((r) => states.includes(r.dims.state) && visible(r.dims.district)).map((r) => r.dims.hour))].sort();
  for (const hour of hours) {
    const from = new Date(`${hour}:00:00.000Z`);
    const doc = await RecordModel.findOne(
      { $and: [scope, { updatedAt: { $gte: from, $lt: new Date(from.getTime() + 3_600_000) } }, { [`delivery.${platform}.state`]: { $in: states } }] },
      { updatedAt: 1 },
    )
      .sort({ updatedAt: 1 })
      .lean();
    if (doc) return doc.updatedAt;
  }
  return null;
}

/**
 * The days (publicityDeadline) before `today` on which versions still undelivered to one of `platforms` were
 * due, oldest first, with how many per platform, among districts `visible`: read from the overdue summaries
 * month by month, so a caller listing the most overdue versions knows how many days it needs to read.
 */
export async function* overdueDays(
  platforms: readonly string[],
  today: string,
  visible: (district: string) => boolean,
  caughtUp?: boolean,
  /** The overdueMonth summaries when the caller has read them already (overdueSummaries' `months`). */
  monthRows?: TallyRow[],
): AsyncGenerator<{ day: string; counts: Map<string, number> }> {
  const mine = (r: TallyRow) => platforms.includes(r.dims.platform) && visible(r.dims.district);
  const rows = monthRows ?? (await readTally('records', 'overdueMonth', { caughtUp })).rows;
  const months = [...new Set(rows.filter((r) => mine(r) && r.dims.month <= today.slice(0, 7)).map((r) => r.dims.month))].sort();
  for (const month of months) {
    const days = new Map<string, Map<string, number>>();
    for (const r of (await readTally('records', 'overdueDay', { part: month, caughtUp })).rows) {
      if (!mine(r) || r.dims.deadline >= today) continue;
      const counts = days.get(r.dims.deadline) ?? new Map<string, number>();
      counts.set(r.dims.platform, (counts.get(r.dims.platform) ?? 0) + r.n);
      days.set(r.dims.deadline, counts);
    }
    for (const day of [...days.keys()].sort()) yield { day, counts: days.get(day)! };
  }
}

/** Applies the records' pending changes to their summaries once, for a reader of several families. */
export const catchUpRecords = (): Promise<boolean> => catchUpTally('records');

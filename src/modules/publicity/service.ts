import mongoose from 'mongoose';
import { RecordModel, type RecordDoc } from '../records/index.js';
import { platformConfigs, platformIds } from './platforms.js';
import { DeliveryAttemptModel } from './model.js';
import { DELIVERY_STATES } from './outbox.js';
import { DeliveryEngine } from './engine.js';
import { createAdapter } from './adapters/index.js';
import { todayInShanghai } from '../../lib/calendar.js';
import { inScope, scopeFilter, type Principal } from '../auth/index.js';
import type { TallyRow } from '../../db/tally.js';
import { UNDELIVERED, catchUpRecords, deliverySummaries, oldestWaiting, overdueDays, overdueSummaries, timelinessSummaries } from './summaries.js';

/** The process's engine over the configured platforms (config/platforms.json + env). */
let engine: DeliveryEngine | undefined;
export function getEngine(): DeliveryEngine {
  engine ??= new DeliveryEngine({ platforms: platformConfigs().map((config) => ({ config, adapter: createAdapter(config) })) });
  return engine;
}
export function setEngine(e: DeliveryEngine | undefined): void {
  engine?.shutdown();
  engine = e;
}

/**
 * Delivery health: per platform and state counts and the overdue count (from the delivery summaries, kept
 * with each write), the overdue, failed and rejected (also after review) versions (indexed queries, at most
 * `listLimit` each) and the queue age.
 */
export async function deliveryStatus(principal: Principal, today = todayInShanghai(), listLimit = 100) {
  const scope = scopeFilter(principal, { uscc: 'uscc', district: 'districtCode' });
  const visible = (district: string) => inScope(principal, district);
  const caughtUp = await catchUpRecords();
  const [summary, overdue] = await Promise.all([deliverySummaries(caughtUp), overdueSummaries(today, caughtUp)]);
  const rows = summary.rows.filter((r) => visible(r.dims.district));
  const tallies = platformIds().map((p) => {
    const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<string, number>;
    let rejectedAfterReview = 0;
    for (const r of rows) {
      if (r.dims.platform !== p) continue;
      counts[r.dims.state] = (counts[r.dims.state] ?? 0) + r.n;
      if (r.dims.review === 'rejected') rejectedAfterReview += r.n;
    }
    const overdueCount = overdue.rows.filter((r) => r.platform === p && visible(r.district)).reduce((n, r) => n + r.n, 0);
    return { platform: p, counts, rejectedAfterReview, overdueCount };
  });
  const list = async (p: string, filter: Record<string, unknown>) =>
    (await RecordModel.find({ $and: [filter, scope] }, LIST_FIELDS).limit(listLimit).lean()).map((r) => listItem(r, p));
  // A list is read only when it has entries and the caller wants lists (limit 0: counts only; a query's
  // limit(0) would mean "no limit", so it is never sent).
  const wanted = (n: number) => listLimit > 0 && n > 0;
  const none = Promise.resolve([]);
  // Everything is read side by side: the overdue lists of all platforms in one pass (a version late for one
  // platform is usually late for all), each platform's other lists and its queue age.
  const [overdueItems, platforms] = await Promise.all([
    overdueLists(tallies.filter((t) => wanted(t.overdueCount)).map((t) => t.platform), today, visible, scope, listLimit, caughtUp, overdue.months),
    Promise.all(
      tallies.map(async ({ platform: p, counts, rejectedAfterReview, overdueCount }) => {
        const d = `delivery.${p}`;
        const [oldest, failed, rejected, rejectedAfterReviewItems] = await Promise.all([
          oldestWaiting(p, ['pending'], visible, scope, caughtUp),
          wanted(counts.failed) ? list(p, { [`${d}.state`]: 'failed' }) : none,
          wanted(counts.rejected) ? list(p, { [`${d}.state`]: 'rejected' }) : none,
          wanted(rejectedAfterReview) ? list(p, { [`${d}.review.status`]: 'rejected' }) : none,
        ]);
        return { platform: p, counts, overdueCount, failed, rejected, rejectedAfterReview: rejectedAfterReviewItems, oldest };
      }),
    ),
  ]);
  return {
    today,
    upToDate: summary.upToDate && overdue.upToDate,
    platforms: platforms.map(({ oldest, ...x }) => ({
      platform: x.platform,
      circuit: engine?.circuitState(x.platform) ?? 'closed',
      counts: x.counts,
      overdueCount: x.overdueCount,
      overdue: overdueItems.get(x.platform) ?? [],
      failed: x.failed,
      rejected: x.rejected,
      rejectedAfterReview: x.rejectedAfterReview,
      oldestPendingSince: oldest,
      queueAgeSeconds: oldest ? Math.round((Date.now() - oldest.getTime()) / 1000) : 0,
    })),
  };
}

/** The fields a delivery-status list shows, read with every platform's delivery state. */
const LIST_FIELDS = { kind: 1, decisionNumber: 1, subjectName: 1, authorityUscc: 1, 'derived.publicityDeadline': 1, delivery: 1 };
type ListedRecord = Pick<RecordDoc, 'kind' | 'decisionNumber' | 'subjectName'> & { _id: unknown; derived?: { publicityDeadline?: string | null }; delivery?: RecordDoc['delivery'] };
const listItem = (r: ListedRecord, p: string) => ({
  id: String(r._id),
  kind: r.kind,
  decisionNumber: r.decisionNumber,
  subjectName: r.subjectName,
  publicityDeadline: r.derived?.publicityDeadline ?? null,
  state: r.delivery?.[p]?.state,
  version: r.delivery?.[p]?.version,
  attempts: r.delivery?.[p]?.attempts,
  lastError: r.delivery?.[p]?.lastError ?? null,
  review: r.delivery?.[p]?.review ?? null,
});

/**
 * The most overdue versions of each of `platforms` first (by publicityDeadline, then id), up to `limit`
 * each. The overdue summaries say how many versions wait per day and platform, so the reads are few and
 * read no version the lists do not show (each one decodes whole records):
 *  - the days whose versions all fit in the lists are read together (one indexed `$in` read);
 *  - the day that would overflow a list is read in id order with a limit (the database sorts that day's
 *    rows by id and stops at the limit), continuing after the last id read while a list still has room.
 * Days the summaries do not know yet (a moment behind) are not listed until they do.
 */
async function overdueLists(platforms: string[], today: string, visible: (district: string) => boolean, scope: Record<string, unknown>, limit: number, caughtUp: boolean, monthRows: TallyRow[]) {
  const out = new Map<string, ReturnType<typeof listItem>[]>(platforms.map((p) => [p, []]));
  const room = (p: string) => limit - out.get(p)!.length;
  const late = () => platforms.filter((p) => room(p) > 0);
  const take = (found: ListedRecord[], among: string[]) => {
    for (const r of found) for (const p of among) if (room(p) > 0 && UNDELIVERED.includes(r.delivery?.[p]?.state ?? '')) out.get(p)!.push(listItem(r, p));
  };
  const query = (days: string[], among: string[]) =>
    RecordModel.find({ $and: [{ 'derived.publicityDeadline': { $in: days }, $or: among.map((p) => ({ [`delivery.${p}.state`]: { $in: UNDELIVERED } })) }, scope] }, LIST_FIELDS);
  let whole: string[] = [];
  const expected = new Map<string, number>();
  const readWhole = async () => {
    if (!whole.length) return;
    const among = late();
    const found = (await query(whole, among).lean()) as ListedRecord[];
    const deadline = (r: ListedRecord) => r.derived?.publicityDeadline ?? '';
    take(found.sort((x, y) => deadline(x).localeCompare(deadline(y)) || String(x._id).localeCompare(String(y._id))), among);
    whole = [];
    expected.clear();
  };
  const readPart = async (day: string) => {
    for (let after: unknown = null; ; ) {
      const among = late();
      const want = Math.max(0, ...among.map(room));
      if (want === 0) return;
      const q = query([day], among);
      if (after !== null) q.where('_id').gt(after as never);
      const found = (await q.sort({ _id: 1 }).limit(want).lean()) as ListedRecord[];
      take(found, among);
      if (found.length < want) return;
      after = found[found.length - 1]._id;
    }
  };
  if (platforms.length === 0) return out;
  for await (const { day, counts } of overdueDays(platforms, today, visible, caughtUp, monthRows)) {
    const fits = late().every((p) => (expected.get(p) ?? 0) + (counts.get(p) ?? 0) <= room(p));
    if (fits) {
      whole.push(day);
      for (const [p, n] of counts) expected.set(p, (expected.get(p) ?? 0) + n);
      continue;
    }
    await readWhole();
    await readPart(day);
    if (late().length === 0) return out;
  }
  await readWhole();
  return out;
}

/**
 * 及时率 of one month (by decision date; the current month, Asia/Shanghai, when none is given): of the
 * published records decided in the month, the share first delivered to each platform by its
 * publicityDeadline, per deciding authority and platform. Read from the timeliness summaries.
 */
export async function timeliness(monthOrNone: string | undefined, principal: Principal, today = todayInShanghai()) {
  const month = monthOrNone ?? today.slice(0, 7);
  const summary = await timelinessSummaries(month);
  const rows = new Map<string, { authorityUscc: string; authorityName: string; platform: string; total: number; onTime: number; late: number; notYetDue: number }>();
  for (const s of summary.rows) {
    if (!inScope(principal, s.dims.district)) continue;
    const key = `${s.dims.authority}\u0000${s.dims.platform}`;
    let row = rows.get(key);
    if (!row) {
      row = { authorityUscc: s.dims.authority, authorityName: s.labels?.authorityName ?? '', platform: s.dims.platform, total: 0, onTime: 0, late: 0, notYetDue: 0 };
      rows.set(key, row);
    }
    if (!row.authorityName && s.labels?.authorityName) row.authorityName = s.labels.authorityName;
    if (s.dims.outcome === 'onTime') row.onTime += s.n;
    else if (s.dims.outcome === 'open' && today <= s.dims.deadline) row.notYetDue += s.n;
    else row.late += s.n;
    row.total += s.n;
  }
  const items = [...rows.values()]
    .sort((a, b) => a.authorityUscc.localeCompare(b.authorityUscc) || a.platform.localeCompare(b.platform))
    .map((r) => {
      const decided = r.onTime + r.late;
      return { ...r, rate: decided ? Math.round((r.onTime / decided) * 10000) / 10000 : null };
    });
  return { month, upToDate: summary.upToDate, items };
}

/** Every delivery attempt of one record, oldest first. */
export async function deliveriesOf(recordId: string) {
  const items = await DeliveryAttemptModel.find({ recordId: new mongoose.Types.ObjectId(recordId) }).sort({ at: 1, _id: 1 }).lean();
  return {
    items: items.map((a) => ({
      platform: a.platform,
      version: a.version,
      op: a.op,
      batchId: a.batchId,
      at: a.at,
      ms: a.ms,
      outcome: a.outcome,
      receiptId: a.receiptId ?? null,
      error: a.error ?? null,
    })),
  };
}

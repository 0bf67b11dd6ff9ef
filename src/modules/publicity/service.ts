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
 * The most overdue versions of each of `platforms` first, up to `limit` each. The overdue summaries say how
 * many versions wait per day and platform, so the days that fill every list are read together: one indexed
 * read (`derived.publicityDeadline` $in those days) shared by the platforms, then the next days only if a list
 * is still short (summaries a moment behind).
 */
async function overdueLists(platforms: string[], today: string, visible: (district: string) => boolean, scope: Record<string, unknown>, limit: number, caughtUp: boolean, monthRows: TallyRow[]) {
  const out = new Map<string, ReturnType<typeof listItem>[]>(platforms.map((p) => [p, []]));
  const room = (p: string) => limit - out.get(p)!.length;
  let days: string[] = [];
  const expected = new Map<string, number>();
  const read = async () => {
    const late = platforms.filter((p) => room(p) > 0);
    const filter = { 'derived.publicityDeadline': { $in: days }, $or: late.map((p) => ({ [`delivery.${p}.state`]: { $in: UNDELIVERED } })) };
    const found = (await RecordModel.find({ $and: [filter, scope] }, LIST_FIELDS).lean()) as ListedRecord[];
    const deadline = (r: ListedRecord) => r.derived?.publicityDeadline ?? '';
    found.sort((x, y) => deadline(x).localeCompare(deadline(y)) || String(x._id).localeCompare(String(y._id)));
    for (const r of found) for (const p of late) if (room(p) > 0 && UNDELIVERED.includes(r.delivery?.[p]?.state ?? '')) out.get(p)!.push(listItem(r, p));
    days = [];
    expected.clear();
  };
  if (platforms.length === 0) return out;
  for await (const { day, counts } of overdueDays(platforms, today, visible, caughtUp, monthRows)) {
    days.push(day);
    for (const [p, n] of counts) expected.set(p, (expected.get(p) ?? 0) + n);
    if (platforms.every((p) => (expected.get(p) ?? 0) >= room(p))) {
      await read();
      if (platforms.every((p) => room(p) <= 0)) return out;
    }
  }
  if (days.length) await read();
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

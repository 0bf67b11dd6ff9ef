import mongoose from 'mongoose';
import { RecordModel } from '../records/index.js';
import { platformConfigs, platformIds } from './platforms.js';
import { DeliveryAttemptModel } from './model.js';
import { DELIVERY_STATES } from './outbox.js';
import { DeliveryEngine } from './engine.js';
import { createAdapter } from './adapters/index.js';
import { todayInShanghai } from '../../lib/calendar.js';
import { inScope, scopeFilter, type Principal } from '../auth/index.js';
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
  const caughtUp = await catchUpRecords();
  const [summary, overdue] = await Promise.all([deliverySummaries(caughtUp), overdueSummaries(today, caughtUp)]);
  const rows = summary.rows.filter((r) => inScope(principal, r.dims.district));
  // The platforms, and each platform's lists, are read side by side: the answer waits for the slowest read only.
  const platforms = await Promise.all(
    platformIds().map(async (p) => {
    const d = `delivery.${p}`;
    const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<string, number>;
    let rejectedAfterReview = 0;
    for (const r of rows) {
      if (r.dims.platform !== p) continue;
      counts[r.dims.state] = (counts[r.dims.state] ?? 0) + r.n;
      if (r.dims.review === 'rejected') rejectedAfterReview += r.n;
    }
    const overdueCount = overdue.rows.filter((r) => r.platform === p && inScope(principal, r.district)).reduce((n, r) => n + r.n, 0);
    const list = async (filter: Record<string, unknown>, limit = listLimit) =>
      (await RecordModel.find({ $and: [filter, scope] }, { kind: 1, decisionNumber: 1, subjectName: 1, authorityUscc: 1, 'derived.publicityDeadline': 1, [d]: 1 }).limit(limit).lean()).map((r) => ({
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
      }));
    const none = Promise.resolve([]);
    // A list is read only when it has entries and the caller wants lists (limit 0: counts only; a query's
    // limit(0) would mean "no limit", so it is never sent).
    const wanted = (n: number) => listLimit > 0 && n > 0;
    const [oldest, overdueItems, failed, rejected, rejectedAfterReviewItems] = await Promise.all([
      oldestWaiting(p, ['pending'], (district) => inScope(principal, district), scope, caughtUp),
      wanted(overdueCount) ? overdueList(p, today, principal, list, listLimit, caughtUp) : none,
      wanted(counts.failed) ? list({ [`${d}.state`]: 'failed' }) : none,
      wanted(counts.rejected) ? list({ [`${d}.state`]: 'rejected' }) : none,
      wanted(rejectedAfterReview) ? list({ [`${d}.review.status`]: 'rejected' }) : none,
    ]);
    return {
      platform: p,
      circuit: engine?.circuitState(p) ?? 'closed',
      counts,
      overdueCount,
      overdue: overdueItems,
      failed,
      rejected,
      rejectedAfterReview: rejectedAfterReviewItems,
      oldestPendingSince: oldest,
      queueAgeSeconds: oldest ? Math.round((Date.now() - oldest.getTime()) / 1000) : 0,
    };
    }),
  );
  return { today, upToDate: summary.upToDate && overdue.upToDate, platforms };
}

/** The most overdue versions first: one indexed read per overdue day (the summaries say which days), up to `limit`. */
async function overdueList<T>(platform: string, today: string, principal: Principal, list: (filter: Record<string, unknown>, limit: number) => Promise<T[]>, limit: number, caughtUp: boolean): Promise<T[]> {
  const out: T[] = [];
  for await (const day of overdueDays(platform, today, (district) => inScope(principal, district), caughtUp)) {
    out.push(...(await list({ 'derived.publicityDeadline': day, [`delivery.${platform}.state`]: { $in: UNDELIVERED } }, limit - out.length)));
    if (out.length >= limit) break;
  }
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

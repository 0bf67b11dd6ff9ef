import mongoose from 'mongoose';
import { RecordModel } from '../records/index.js';
import { platformConfigs, platformIds } from './platforms.js';
import { DeliveryAttemptModel } from './model.js';
import { DELIVERY_STATES } from './outbox.js';
import { DeliveryEngine } from './engine.js';
import { createAdapter } from './adapters/index.js';
import { todayInShanghai } from '../../lib/calendar.js';
import { scopeFilter, type Principal } from '../auth/index.js';

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

const UNDELIVERED = ['pending', 'inflight', 'failed', 'rejected'];

function shanghaiDate(d: Date | null | undefined): string | null {
  return d ? todayInShanghai(d) : null;
}

/** Delivery health: per platform and state counts, overdue, failed, rejected (also after review), queue age. */
export async function deliveryStatus(principal: Principal, today = todayInShanghai(), listLimit = 100) {
  const scope = scopeFilter(principal, { uscc: 'uscc', district: 'districtCode' });
  const platforms = [];
  for (const p of platformIds()) {
    const d = `delivery.${p}`;
    const groups = await RecordModel.aggregate<{ _id: string; n: number }>([{ $match: scope }, { $group: { _id: `$${d}.state`, n: { $sum: 1 } } }]);
    const counts = Object.fromEntries(DELIVERY_STATES.map((s) => [s, 0])) as Record<string, number>;
    for (const g of groups) if (g._id) counts[g._id] = g.n;
    const oldest = await RecordModel.findOne({ $and: [scope, { [`${d}.state`]: 'pending' }] }, { updatedAt: 1 }).sort({ updatedAt: 1 }).lean();
    const overdueFilter = { $and: [scope, { [`${d}.state`]: { $in: UNDELIVERED }, 'derived.publicityDeadline': { $lt: today } }] };
    const list = async (filter: Record<string, unknown>) =>
      (await RecordModel.find(filter, { kind: 1, decisionNumber: 1, subjectName: 1, authorityUscc: 1, 'derived.publicityDeadline': 1, [d]: 1 }).limit(listLimit).lean()).map((r) => ({
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
    platforms.push({
      platform: p,
      circuit: engine?.circuitState(p) ?? 'closed',
      counts,
      overdueCount: await RecordModel.countDocuments(overdueFilter),
      overdue: await list(overdueFilter),
      failed: await list({ $and: [scope, { [`${d}.state`]: 'failed' }] }),
      rejected: await list({ $and: [scope, { [`${d}.state`]: 'rejected' }] }),
      rejectedAfterReview: await list({ $and: [scope, { [`${d}.review.status`]: 'rejected' }] }),
      oldestPendingSince: oldest?.updatedAt ?? null,
      queueAgeSeconds: oldest ? Math.round((Date.now() - new Date(oldest.updatedAt).getTime()) / 1000) : 0,
    });
  }
  return { today, platforms };
}

/**
 * 及时率: of the published records decided in the month, the share first delivered to each platform
 * by its publicityDeadline, per deciding authority and platform. Computed over a cursor.
 */
/** 及时率 of one month (by decision date); the current month (Asia/Shanghai) when none is given. */
export async function timeliness(monthOrNone: string | undefined, principal: Principal, today = todayInShanghai()) {
  const month = monthOrNone ?? today.slice(0, 7);
  const scope = scopeFilter(principal, { uscc: 'uscc', district: 'districtCode' });
  const from = `${month}-01`;
  const to = `${month}-31`;
  const rows = new Map<string, { authorityUscc: string; authorityName: string; platform: string; total: number; onTime: number; late: number; notYetDue: number }>();
  const ids = platformIds();
  const cursor = RecordModel.find({ $and: [scope, { decisionDate: { $gte: from, $lte: to } }] }, { authorityUscc: 1, 'data.authorityName': 1, 'derived.publicityDeadline': 1, delivery: 1 })
    .lean()
    .cursor();
  for await (const r of cursor) {
    for (const p of ids) {
      const st = r.delivery?.[p];
      if (!st || st.state === 'skipped') continue;
      const key = `${r.authorityUscc}\u0000${p}`;
      let row = rows.get(key);
      if (!row) {
        row = { authorityUscc: r.authorityUscc, authorityName: String(r.data?.authorityName ?? ''), platform: p, total: 0, onTime: 0, late: 0, notYetDue: 0 };
        rows.set(key, row);
      }
      const deadline = String(r.derived?.publicityDeadline);
      const first = shanghaiDate(st.firstDeliveredAt);
      if (first && first <= deadline) row.onTime++;
      else if (!first && today <= deadline) row.notYetDue++;
      else row.late++;
      row.total++;
    }
  }
  const items = [...rows.values()]
    .sort((a, b) => a.authorityUscc.localeCompare(b.authorityUscc) || a.platform.localeCompare(b.platform))
    .map((r) => {
      const decided = r.onTime + r.late;
      return { ...r, rate: decided ? Math.round((r.onTime / decided) * 10000) / 10000 : null };
    });
  return { month, items };
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

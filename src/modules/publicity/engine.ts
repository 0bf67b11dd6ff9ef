import mongoose from 'mongoose';
import CircuitBreaker from 'opossum';
import { randomUUID } from 'node:crypto';
import { RecordModel, type RecordDoc } from '../records/index.js';
import { RECORD_KINDS, type RecordKind } from '../records/fields.js';
import { logger } from '../../lib/logger.js';
import { INSTANCE_ID, acquireLease, release, renewLease } from '../../lib/jobLock.js';
import { DeliveryAttemptModel, FeedbackCursorModel, type DeliveryAttemptDoc } from './model.js';
import { PlatformError, type EntryResult, type PlatformAdapter, type SubmitEntry, type SubmitResult } from './adapters/types.js';
import type { PlatformConfig } from './platforms.js';
import type { DeliveryState } from './outbox.js';

/**
 * The delivery engine (双公示 push). Work is split into partitions, one per (platform, kind); a partition
 * is sent by one engine at a time, under a lease in `jobLocks` (`delivery:<platform>:<kind>`) taken by
 * one conditional upsert. Before each batch the holder renews the lease and records the batch in it, in
 * one write conditioned on its ownership (the fence); then it sends at most `batchSize` due record
 * versions and settles each record by its own result with ONE update conditioned on the version it
 * sent and the record still being pending: a correction landing meanwhile (a new version) or another
 * engine's settlement after a takeover makes it match nothing, and the newer state stands.
 * An engine that dies mid-batch leaves its lease to expire; the next holder finds the batch in the lease,
 * counts the attempt on those records and sends them again (answered `duplicate` where they arrived).
 * At-least-once sending + the platforms' idempotency on (recordId, version) = none lost, none twice.
 *
 * Why partitions and not a claim per record (measured, issue 14 item 6): a per-record claim is a second
 * rewrite of each record; with the lease on the partition each record is written once per attempt.
 */
export interface EngineOptions {
  platforms: { config: PlatformConfig; adapter: PlatformAdapter }[];
  owner?: string;
  now?: () => Date;
  random?: () => number;
}

export interface PlatformSweep {
  platform: string;
  batches: number;
  sent: number;
  delivered: number;
  superseded: number;
  rejected: number;
  retried: number;
  failed: number;
  skipped?: 'not-configured' | 'circuit-open';
  /** Kinds whose partition another engine was sending (its lease held): left to it this sweep. */
  heldElsewhere?: RecordKind[];
}

/** What the lease of a partition records while a batch is out: enough for a successor to count the attempt. */
interface BatchInFlight {
  token: string;
  at: Date;
  items: { id: string; version: number; attempts: number }[];
}

export const partitionLease = (platform: string, kind: RecordKind) => `delivery:${platform}:${kind}`;

type Lean = RecordDoc & { _id: mongoose.Types.ObjectId };

export function backoffMs(attempts: number, cfg: PlatformConfig['backoff'], random: () => number): number {
  const cap = Math.min(cfg.maxMs, cfg.baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export class DeliveryEngine {
  readonly owner: string;
  private readonly now: () => Date;
  private readonly random: () => number;
  private readonly breakers = new Map<string, CircuitBreaker<[RecordKind, SubmitEntry[]], SubmitResult>>();
  private seq = 0;
  private notConfiguredWarned = new Set<string>();

  constructor(private readonly opts: EngineOptions) {
    this.owner = opts.owner ?? INSTANCE_ID;
    this.now = opts.now ?? (() => new Date());
    this.random = opts.random ?? Math.random;
    for (const { config, adapter } of opts.platforms) {
      const breaker = new CircuitBreaker((kind: RecordKind, entries: SubmitEntry[]) => adapter.submit(kind, entries), {
        timeout: false,
        resetTimeout: config.circuit.openMs,
        volumeThreshold: config.circuit.failureThreshold,
        errorThresholdPercentage: 50,
        rollingCountTimeout: Math.max(10_000, config.circuit.openMs),
        // Throttling (429) and our own malformed batches say nothing about the platform's health.
        errorFilter: (err: unknown) => err instanceof PlatformError && (err.kind === 'badRequest' || (err.kind === 'retryAfter' && err.status === 429)),
      });
      breaker.on('open', () => logger.warn('platform circuit opened: pausing delivery', { platform: config.id }));
      breaker.on('halfOpen', () => logger.info('platform circuit half-open: probing', { platform: config.id }));
      breaker.on('close', () => logger.info('platform circuit closed: delivery resumed', { platform: config.id }));
      this.breakers.set(config.id, breaker);
    }
  }

  circuitState(platform: string): 'open' | 'half-open' | 'closed' {
    const b = this.breakers.get(platform);
    if (!b) return 'closed';
    return b.halfOpen ? 'half-open' : b.opened ? 'open' : 'closed';
  }

  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
  }

  /** Delivers everything due, platform by platform in parallel, until nothing is due or the budget is spent. */
  async sweep(opts: { budgetMs?: number; maxBatches?: number } = {}): Promise<PlatformSweep[]> {
    const deadline = Date.now() + (opts.budgetMs ?? 240_000);
    return Promise.all(this.opts.platforms.map((p) => this.sweepPlatform(p, deadline, opts.maxBatches ?? Infinity)));
  }

  private async sweepPlatform(p: { config: PlatformConfig; adapter: PlatformAdapter }, deadline: number, maxBatches: number): Promise<PlatformSweep> {
    const s: PlatformSweep = { platform: p.config.id, batches: 0, sent: 0, delivered: 0, superseded: 0, rejected: 0, retried: 0, failed: 0 };
    if (!p.adapter.configured) {
      if (!this.notConfiguredWarned.has(p.config.id)) {
        this.notConfiguredWarned.add(p.config.id);
        logger.warn('platform not configured: its records stay queued', { platform: p.config.id, env: `${p.config.envPrefix}_URL/_APP_ID/_APP_SECRET` });
      }
      s.skipped = 'not-configured';
      return s;
    }
    const kinds = [...RECORD_KINDS];
    const held = new Set<RecordKind>();
    try {
      while (kinds.length && Date.now() < deadline && s.batches < maxBatches) {
        const breaker = this.breakers.get(p.config.id)!;
        if (breaker.opened && !breaker.halfOpen) {
          s.skipped = 'circuit-open';
          break;
        }
        const kind = kinds[0];
        // Each partition is taken when the loop first reaches it, so two engines starting together share the kinds.
        if (!held.has(kind)) {
          if (!(await this.takePartition(p.config, kind))) {
            (s.heldElsewhere ??= []).push(kind);
            kinds.shift();
            continue;
          }
          held.add(kind);
        }
        const n = await this.deliverBatch(p, kind, s);
        if (n === 0) {
          kinds.shift();
          held.delete(kind);
          await release(partitionLease(p.config.id, kind), this.owner);
        } else kinds.push(kinds.shift()!); // alternate kinds while both have work
      }
    } finally {
      for (const kind of held) await release(partitionLease(p.config.id, kind), this.owner).catch(() => undefined);
    }
    if (s.sent) logger.info('delivery sweep', { ...s });
    return s;
  }

  /**
   * Takes the (platform, kind) partition's lease. A previous holder that died with a batch out (its lease
   * expired, the batch still recorded) is counted: each of those records still at the version and
   * attempt count it was sent with gets that attempt added, so attempts stay true across crashes.
   * Records left `inflight` by engines before partitions existed are put back in the queue likewise.
   */
  private async takePartition(cfg: PlatformConfig, kind: RecordKind): Promise<boolean> {
    const { acquired, previous } = await acquireLease(partitionLease(cfg.id, kind), cfg.leaseMs, this.owner);
    if (!acquired) return false;
    const d = `delivery.${cfg.id}`;
    const abandoned = previous && previous.owner !== this.owner ? (previous.work as BatchInFlight | null) : null;
    if (abandoned?.items?.length) {
      logger.warn('resuming a partition whose engine stopped mid-batch: its batch goes out again', { platform: cfg.id, kind, previousOwner: previous!.owner, records: abandoned.items.length });
      await RecordModel.bulkWrite(
        abandoned.items.map((it) => ({
          updateOne: {
            filter: { _id: new mongoose.Types.ObjectId(it.id), [`${d}.state`]: 'pending', [`${d}.version`]: it.version, [`${d}.attempts`]: it.attempts },
            update: { $inc: { [`${d}.attempts`]: 1 } },
          },
        })),
        { ordered: false, timestamps: false },
      );
    }
    const now = this.now();
    await RecordModel.updateMany(
      { [`${d}.state`]: 'inflight', kind, [`${d}.leaseUntil`]: { $lt: now } },
      { $set: { [`${d}.state`]: 'pending', [`${d}.nextAttemptAt`]: now }, $unset: { [`${d}.leaseOwner`]: 1, [`${d}.leaseUntil`]: 1 } },
      { timestamps: false },
    );
    return true;
  }

  private dueFilter(platform: string, kind: RecordKind, now: Date) {
    const d = `delivery.${platform}`;
    // State (equality), kind (equality), due time (range): the records index
    // { delivery.<p>.state, kind, delivery.<p>.nextAttemptAt } serves it, so only pending records are read.
    return { [`${d}.state`]: 'pending', kind, [`${d}.nextAttemptAt`]: { $lte: now } };
  }

  /**
   * The next batch of due record versions of one kind for the partition's holder: one indexed query
   * (`delivery.<platform>.state` + `kind` + `nextAttemptAt`, declared on records) limited to the batch
   * size, so each record is read once, as it is now (a version settled or corrected since the last batch
   * is read in its new state, or not at all). The index returns the due records in due-time order; the
   * batch is sent in that order.
   */
  async nextBatch(platform: PlatformConfig, kind: RecordKind): Promise<Lean[]> {
    const docs = (await RecordModel.find(this.dueFilter(platform.id, kind, this.now()), { versions: 0 }).limit(platform.batchSize).lean()) as Lean[];
    const due = (x: Lean) => new Date(x.delivery[platform.id]?.nextAttemptAt ?? 0).getTime();
    return docs.sort((a, b) => due(a) - due(b) || String(a._id).localeCompare(String(b._id)));
  }

  /** Sends and settles the partition's next batch; returns how many records it handled (0: none due, or the lease lost). */
  private async deliverBatch(p: { config: PlatformConfig; adapter: PlatformAdapter }, kind: RecordKind, s: PlatformSweep): Promise<number> {
    const cfg = p.config;
    const docs = await this.nextBatch(cfg, kind);
    if (docs.length === 0) return 0;
    const token = `${this.owner}#${++this.seq}`;
    const work: BatchInFlight = { token, at: this.now(), items: docs.map((doc) => ({ id: String(doc._id), version: doc.delivery[cfg.id].version, attempts: doc.delivery[cfg.id].attempts })) };
    if (!(await renewLease(partitionLease(cfg.id, kind), cfg.leaseMs, this.owner, work))) {
      // Our lease expired and another engine holds the partition now: it sends these.
      logger.warn('partition lease lost: leaving the rest to its new holder', { platform: cfg.id, kind });
      return 0;
    }
    s.batches++;
    s.sent += docs.length;
    const entries: SubmitEntry[] = docs.map((doc) => {
      const st = doc.delivery[cfg.id];
      return st.op === 'upsert'
        ? { recordId: String(doc._id), version: st.version, op: 'upsert', data: { ...doc.data, publicityEndDate: doc.derived.publicityEndDate } }
        : { recordId: String(doc._id), version: st.version, op: 'withdraw', reason: st.reason ?? undefined };
    });
    const started = Date.now();
    let result: SubmitResult | undefined;
    let failure: PlatformError | undefined;
    try {
      result = await this.breakers.get(cfg.id)!.fire(kind, entries);
    } catch (err) {
      failure =
        err instanceof PlatformError
          ? err
          : (err as { code?: string }).code === 'EOPENBREAKER'
            ? new PlatformError('retryAfter', '平台熔断中，暂停报送', undefined, cfg.circuit.openMs)
            : new PlatformError('transient', (err as Error).message);
    }
    const ms = Date.now() - started;
    const now = this.now();
    const d = `delivery.${cfg.id}`;
    const ops: { updateOne: { filter: { _id: mongoose.Types.ObjectId; [k: string]: unknown }; update: mongoose.UpdateQuery<RecordDoc> } }[] = [];
    const attempts: Partial<DeliveryAttemptDoc>[] = [];
    const batchId = result?.batchId ?? randomUUID();
    docs.forEach((doc, i) => {
      const sent = doc.delivery[cfg.id] as DeliveryState;
      // This attempt counts: `attempts` below is the record's count including it.
      const st = { ...sent, attempts: sent.attempts + 1 };
      // Settled only if still pending at the version sent, with the attempt count it was sent with.
      const filter = { _id: doc._id, [`${d}.state`]: 'pending', [`${d}.version`]: st.version, [`${d}.attempts`]: sent.attempts };
      const counted = { [`${d}.attempts`]: st.attempts };
      const attempt = { recordId: doc._id, platform: cfg.id, kind, version: st.version, op: st.op, batchId, at: now, ms, owner: token };
      const r: EntryResult | undefined = result?.results[i];
      if (failure || !r) {
        const f = failure ?? new PlatformError('transient', '平台未返回该记录的结果');
        if (f.kind === 'retryAfter') {
          s.retried++;
          // The platform asked us to wait: not an attempt of this record (its count stays).
          ops.push({ updateOne: { filter, update: { $set: { [`${d}.nextAttemptAt`]: new Date(now.getTime() + (f.retryAfterMs ?? 30_000)) } } } });
          attempts.push({ ...attempt, outcome: 'retry-after', error: { message: f.message } });
          return;
        }
        const lastError = { code: f.kind, message: f.message, at: now };
        if (st.attempts >= cfg.maxAttempts) {
          s.failed++;
          logger.error('delivery failed after the maximum attempts', { platform: cfg.id, recordId: String(doc._id), version: st.version, attempts: st.attempts, error: f.message });
          ops.push({ updateOne: { filter, update: { $set: { ...counted, [`${d}.state`]: 'failed', [`${d}.nextAttemptAt`]: null, [`${d}.lastError`]: lastError } } } });
        } else {
          s.retried++;
          ops.push({ updateOne: { filter, update: { $set: { ...counted, [`${d}.state`]: 'pending', [`${d}.nextAttemptAt`]: new Date(now.getTime() + backoffMs(st.attempts, cfg.backoff, this.random)), [`${d}.lastError`]: lastError } } } });
        }
        attempts.push({ ...attempt, outcome: f.kind === 'badRequest' ? 'bad-request' : f.kind, error: { message: f.message } });
        return;
      }
      attempts.push({ ...attempt, outcome: r.status, receiptId: r.receiptId, error: r.status === 'rejected' ? { code: r.code, field: r.field, message: r.message ?? '' } : undefined });
      if (r.status === 'accepted' || r.status === 'duplicate') {
        s.delivered++;
        ops.push({
          updateOne: {
            filter,
            update: {
              $set: {
                ...counted,
                [`${d}.state`]: 'delivered',
                [`${d}.nextAttemptAt`]: null,
                [`${d}.receiptId`]: r.receiptId ?? null,
                [`${d}.deliveredVersion`]: st.version,
                [`${d}.deliveredAt`]: now,
                [`${d}.firstDeliveredAt`]: st.firstDeliveredAt ?? now,
                [`${d}.lastError`]: null,
                [`${d}.review`]: null,
              },
            },
          },
        });
      } else if (r.status === 'stale') {
        s.superseded++;
        ops.push({ updateOne: { filter, update: { $set: { ...counted, [`${d}.state`]: 'superseded', [`${d}.nextAttemptAt`]: null } } } });
      } else {
        s.rejected++;
        logger.warn('platform rejected a record', { platform: cfg.id, recordId: String(doc._id), version: st.version, code: r.code, field: r.field });
        ops.push({
          updateOne: {
            filter,
            update: { $set: { ...counted, [`${d}.state`]: 'rejected', [`${d}.nextAttemptAt`]: null, [`${d}.lastError`]: { code: r.code, field: r.field, message: r.message ?? '平台拒收', at: now } } },
          },
        });
      }
    });
    // Each settlement is one update whose filter carries the version sent, its attempt count and the
    // pending state: after a correction (a new version) or another engine's settlement following a
    // takeover it matches nothing, and the newer state stands.
    const settled = ops.length ? (await RecordModel.bulkWrite(ops, { ordered: false, timestamps: false })).matchedCount : 0;
    if (settled < ops.length) {
      // The lease expired or a newer version arrived meanwhile: that newer state wins, nothing is overwritten.
      logger.info('some settlements found a newer state', { platform: cfg.id, expected: ops.length, settled });
    }
    await DeliveryAttemptModel.insertMany(attempts, { lean: true });
    return docs.length;
  }

  /** Polls each platform's feedback (数据反馈) from the stored cursor; records published / rejected-after-review. */
  async pollFeedback(limit = 500): Promise<{ platform: string; items: number; updated: number }[]> {
    const out: { platform: string; items: number; updated: number }[] = [];
    for (const { config, adapter } of this.opts.platforms) {
      if (!adapter.configured) continue;
      const st = await FeedbackCursorModel.findById(config.id).lean();
      let cursor = st?.cursor ?? null;
      let items = 0;
      let updated = 0;
      for (let page = 0; page < 100; page++) {
        const res = await adapter.feedback(cursor, limit);
        if (res.items.length) {
          const d = `delivery.${config.id}`;
          const ops = res.items
            .filter((it) => mongoose.isValidObjectId(it.recordId))
            .map((it) => ({
              updateOne: {
                filter: { _id: new mongoose.Types.ObjectId(it.recordId), [`${d}.deliveredVersion`]: it.version },
                update: { $set: { [`${d}.review`]: { status: it.status, code: it.code ?? null, message: it.message ?? null, at: new Date(it.at) } } },
              },
            }));
          if (ops.length) {
            updated += (await RecordModel.bulkWrite(ops, { ordered: false, timestamps: false })).modifiedCount;
          }
          items += res.items.length;
          for (const it of res.items.filter((x) => x.status === 'rejected')) {
            logger.warn('platform rejected a record after review', { platform: config.id, recordId: it.recordId, version: it.version, code: it.code });
          }
        }
        const advanced = res.nextCursor !== null && res.nextCursor !== cursor;
        if (res.nextCursor !== null) cursor = res.nextCursor;
        await FeedbackCursorModel.updateOne({ _id: config.id }, { $set: { cursor, updatedAt: this.now() }, $inc: { processed: res.items.length } }, { upsert: true });
        if (!advanced || res.items.length === 0) break;
      }
      out.push({ platform: config.id, items, updated });
    }
    return out;
  }
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mongoose from 'mongoose';
import { startEmbedded, type EmbeddedDb } from '../src/db/embedded.js';
import { pool, rate, report, timed } from './support.js';

/**
 * `npm run bench -- db`: the database layer alone (driver → patched embedded FerretDB, or MONGODB_URI).
 * N documents of about 0.8 KB; each indexed query is timed against the same query on an unindexed
 * copy of the field (a full scan) in the same process, so the ratios hold on a noisy machine.
 */
const docsN = () => Number(process.env.BENCH_DB_DOCS ?? 50_000);
const DISTRICTS = 100;
const T0 = Date.UTC(2026, 0, 1);
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Row {
  _id: string;
  district: string;
  districtCopy: string;
  issuedAt: Date;
  issuedAtCopy: Date;
  decisionDate: Date;
  decisionDateCopy: Date;
  key: string;
  n: number;
  claimedBy: string | null;
  payload: string;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

async function best<T>(reps: number, fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  let out: { ms: number; result: T } | undefined;
  for (let i = 0; i < reps; i++) {
    const t = await timed(fn);
    if (!out || t.ms < out.ms) out = t;
  }
  return out!;
}

export async function benchDb(): Promise<void> {
  let embedded: EmbeddedDb | undefined;
  let dir: string | undefined;
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    dir = mkdtempSync(join(tmpdir(), 'bench-db-'));
    embedded = await startEmbedded({ dataDir: dir, binPath: process.env.FERRETDB_BIN ?? resolve('.bin/ferretdb'), dbName: 'bench' });
    uri = embedded.uri;
  }
  const client = new mongoose.mongo.MongoClient(uri, { directConnection: true, maxPoolSize: 64 });
  await client.connect();
  const db = client.db(`bench_db_${Date.now()}`);
  const coll = db.collection<Row>('rows');
  try {
    await coll.createIndex({ district: 1 });
    await coll.createIndex({ issuedAt: -1 });
    await coll.createIndex({ decisionDate: -1, _id: -1 });
    await coll.createIndex({ district: 1, decisionDate: -1, _id: -1 });
    const n = docsN();
    const fill = await timed(async () => {
      for (let i = 0; i < n; i += 2000) {
        const batch = Array.from({ length: Math.min(2000, n - i) }, (_, k) => {
          const j = i + k;
          const district = `44030${j % DISTRICTS}`;
          const issuedAt = new Date(T0 + j * 60_000);
          // about 50 rows a day, in no relation to insertion order: ties broken by _id
          const decisionDate = new Date(T0 + ((j * 7919) % 1000) * 86_400_000);
          return { _id: `row-${j}`, district, districtCopy: district, issuedAt, issuedAtCopy: issuedAt, decisionDate, decisionDateCopy: decisionDate, key: `row-${j}`, n: 0, claimedBy: null, payload: `安全生产信用记录 ${j} `.padEnd(560, '.') };
        });
        await coll.insertMany(batch, { ordered: false });
      }
    });
    const avg = (await db.command({ collStats: 'rows' })) as { avgObjSize?: number };
    log(`  filled ${n} rows in ${(fill.ms / 1000).toFixed(1)} s`);

    const from = new Date(T0 + Math.floor(n / 2) * 60_000);
    const to = new Date(from.getTime() + 200 * 60_000);
    const ids = Array.from({ length: 100 }, (_, i) => `row-${Math.floor((i * n) / 100)}`);
    const pairs: [string, () => Promise<number>, () => Promise<number>][] = [
      ['equality on a field (1% of rows)', () => coll.countDocuments({ district: '440307' }), () => coll.countDocuments({ districtCopy: '440307' })],
      ['date range (200 rows)', () => coll.countDocuments({ issuedAt: { $gte: from, $lt: to } }), () => coll.countDocuments({ issuedAtCopy: { $gte: from, $lt: to } })],
      ['_id $in of 100 ids', () => coll.countDocuments({ _id: { $in: ids } }), () => coll.countDocuments({ key: { $in: ids } })],
      ['_id with a further condition', () => coll.countDocuments({ _id: 'row-7', district: '440307' }), () => coll.countDocuments({ key: 'row-7', districtCopy: '440307' })],
    ];
    const rows: Record<string, string | number>[] = [];
    for (const [name, indexed, scan] of pairs) {
      const a = await best(5, indexed);
      const b = await best(2, scan);
      if (a.result !== b.result) throw new Error(`${name}: indexed ${a.result} ≠ scan ${b.result}`);
      rows.push({ query: name, rows: a.result, 'indexed ms': a.ms.toFixed(1), 'full scan ms': b.ms.toFixed(0), speedup: `${(b.ms / a.ms).toFixed(0)}×` });
    }
    report(`database: indexed vs full scan, ${n} documents of ${avg.avgObjSize ? `${avg.avgObjSize} B` : '~0.8 KB'}`, rows);

    // "newest first" lists (patch 0005): sort + limit through the index vs the same on unindexed copies
    type Page = { _id: string; decisionDate?: Date; decisionDateCopy?: Date }[];
    const list = (filter: Record<string, unknown>, field: 'decisionDate' | 'decisionDateCopy') => () =>
      coll
        .find(filter)
        .sort({ [field]: -1, _id: -1 })
        .limit(20)
        .project<Page[number]>({ _id: 1, [field]: 1 })
        .toArray();
    const ids20 = (p: Page) => p.map((d) => d._id).join(',');
    const census = await timed(list({}, 'decisionDate'));
    const first = census.result;
    log(`  first sorted query of the process (one-time census of the sort keys and the index keys before them): ${census.ms.toFixed(0)} ms`);
    const last = first[first.length - 1]!;
    const after = (f: 'decisionDate' | 'decisionDateCopy') => ({ $or: [{ [f]: { $lt: last.decisionDate } }, { [f]: last.decisionDate, _id: { $lt: last._id } }] });
    const lists: [string, () => Promise<Page>, () => Promise<Page>][] = [
      ['newest 20: sort({decisionDate: -1, _id: -1}).limit(20)', list({}, 'decisionDate'), list({}, 'decisionDateCopy')],
      ['newest 20 of a district (equality, 1% of rows)', list({ district: '440307' }, 'decisionDate'), list({ districtCopy: '440307' }, 'decisionDateCopy')],
      ['page 2 (keyset: range on the sort key, then _id)', list(after('decisionDate'), 'decisionDate'), list(after('decisionDateCopy'), 'decisionDateCopy')],
    ];
    const sorted: Record<string, string | number>[] = [];
    for (const [name, indexed, scan] of lists) {
      const times: number[] = [];
      let got: Page = [];
      for (let i = 0; i < 9; i++) {
        const t = await timed(indexed);
        times.push(t.ms);
        got = t.result;
      }
      const b = await best(2, scan);
      if (ids20(got) !== ids20(b.result)) throw new Error(`${name}: index order ${ids20(got)} ≠ Go sort ${ids20(b.result)}`);
      const m = median(times);
      sorted.push({ query: name, rows: got.length, 'indexed median ms': m.toFixed(1), 'unindexed ms': b.ms.toFixed(0), speedup: `${(b.ms / m).toFixed(0)}×` });
    }
    report(`database: sort + limit through the index vs a Go sort, ${n} documents`, sorted);

    // point updates by _id, one at a time
    const lat: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = await timed(() => coll.updateOne({ _id: `row-${(i * 97) % n}` }, { $inc: { n: 1 } }));
      lat.push(t.ms);
    }
    // concurrent conditional claims: 4 claimants race for each of 2,000 rows, 64 requests in flight
    const claimIds = Array.from({ length: 2000 }, (_, i) => `row-${i}`);
    const attempts = claimIds.flatMap((id) => ['a', 'b', 'c', 'd'].map((me) => ({ id, me })));
    let won = 0;
    const claims = await timed(() =>
      pool(attempts, 64, async ({ id, me }) => {
        const r = await coll.updateOne({ _id: id, claimedBy: null }, { $set: { claimedBy: me } });
        won += r.modifiedCount;
      }),
    );
    if (won !== claimIds.length) throw new Error(`claims: ${won} won for ${claimIds.length} rows`);
    report('database: writes', [
      { operation: 'point update by _id ($inc), sequential', median: `${median(lat).toFixed(2)} ms`, p99: `${pct(lat, 99).toFixed(2)} ms`, throughput: rate(lat.length, lat.reduce((s, x) => s + x, 0)) },
      { operation: `conditional claims, 4 per row, 64 in flight (${won} won of ${attempts.length})`, median: '', p99: '', throughput: rate(attempts.length, claims.ms) },
    ]);
  } finally {
    await db.dropDatabase().catch(() => undefined);
    await client.close();
    await embedded?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

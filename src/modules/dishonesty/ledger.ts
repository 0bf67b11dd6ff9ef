/**
 * The export ledger: a read model of the list, one encoded entry (rows.ts) per dated stretch of each
 * listing, packed LEDGER_PAGE_SIZE entries to a page document and stored deflated. Exports scan pages,
 * not cases. Why (measured on the embedded database): a document costs ~40 µs to read whatever its
 * size and each byte costs too, so one document per listing scans at ~900 cases/s (~4,000/s even slimmed
 * down), 500 plain entries per page at ~50,000 entries/s, and 500 deflated entries (13× smaller) at
 * ~250,000 entries/s including the inflate. On MongoDB the same layout also reads ~2,000× fewer documents.
 *
 * Cases are the truth; the ledger follows them. Every write is a single-document atomic write whose filter
 * carries its condition, so any number of instances may write at once: a slot number is reserved by one
 * `$inc` of the counter (no two writers get the same slot, none is skipped), recorded on the case by a write
 * conditional on the span having no slot yet, and the entry written into its page by a write conditional on
 * the page's revision (the loser of a race reads the page again). A crash between steps, or two syncs of one
 * case at once, leaves at worst an empty slot (skipped by readers), never a duplicate; `syncPending` on the
 * case makes the daily job finish the work.
 */
import { isDuplicateKey } from '../../db/errors.js';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import mongoose from 'mongoose';
import { CaseModel, LedgerHeadModel, LedgerPageModel, type CaseDoc, type LedgerHeadDoc, type LedgerPageDoc } from './model.js';
import { encodeEntry, type LedgerEntry } from './rows.js';

export const LEDGER_PAGE_SIZE = 500;

type LeanCase = CaseDoc & { _id: mongoose.Types.ObjectId };

/** The pages through the driver (numeric `_id`s). */
const pageCollection = () => LedgerPageModel.collection as unknown as mongoose.mongo.Collection<LedgerPageDoc>;

/** Encoded entries → the stored form (encoded entries never contain a raw newline: JSON escapes it). */
export function packEntries(entries: readonly string[]): Buffer {
  return deflateRawSync(Buffer.from(entries.join('\n'), 'utf8'));
}

/** The stored form → the `n` encoded entries (a Buffer, or the driver's Binary). */
export function unpackEntries(z: unknown, n: number): string[] {
  if (n === 0) return [];
  const b = z as { buffer?: Uint8Array } | Buffer;
  const bytes = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer!.buffer, b.buffer!.byteOffset, b.buffer!.byteLength);
  return inflateRawSync(bytes).toString('utf8').split('\n');
}

/** The ledger entry of span `i` of a listed (or once listed) case. */
export function entryOf(doc: LeanCase, i: number): LedgerEntry {
  const span = doc.spans[i];
  return {
    caseId: String(doc._id),
    span: i,
    from: span.from,
    to: span.to,
    start: doc.listing?.start ?? span.from,
    groundCode: doc.groundCode,
    decisionNumber: doc.decision?.decisionNumber ?? '',
    decisionDate: doc.decision?.decidedOn ?? span.from,
    authorityName: doc.authorityName,
    authorityUscc: doc.authorityUscc,
    uscc: doc.uscc,
    subjectName: span.subjectName,
    subjectType: doc.subjectType,
    persons: span.persons,
    measures: span.measures,
    events: span.events.map((e) => ({ type: e.type, at: new Date(e.at).getTime() })),
    unitListed: doc.unitListed !== false,
  };
}

/** A short random pause before another attempt after losing a race (grows with the attempt, at most ~100 ms). */
export function pauseAfterLostRace(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.random() * Math.min(100, 2 ** attempt)));
}

const MAX_PAGE_ATTEMPTS = 200;

/**
 * Writes entries into their slots of one page: read, inflate, place (slots not written yet stay empty), deflate,
 * then one write conditional on the page's revision read (or an insert of a new page); a writer that lost the race
 * to another reads again.
 */
async function writeSlots(page: number, slots: ReadonlyMap<number, string>): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const doc = await LedgerPageModel.findById(page).lean();
    const entries = doc ? unpackEntries(doc.z, doc.n) : [];
    for (const [slot, encoded] of slots) {
      while (entries.length <= slot) entries.push('');
      entries[slot] = encoded;
    }
    const set = { z: packEntries(entries), n: entries.length, changedAt: new Date() };
    if (doc) {
      const r = await LedgerPageModel.updateOne({ _id: page, rev: doc.rev }, { $set: set, $inc: { rev: 1 } });
      if (r.matchedCount === 1) return;
    } else {
      try {
        await pageCollection().insertOne({ _id: page, ...set, rev: 1 });
        return;
      } catch (err) {
        if (!isDuplicateKey(err)) throw err; // created meanwhile by another writer
      }
    }
    if (attempt >= MAX_PAGE_ATTEMPTS) throw new Error(`ledger: page ${page} kept changing while writing (${attempt} attempts)`);
    await pauseAfterLostRace(attempt);
  }
}

const headCollection = () => LedgerHeadModel.collection as unknown as mongoose.mongo.Collection<LedgerHeadDoc>;
const locationOf = (k: number) => ({ page: Math.floor(k / LEDGER_PAGE_SIZE) + 1, slot: k % LEDGER_PAGE_SIZE });

/**
 * Reserves `count` consecutive slots: one atomic `$inc` of the counter, so concurrent writers (any number of
 * instances) get disjoint numbers with none skipped. Returns the first slot number.
 */
async function reserveSlots(count: number): Promise<number> {
  for (;;) {
    const head = await headCollection().findOneAndUpdate({ _id: 'head', next: { $exists: true } }, { $inc: { next: count } }, { returnDocument: 'after' });
    if (head) return head.next! - count;
    await startCounter();
  }
}

/**
 * Starts the counter once: where the former layout stopped (its head page, filled up to its `n`), else 0. One
 * write conditional on the counter being absent; a writer that lost the race finds it started.
 */
async function startCounter(): Promise<void> {
  const head = await LedgerHeadModel.findById('head').lean();
  if (typeof head?.next === 'number') return;
  const page = head?.page ?? 1;
  const filled = (await LedgerPageModel.findById(page, { n: 1 }).lean())?.n ?? 0;
  try {
    await headCollection().updateOne({ _id: 'head', next: { $exists: false } }, { $set: { next: (page - 1) * LEDGER_PAGE_SIZE + filled } }, { upsert: true });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err; // started meanwhile by another writer
  }
}

/** Where span `i`'s entry lives, if a slot was reserved for it. */
function slotOf(doc: Pick<CaseDoc, 'spans' | 'ledgerSlots'>, i: number): { page: number; slot: number } | null {
  return doc.ledgerSlots?.[String(i)] ?? doc.spans[i]?.ledger ?? null;
}

/**
 * A slot for span `i`: reserved, then recorded on the case by a write conditional on none being recorded yet. When
 * another writer recorded one first, its slot wins and the one reserved here stays empty (readers skip it).
 */
async function slotFor(caseId: mongoose.Types.ObjectId, i: number): Promise<{ page: number; slot: number }> {
  const reserved = locationOf(await reserveSlots(1));
  const path = `ledgerSlots.${i}`;
  const r = await CaseModel.updateOne({ _id: caseId, [path]: { $exists: false } }, { $set: { [path]: reserved } }, { timestamps: false });
  if (r.matchedCount === 1) return reserved;
  const current = await CaseModel.findById(caseId, { spans: 1, ledgerSlots: 1 }).lean();
  const loc = current ? slotOf(current, i) : null;
  if (!loc) throw new Error(`ledger: case ${String(caseId)} has no slot for span ${i}`);
  return loc;
}

/**
 * Writes every span of a case to its ledger slot (reserving slots for new spans). Idempotent:
 * run after each change, and again by the daily reconciliation for cases left `syncPending`.
 */
export async function syncLedger(doc: LeanCase): Promise<void> {
  for (let i = 0; i < doc.spans.length; i++) {
    const loc = slotOf(doc, i) ?? (await slotFor(doc._id, i));
    await writeSlots(loc.page, new Map([[loc.slot, encodeEntry(entryOf(doc, i))]]));
  }
}

/** Number of slots of the ledger (reserved ones included). */
export async function ledgerSize(): Promise<number> {
  const r = await LedgerPageModel.aggregate<{ n: number }>([{ $group: { _id: null, n: { $sum: '$n' } } }]);
  return r[0]?.n ?? 0;
}

/**
 * Appends ready entries in bulk (for rebuilding the ledger and for generating large lists in the benchmark):
 * slots reserved a page at a time (the first block up to the next page boundary), each page written once.
 * Safe beside other writers. Returns the pages written.
 */
export async function appendEntriesBulk(entries: AsyncIterable<LedgerEntry> | Iterable<LedgerEntry>): Promise<number> {
  await startCounter();
  const next = (await LedgerHeadModel.findById('head').lean())?.next ?? 0;
  let want = LEDGER_PAGE_SIZE - (next % LEDGER_PAGE_SIZE);
  let buf: string[] = [];
  const pages = new Set<number>();
  const flush = async () => {
    if (!buf.length) return;
    const first = await reserveSlots(buf.length);
    const byPage = new Map<number, Map<number, string>>();
    buf.forEach((encoded, j) => {
      const loc = locationOf(first + j);
      if (!byPage.has(loc.page)) byPage.set(loc.page, new Map());
      byPage.get(loc.page)!.set(loc.slot, encoded);
    });
    for (const [page, slots] of byPage) {
      await writeSlots(page, slots);
      pages.add(page);
    }
    buf = [];
    want = LEDGER_PAGE_SIZE;
  };
  for await (const e of entries) {
    buf.push(encodeEntry(e));
    if (buf.length === want) await flush();
  }
  await flush();
  return pages.size;
}

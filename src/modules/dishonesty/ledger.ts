/**
 * The export ledger: a read model of the list, one encoded entry (rows.ts) per dated stretch of each
 * listing, packed LEDGER_PAGE_SIZE entries to a page document and stored deflated. Exports scan pages,
 * not cases. Why (measured on the embedded FerretDB 1.24): a document costs ~40 µs to read whatever its
 * size and each byte costs too, so one document per listing scans at ~900 cases/s (~4,000/s even slimmed
 * down), 500 plain entries per page at ~50,000 entries/s, and 500 deflated entries (13× smaller) at
 * ~250,000 entries/s including the inflate. On MongoDB the same layout also reads ~2,000× fewer documents.
 *
 * Cases are the truth; the ledger follows them. An entry's slot is reserved (an empty entry, skipped by
 * readers) and recorded on the case before it is written, so a crash between steps leaves at worst an
 * empty slot, never a duplicate; `syncPending` on the case makes the daily job finish the work.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import mongoose from 'mongoose';
import { withDocLocks } from '../../db/docLock.js';
import { CaseModel, LedgerHeadModel, LedgerPageModel, type CaseDoc, type CaseSpan, type LedgerPageDoc } from './model.js';
import { encodeEntry, type LedgerEntry } from './rows.js';

export const LEDGER_PAGE_SIZE = 500;
const NS = 'dishonestyLedger';
export const CASE_NS = 'dishonestyCases';

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

/** Read, change, write one page under its lock; the write is conditional on the revision read. */
async function updatePage<T>(page: number, change: (entries: string[]) => T | null): Promise<T | null> {
  return withDocLocks(NS, [String(page)], async () => {
    const doc = await LedgerPageModel.findById(page).lean();
    if (!doc) return null;
    const entries = unpackEntries(doc.z, doc.n);
    const out = change(entries);
    if (out === null) return null;
    const r = await LedgerPageModel.updateOne({ _id: page, rev: doc.rev }, { $set: { z: packEntries(entries), n: entries.length, changedAt: new Date() }, $inc: { rev: 1 } });
    return r.modifiedCount === 1 ? out : null;
  });
}

/** Reserves an empty slot on the head page (a new page when it is full). */
async function reserveSlot(): Promise<{ page: number; slot: number }> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const head = await LedgerHeadModel.findById('head').lean();
    const page = head?.page ?? 1;
    const exists = await LedgerPageModel.exists({ _id: page });
    if (!exists) {
      try {
        await pageCollection().insertOne({ _id: page, n: 1, z: packEntries(['']), rev: 1, changedAt: new Date() });
        return { page, slot: 0 };
      } catch (err) {
        if ((err as { code?: number }).code !== 11000) throw err;
        continue; // created meanwhile by another writer: try again
      }
    }
    const got = await updatePage(page, (entries) => (entries.length >= LEDGER_PAGE_SIZE ? null : { page, slot: entries.push('') - 1 }));
    if (got) return got;
    // The head page is full: move the head on (one writer at a time; a head already moved stays).
    await withDocLocks(NS, ['head'], async () => {
      const now = await LedgerHeadModel.findById('head').lean();
      const full = (await LedgerPageModel.findById(page, { n: 1 }).lean())?.n ?? 0;
      if ((now?.page ?? 1) === page && full >= LEDGER_PAGE_SIZE) await LedgerHeadModel.updateOne({ _id: 'head' }, { $set: { page: page + 1 } }, { upsert: true });
    });
  }
  throw new Error('ledger: no slot after 1000 attempts');
}

async function writeEntry(loc: { page: number; slot: number }, encoded: string): Promise<void> {
  const ok = await updatePage(loc.page, (entries) => {
    entries[loc.slot] = encoded;
    return true;
  });
  if (!ok) throw new Error(`ledger: page ${loc.page} changed while writing slot ${loc.slot}`);
}

/**
 * Writes every span of a case to its ledger slot (reserving slots for new spans). Idempotent:
 * run after each change, and again by the daily reconciliation for cases left `syncPending`.
 */
export async function syncLedger(doc: LeanCase): Promise<void> {
  for (let i = 0; i < doc.spans.length; i++) {
    let loc = doc.spans[i].ledger ?? null;
    if (!loc) {
      const reserved = await reserveSlot();
      loc = await withDocLocks(CASE_NS, [String(doc._id)], async () => {
        const current = await CaseModel.findById(doc._id, { spans: 1 }).lean();
        const existing = (current?.spans[i] as CaseSpan | undefined)?.ledger;
        if (existing) return existing; // another writer reserved first: its slot wins, ours stays empty
        await CaseModel.updateOne({ _id: doc._id }, { $set: { [`spans.${i}.ledger`]: reserved } }, { timestamps: false });
        return reserved;
      });
    }
    await writeEntry(loc, encodeEntry(entryOf(doc, i)));
  }
}

/** Number of slots of the ledger (reserved ones included). */
export async function ledgerSize(): Promise<number> {
  const r = await LedgerPageModel.aggregate<{ n: number }>([{ $group: { _id: null, n: { $sum: '$n' } } }]);
  return r[0]?.n ?? 0;
}

/**
 * Appends ready entries in bulk on new pages after the head page (for rebuilding the ledger and for
 * generating large lists in the benchmark); the head then moves past them. Meant for quiet times: a
 * listing decided meanwhile would collide with the new pages and retry. Returns the pages written.
 */
export async function appendEntriesBulk(entries: AsyncIterable<LedgerEntry> | Iterable<LedgerEntry>): Promise<number> {
  const head = await LedgerHeadModel.findById('head').lean();
  let page = (head?.page ?? 1) + 1;
  let buf: string[] = [];
  let pages = 0;
  const flush = async () => {
    if (!buf.length) return;
    await pageCollection().insertOne({ _id: page, n: buf.length, z: packEntries(buf), rev: 1, changedAt: new Date() });
    await withDocLocks(NS, ['head'], () => LedgerHeadModel.updateOne({ _id: 'head' }, { $set: { page: page + 1 } }, { upsert: true }));
    page++;
    pages++;
    buf = [];
  };
  for await (const e of entries) {
    buf.push(encodeEntry(e));
    if (buf.length === LEDGER_PAGE_SIZE) await flush();
  }
  await flush();
  return pages;
}

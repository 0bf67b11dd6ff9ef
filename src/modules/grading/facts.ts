import type mongoose from 'mongoose';
import { EnterpriseModel, enterpriseId } from '../enterprises/index.js';
import { RecordModel, type Severity } from '../records/index.js';
import { CommitmentModel } from '../commitments/index.js';
import { AccidentModel, HazardModel } from './model.js';
import type { GradeFacts, ListingFact } from './rules.js';
import type { AccidentLevel, StandardisationGrade } from './scorecard.js';

type Document = mongoose.mongo.Document;
type Filter = mongoose.mongo.Filter<Document>;
type Collection = mongoose.mongo.Collection;

/** The facts of one enterprise plus what its grade document shows about it. */
export interface EnterpriseFacts extends GradeFacts {
  name: string;
  districtCode: string;
  industryCode: string | null;
}

export interface FactsProgress {
  stage: 'enterprises' | 'records' | 'accidents' | 'hazards' | 'commitments';
  read: number;
}

const BATCH = 5000;

const ENTERPRISE_FIELDS = { uscc: 1, name: 1, districtCode: 1, industryCode: 1, standardisationGrade: 1, listing: 1 };
/** The fields of a record grading reads (the only ones a regrade decodes on the embedded database). */
export const RECORD_FIELDS = {
  kind: 1,
  uscc: 1,
  lifecycle: 1,
  decisionNumber: 1,
  decisionDate: 1,
  'data.fineAmount': 1,
  'data.confiscationAmount': 1,
  'data.status': 1,
  'data.validFrom': 1,
  'data.validTo': 1,
  'derived.severity': 1,
};


/**
 * Streams a collection (native driver, lean documents, only the fields named) and calls `fn` per document.
 * No sort: a hash join by USCC in this process needs none.
 */
async function scan(coll: Collection, filter: Filter, projection: Document, fn: (d: Document) => void, progress?: (n: number) => void): Promise<number> {
  let n = 0;
  for await (const d of coll.find(filter, { projection, batchSize: BATCH })) {
    fn(d);
    if (++n % 50_000 === 0) progress?.(n);
  }
  progress?.(n);
  return n;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown) => (typeof v === 'string' ? v : null);

/**
 * Gathers the grading facts of the given enterprises (all when `usccs` is null): for all, one pass over
 * each source collection — enterprises, records, accidents, hazards, commitments — never one query per
 * enterprise; for some, indexed reads: enterprises by `_id`, every other collection by `uscc`. Records of subjects without an enterprise (natural persons) are skipped.
 */
export async function collectFacts(
  usccs: string[] | null,
  onProgress?: (p: FactsProgress) => void,
  /** Full runs: called for each record its enterprise does not list in `recordIds` (a crash between storing it and linking it). */
  onUnlisted?: (uscc: string, recordId: mongoose.Types.ObjectId) => void,
): Promise<Map<string, EnterpriseFacts>> {
  const filter: Filter = usccs ? { uscc: { $in: usccs } } : {};
  const facts = new Map<string, EnterpriseFacts>();
  const report = (stage: FactsProgress['stage']) => (read: number) => onProgress?.({ stage, read });

  const addEnterprise = (e: Document) => {
    const l = e.listing as ListingFact | undefined;
    facts.set(e.uscc as string, {
      uscc: e.uscc as string,
      name: e.name as string,
      districtCode: e.districtCode as string,
      industryCode: str(e.industryCode),
      standardisationGrade: ((e.standardisationGrade as string) ?? '无') as StandardisationGrade,
      listing: l ? { active: Boolean(l.active), listingId: String(l.listingId), since: l.since, until: l.until ?? null } : null,
      penalties: [],
      permits: [],
      accidents: [],
      hazards: [],
      commitments: [],
    });
  };
  const addRecord = (r: Document) => {
    const f = facts.get(r.uscc as string);
    if (!f) return;
    const data = (r.data ?? {}) as Record<string, unknown>;
    if (r.kind === 'penalty') {
      f.penalties.push({
        id: String(r._id),
        decisionNumber: r.decisionNumber as string,
        decisionDate: r.decisionDate as string,
        severity: ((r.derived as { severity?: Severity } | undefined)?.severity ?? '一般') as Severity,
        amount: Math.round((num(data.fineAmount) + num(data.confiscationAmount)) * 1e6) / 1e6,
        lifecycle: r.lifecycle as string,
      });
    } else if (r.kind === 'permit') {
      f.permits.push({
        id: String(r._id),
        decisionNumber: r.decisionNumber as string,
        lifecycle: r.lifecycle as string,
        status: (str(data.status) ?? '1') as string,
        validFrom: str(data.validFrom),
        validTo: str(data.validTo),
      });
    }
  };

  if (usccs) {
    // Some enterprises (the sweep's batches): enterprises by their USCC-derived `_id`, their records by the
    // indexed `uscc` — instead of scanning every enterprise and every record.
    const wanted = new Set(usccs);
    await scan(EnterpriseModel.collection, { _id: { $in: usccs.map((u) => enterpriseId(u)) } }, ENTERPRISE_FIELDS, (e) => {
      if (wanted.has(e.uscc as string)) addEnterprise(e);
    }, report('enterprises'));
    await scan(RecordModel.collection, filter, RECORD_FIELDS, addRecord, report('records'));
  } else {
    const listed = new Map<string, Set<string>>();
    await scan(EnterpriseModel.collection, filter, { ...ENTERPRISE_FIELDS, recordIds: 1 }, (e) => {
      addEnterprise(e);
      listed.set(e.uscc as string, new Set(((e.recordIds as unknown[] | undefined) ?? []).map(String)));
    }, report('enterprises'));
    await scan(RecordModel.collection, filter, RECORD_FIELDS, (r) => {
      addRecord(r);
      const ids = listed.get(r.uscc as string);
      if (ids && !ids.has(String(r._id))) onUnlisted?.(r.uscc as string, r._id as mongoose.Types.ObjectId);
    }, report('records'));
  }

  await scan(AccidentModel.collection, filter, { uscc: 1, date: 1, level: 1, deaths: 1 }, (a) => {
    facts.get(a.uscc as string)?.accidents.push({ id: String(a._id), date: a.date as string, level: a.level as AccidentLevel, deaths: num(a.deaths) });
  }, report('accidents'));

  await scan(HazardModel.collection, filter, { uscc: 1, foundDate: 1, major: 1, rectifiedDate: 1 }, (h) => {
    facts.get(h.uscc as string)?.hazards.push({ id: String(h._id), foundDate: h.foundDate as string, major: Boolean(h.major), rectifiedDate: str(h.rectifiedDate) });
  }, report('hazards'));

  await scan(CommitmentModel.collection, filter, { uscc: 1, type: 1, signedDate: 1, termEnd: 1, 'breach.date': 1 }, (c) => {
    facts.get(c.uscc as string)?.commitments.push({
      id: String(c._id),
      type: c.type as EnterpriseFacts['commitments'][number]['type'],
      signedDate: c.signedDate as string,
      termEnd: c.termEnd as string,
      breachDate: str((c.breach as { date?: string } | null)?.date),
    });
  }, report('commitments'));

  return facts;
}

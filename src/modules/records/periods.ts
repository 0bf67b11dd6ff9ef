/**
 * Migration to the one period convention (《民法典》第二百零一条至第二百零三条, src/lib/calendar.ts) and the
 * 527号 rule version: stored penalties keep the derived dates computed when they were stored, so this
 * recomputes them (CLI `npm run cli -- recompute-periods`). Only the derived legal dates that the old
 * convention got wrong change — repairEarliestDate (a day later), and for decisions before 2023-05-01 the rule
 * version (527号) and its minimum periods; severity and publicity end are kept as stored when they differ (a
 * change there changes what is published and needs a new version: reported, not applied). Each changed record is
 * audited with its before/after. Idempotent.
 */
import { recordAudit } from '../audit/index.js';
import type { Principal } from '../auth/index.js';
import { RecordModel } from './model.js';
import { creditRules, derive, type PenaltyDerived } from './rules.js';

export interface PeriodMigration {
  scanned: number;
  changed: number;
  /** Records whose severity or publicity end would change too (not applied: they need a new, published version). */
  needsNewVersion: string[];
  /** Penalties that grounded a listing which ended before the ground mark existed (they fell back to 一般 then). */
  formerlyListedWithoutMark: string[];
}

export async function recomputePenaltyPeriods(principal: Principal, opts: { dryRun?: boolean } = {}): Promise<PeriodMigration> {
  const rules = creditRules();
  const out: PeriodMigration = { scanned: 0, changed: 0, needsNewVersion: [], formerlyListedWithoutMark: [] };
  const cursor = RecordModel.find({ kind: 'penalty' }, { data: 1, derived: 1, versions: 1, version: 1 }).lean().cursor();
  for await (const doc of cursor) {
    out.scanned++;
    const id = String(doc._id);
    const stored = doc.derived as unknown as PenaltyDerived;
    const fresh = derive('penalty', doc.data, rules) as PenaltyDerived;
    if (fresh.severity !== stored.severity || fresh.publicityEndDate !== stored.publicityEndDate) out.needsNewVersion.push(id);
    const data = doc.data as Record<string, unknown>;
    if (!data.listedAsSeriouslyDishonest && !data.groundedSeriousDishonestyListing && (doc.versions ?? []).some((v) => v.action === 'list')) out.formerlyListedWithoutMark.push(id);
    const set: Record<string, unknown> = {};
    if (fresh.repairEarliestDate !== stored.repairEarliestDate) set['derived.repairEarliestDate'] = fresh.repairEarliestDate;
    if (fresh.ruleVersion !== stored.ruleVersion) set['derived.ruleVersion'] = fresh.ruleVersion;
    if (Object.keys(set).length === 0) continue;
    out.changed++;
    if (opts.dryRun) continue;
    // Conditional on the version read: a record changed meanwhile got its dates from the new rules already.
    const r = await RecordModel.updateOne({ _id: doc._id, version: doc.version }, { $set: set }, { timestamps: false });
    if (r.modifiedCount !== 1) {
      out.changed--;
      continue;
    }
    await recordAudit({
      action: 'penalty.periods.recompute',
      resource: 'penalty',
      resourceId: id,
      principal,
      before: { repairEarliestDate: stored.repairEarliestDate, ruleVersion: stored.ruleVersion },
      after: { repairEarliestDate: fresh.repairEarliestDate, ruleVersion: fresh.ruleVersion, basis: '《民法典》第二百零一条至第二百零三条；发改办财金〔2019〕527号' },
    });
  }
  return out;
}

/**
 * Supervision plans (检查计划) and the 双随机 draw — random enterprises by per-tier share, random
 * inspectors with conflict-of-interest exclusion — as a pure function of its inputs and a seed.
 * Inputs are sorted first, so the same seed and the same inputs always give the same plan, whatever
 * order they came in. No database, no clock.
 */
import Joi from 'joi';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { readConfigFile } from '../../lib/configFiles.js';
import { formatDate } from '../../lib/calendar.js';
import { TIERS, type Tier } from './scorecard.js';

export interface TierPolicy {
  inspectionsPerYear: number;
  /** Share of the tier drawn at random (rounded up). */
  randomShare: number;
  /** Every enterprise of the tier is inspected (重点监管), no draw. */
  coverAll: boolean;
}

export interface Inspector {
  id: string;
  name: string;
  /** Enterprises this inspector must not inspect (回避: a conflict of interest). */
  excludedUsccs: string[];
}

export interface SupervisionPolicy {
  version: string;
  ungradedTier: Tier;
  inspectorsPerInspection: number;
  tiers: Record<Tier, TierPolicy>;
  inspectors: Inspector[];
}

const inspector = Joi.object({ id: Joi.string().min(1).required(), name: Joi.string().min(1).required(), excludedUsccs: Joi.array().items(Joi.string().length(18)).default([]) });
const tierPolicy = Joi.object({
  inspectionsPerYear: Joi.number().integer().min(0).max(52).required(),
  randomShare: Joi.number().min(0).max(1).required(),
  coverAll: Joi.boolean().required(),
});

export const supervisionPolicySchema = Joi.object({
  $comment: Joi.string(),
  version: Joi.string().trim().min(1).max(50).required(),
  ungradedTier: Joi.string().valid(...TIERS).required(),
  inspectorsPerInspection: Joi.number().integer().min(1).max(10).required(),
  tiers: Joi.object(Object.fromEntries(TIERS.map((t) => [t, tierPolicy.required()]))).required(),
  inspectors: Joi.array().items(inspector).unique('id').default([]),
});

/** What a plan stores of the policy: everything the draw uses (the inspector list is stored with the plan's inputs). */
export type PlanPolicy = Pick<SupervisionPolicy, 'version' | 'ungradedTier' | 'inspectorsPerInspection' | 'tiers'>;

export function planPolicy(p: SupervisionPolicy): PlanPolicy {
  return { version: p.version, ungradedTier: p.ungradedTier, inspectorsPerInspection: p.inspectorsPerInspection, tiers: p.tiers };
}

/** The policy in force (config/supervision-policy.json); an invalid file throws ConfigError listing every problem. */
export function supervisionPolicy(): SupervisionPolicy {
  return readConfigFile<SupervisionPolicy>('supervision-policy.json', supervisionPolicySchema);
}

/** One enterprise of the plan's population, with the tier it had when the plan was made. */
export interface PlanEnterprise {
  uscc: string;
  name: string;
  tier: Tier;
  score: number | null;
  /** False: no grade yet, counted as the policy's ungradedTier. */
  graded: boolean;
}

export interface PlanInput {
  year: number;
  district: string;
  seed: number;
  enterprises: PlanEnterprise[];
  inspectors: Inspector[];
  jointInspectionUsccs: string[];
}

export type InspectionKind = 'required' | 'random';

export interface PlanItem {
  seq: number;
  uscc: string;
  name: string;
  tier: Tier;
  score: number | null;
  /** required = every enterprise of a coverAll tier (重点检查); random = drawn (双随机抽查). */
  kind: InspectionKind;
  round: number;
  rounds: number;
  /** Last day of the month by which this round is due. */
  dueBy: string;
  inspectors: { id: string; name: string }[];
}

export interface TierSummary {
  enterprises: number;
  /** Not in the joint inspection list: may be drawn. */
  eligible: number;
  /** Enterprises in the plan (every one for coverAll tiers). */
  selected: number;
  inspections: number;
}

export interface PlanSummary {
  tiers: Record<Tier, TierSummary>;
  enterprises: number;
  selected: number;
  inspections: number;
  /** Enterprises of the population left out of the draw because they are in a joint inspection. */
  jointExcluded: number;
}

/** Enterprises for which fewer inspectors than needed are free of conflicts. */
export class PlanConflict extends Error {
  constructor(
    public readonly usccs: string[],
    public readonly needed: number,
  ) {
    super(`not enough inspectors without a conflict of interest for ${usccs.length} enterprise(s)`);
    this.name = 'PlanConflict';
  }
}

const byKey = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** How many of `n` the share draws: rounded up, so any positive share of a non-empty tier draws one. */
export function drawCount(n: number, share: number): number {
  if (share <= 0 || n === 0) return 0;
  return Math.min(n, Math.ceil(Math.round(n * share * 1e6) / 1e6));
}

/** k distinct items drawn uniformly (partial Fisher–Yates on a copy), in draw order. */
export function sample<T>(rng: RandomGenerator, items: readonly T[], k: number): T[] {
  const a = [...items];
  const n = Math.min(k, a.length);
  for (let i = 0; i < n; i++) {
    const j = uniformInt(rng, i, a.length - 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, n);
}

/** Round r of k in a year is due by the end of month ⌈12·r/k⌉ (k = 4: end of each quarter). */
export function dueBy(year: number, round: number, rounds: number): string {
  const month = Math.ceil((12 * round) / rounds);
  return formatDate(new Date(Date.UTC(year, month, 0)));
}

/**
 * Builds the year's plan: every enterprise of a coverAll tier gets its required inspections; from the
 * other tiers the policy's share is drawn at random, leaving out enterprises already in a joint
 * cross-department inspection; then each inspection gets its inspectors drawn from those without a
 * conflict with that enterprise. Throws PlanConflict naming every enterprise without enough inspectors.
 */
export function drawPlan(input: PlanInput, policy: PlanPolicy): { items: PlanItem[]; summary: PlanSummary } {
  const rng = xoroshiro128plus(input.seed);
  const enterprises = [...input.enterprises].sort(byKey((e) => e.uscc));
  const inspectors = [...input.inspectors].sort(byKey((i) => i.id));
  const joint = new Set(input.jointInspectionUsccs);
  const summary: PlanSummary = {
    tiers: Object.fromEntries(TIERS.map((t) => [t, { enterprises: 0, eligible: 0, selected: 0, inspections: 0 }])) as Record<Tier, TierSummary>,
    enterprises: enterprises.length,
    selected: 0,
    inspections: 0,
    jointExcluded: 0,
  };

  const chosen: { e: PlanEnterprise; kind: InspectionKind; rounds: number }[] = [];
  for (const tier of TIERS) {
    const p = policy.tiers[tier];
    const members = enterprises.filter((e) => e.tier === tier);
    const s = summary.tiers[tier];
    s.enterprises = members.length;
    if (p.coverAll) {
      s.eligible = members.length;
      for (const e of members) chosen.push({ e, kind: 'required', rounds: Math.max(1, p.inspectionsPerYear) });
      s.selected = members.length;
      continue;
    }
    const eligible = members.filter((e) => !joint.has(e.uscc));
    s.eligible = eligible.length;
    summary.jointExcluded += members.length - eligible.length;
    const drawn = sample(rng, eligible, drawCount(eligible.length, p.randomShare));
    for (const e of drawn) chosen.push({ e, kind: 'random', rounds: Math.max(1, p.inspectionsPerYear) });
    s.selected = drawn.length;
  }
  chosen.sort(byKey((c) => c.e.uscc));

  const items: PlanItem[] = [];
  const short: string[] = [];
  const need = policy.inspectorsPerInspection;
  for (const { e, kind, rounds } of chosen) {
    const free = inspectors.filter((i) => !i.excludedUsccs.includes(e.uscc));
    if (free.length < need) {
      short.push(e.uscc);
      continue;
    }
    for (let round = 1; round <= rounds; round++) {
      items.push({
        seq: items.length + 1,
        uscc: e.uscc,
        name: e.name,
        tier: e.tier,
        score: e.score,
        kind,
        round,
        rounds,
        dueBy: dueBy(input.year, round, rounds),
        inspectors: sample(rng, free, need).map((i) => ({ id: i.id, name: i.name })),
      });
      summary.tiers[e.tier].inspections++;
    }
  }
  if (short.length) throw new PlanConflict(short, need);
  summary.selected = chosen.length;
  summary.inspections = items.length;
  return { items, summary };
}

import Joi from 'joi';
import { readConfigFile } from '../../lib/configFiles.js';
import { SEVERITIES, type Severity } from '../records/index.js';
import { STANDARDISATION_GRADES } from '../enterprises/index.js';

export type StandardisationGrade = (typeof STANDARDISATION_GRADES)[number];

/** Credit tiers (信用等级), best first. */
export const TIERS = ['A', 'B', 'C', 'D'] as const;
export type Tier = (typeof TIERS)[number];

/** Production-accident levels (生产安全事故等级). */
export const ACCIDENT_LEVELS = ['一般', '较大', '重大', '特别重大'] as const;
export type AccidentLevel = (typeof ACCIDENT_LEVELS)[number];

export interface AgeBand {
  upToMonths: number;
  factor: number;
}

/** The scorecard (评分表): rules as data in config/scorecard.json, versioned. */
export interface Scorecard {
  version: string;
  name: string;
  baseScore: number;
  /** Lowest score of each tier; below C is D. */
  tiers: { A: number; B: number; C: number };
  ageBands: AgeBand[];
  penalty: { severity: Record<Severity, number>; amountBands: { fromWan: number; points: number }[] };
  accident: { level: Record<AccidentLevel, number>; perDeath: number; deathPointsMax: number };
  listing: { points: number; tier: Tier };
  /** A fatal accident (deaths > 0) dated within the last `windowMonths` puts the tier at least `tiersDown` below the score's tier; `source` is shown in the reason. */
  fatalAccident?: { tiersDown: number; windowMonths: number; source: string };
  hazard: { major: number; general: number };
  commitment: { kept: number; keptMax: number; broken: number };
  standardisation: Record<StandardisationGrade, number>;
  permit: { perValid: number; max: number };
}

const points = () => Joi.number().min(-100).max(100).required();
const deduction = () => Joi.number().min(-100).max(0).required();
const bonus = () => Joi.number().min(0).max(100).required();
const keyed = <K extends string>(keys: readonly K[], item: () => Joi.Schema) => Joi.object(Object.fromEntries(keys.map((k) => [k, item()]))).required();

export const scorecardSchema = Joi.object({
  $comment: Joi.string(),
  version: Joi.string().trim().min(1).max(50).required(),
  name: Joi.string().trim().min(1).max(200).required(),
  baseScore: Joi.number().min(0).max(100).required(),
  tiers: Joi.object({
    A: Joi.number().min(0).max(100).required(),
    B: Joi.number().min(0).max(100).less(Joi.ref('A')).required(),
    C: Joi.number().min(0).max(100).less(Joi.ref('B')).required(),
  }).required(),
  ageBands: Joi.array()
    .items(Joi.object({ upToMonths: Joi.number().integer().min(1).max(1200).required(), factor: Joi.number().min(0).max(1).required() }))
    .min(1)
    .required()
    .custom((bands: AgeBand[], h) => (bands.every((b, i) => i === 0 || b.upToMonths > bands[i - 1].upToMonths) ? bands : h.message({ custom: 'ageBands must be in increasing upToMonths' }))),
  penalty: Joi.object({
    severity: keyed(SEVERITIES, deduction),
    amountBands: Joi.array()
      .items(Joi.object({ fromWan: Joi.number().min(0).required(), points: deduction() }))
      .required()
      .custom((bands: { fromWan: number }[], h) => (bands.every((b, i) => i === 0 || b.fromWan > bands[i - 1].fromWan) ? bands : h.message({ custom: 'amountBands must be in increasing fromWan' }))),
  }).required(),
  accident: Joi.object({ level: keyed(ACCIDENT_LEVELS, deduction), perDeath: deduction(), deathPointsMax: deduction() }).required(),
  listing: Joi.object({ points: deduction(), tier: Joi.string().valid(...TIERS).required() }).required(),
  fatalAccident: Joi.object({ tiersDown: Joi.number().integer().min(0).max(3).required(), windowMonths: Joi.number().integer().min(1).max(120).required(), source: Joi.string().trim().min(1).max(500).required() }),
  hazard: Joi.object({ major: deduction(), general: deduction() }).required(),
  commitment: Joi.object({ kept: bonus(), keptMax: bonus(), broken: deduction() }).required(),
  standardisation: keyed(STANDARDISATION_GRADES, points),
  permit: Joi.object({ perValid: bonus(), max: bonus() }).required(),
});

/** The scorecard in force (config/scorecard.json); an invalid file throws ConfigError listing every problem. */
export function scorecard(): Scorecard {
  return readConfigFile<Scorecard>('scorecard.json', scorecardSchema);
}

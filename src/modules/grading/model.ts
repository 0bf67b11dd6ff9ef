import mongoose, { Schema } from 'mongoose';
import { keyId } from '../../db/keyId.js';
import { tallied } from '../../db/tally.js';
import type { GradeReason } from './rules.js';
import type { AccidentLevel, Tier } from './scorecard.js';

/** Grades and history entries are addressed by deterministic ids (point reads by USCC, see keyId). */
export const gradeId = (uscc: string) => keyId(`grade:${uscc}`);
export const historyId = (uscc: string, seq: number) => keyId(`grade:${uscc}:${seq}`);

export type GradeTrigger = 'sweep' | 'nightly' | 'cli' | 'immediate' | 'bench';

/** The current grade (当前信用等级) of one enterprise. */
export interface GradeDoc {
  _id: mongoose.Types.ObjectId;
  uscc: string;
  name: string;
  districtCode: string;
  industryCode: string | null;
  score: number;
  tier: Tier;
  reasons: GradeReason[];
  scorecardVersion: string;
  /** Number of history entries: incremented when the score or the tier changes. */
  seq: number;
  /** sha256 of everything shown (score, tier, reasons, version, enterprise fields): unchanged results are not rewritten. */
  resultHash: string;
  /** When this result was first produced. */
  gradedAt: Date;
  /** When a regrade last confirmed it (a completed full regrade confirms every grade: see GradingRun). */
  checkedAt: Date;
  trigger: GradeTrigger;
}

const sourceSchema = new Schema({ type: { type: String }, id: String }, { _id: false });
const reasonSchema = new Schema({ indicator: String, source: { type: sourceSchema }, points: Number, detail: String }, { _id: false });

const gradeSchema = new Schema<GradeDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    uscc: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    districtCode: { type: String, required: true },
    industryCode: { type: String, default: null },
    score: { type: Number, required: true },
    tier: { type: String, required: true },
    reasons: { type: [reasonSchema], default: [] },
    scorecardVersion: { type: String, required: true },
    seq: { type: Number, required: true },
    resultHash: { type: String, required: true },
    gradedAt: { type: Date, required: true },
    checkedAt: { type: Date, required: true },
    trigger: { type: String, required: true },
  },
  { collection: 'grades', versionKey: false },
);
// Lists in USCC order by tier and district, or by district (listGrades: equalities, then the sort key).
gradeSchema.index({ tier: 1, districtCode: 1, uscc: 1 });
gradeSchema.index({ districtCode: 1, uscc: 1 });
gradeSchema.index({ industryCode: 1 });
// Statistics per district, tier and industry are kept with each write (grading/summaries.ts, db/tally.ts).
gradeSchema.plugin(tallied);

export const GradeModel = mongoose.model<GradeDoc>('Grade', gradeSchema);

/** One entry per change of score or tier (评级历史). Append-only; `_id` = keyId(uscc, seq). */
export interface GradeHistoryDoc {
  _id: mongoose.Types.ObjectId;
  uscc: string;
  seq: number;
  score: number;
  tier: Tier;
  previous: { score: number; tier: Tier } | null;
  reasons: GradeReason[];
  scorecardVersion: string;
  gradedAt: Date;
  trigger: GradeTrigger;
}

const historySchema = new Schema<GradeHistoryDoc>(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    uscc: { type: String, required: true },
    seq: { type: Number, required: true },
    score: { type: Number, required: true },
    tier: { type: String, required: true },
    previous: { type: new Schema({ score: Number, tier: String }, { _id: false }), default: null },
    reasons: { type: [reasonSchema], default: [] },
    scorecardVersion: { type: String, required: true },
    gradedAt: { type: Date, required: true },
    trigger: { type: String, required: true },
  },
  { collection: 'gradeHistory', versionKey: false },
);
historySchema.index({ uscc: 1, seq: -1 }, { unique: true });

export const GradeHistoryModel = mongoose.model<GradeHistoryDoc>('GradeHistory', historySchema);

/** A regrade run (full or sweep): what it did, for operators and for the `checkedAt` of unchanged grades. */
export interface GradingRunDoc {
  kind: 'full' | 'batch';
  trigger: GradeTrigger;
  scorecardVersion: string;
  startedAt: Date;
  finishedAt?: Date | null;
  counts: Record<string, number>;
  by: string;
}

const runSchema = new Schema<GradingRunDoc>(
  {
    kind: { type: String, required: true },
    trigger: { type: String, required: true },
    scorecardVersion: { type: String, required: true },
    startedAt: { type: Date, required: true },
    finishedAt: { type: Date, default: null },
    counts: { type: Schema.Types.Mixed, default: {} },
    by: { type: String, required: true },
  },
  { collection: 'gradingRuns', versionKey: false, minimize: false },
);
runSchema.index({ kind: 1, finishedAt: -1 });

export const GradingRunModel = mongoose.model<GradingRunDoc>('GradingRun', runSchema);

/**
 * When the last completed full regrade finished (`_id` 'lastFull'): it confirmed every grade it did not
 * rewrite. A point read, where finding the newest run would scan every run (one per sweep batch).
 */
export interface GradingStateDoc {
  _id: string;
  at: Date;
  runId: string;
}
const stateSchema = new Schema<GradingStateDoc>({ _id: String, at: { type: Date, required: true }, runId: String }, { collection: 'gradingState', versionKey: false });
export const GradingStateModel = mongoose.model<GradingStateDoc>('GradingState', stateSchema);

/**
 * A dirty enterprise taken by the sweep (`_id` = USCC). Inserted before the enterprise's `gradeDirty`
 * flag is cleared and deleted once its grade is written, so a crash in between leaves the claim behind
 * and a later sweep regrades it (claims older than the lease are picked up again).
 */
export interface GradingClaimDoc {
  _id: string;
  at: Date;
}

const claimSchema = new Schema<GradingClaimDoc>({ _id: String, at: { type: Date, required: true } }, { collection: 'gradingClaims', versionKey: false });
export const GradingClaimModel = mongoose.model<GradingClaimDoc>('GradingClaim', claimSchema);

/** 生产安全事故: recorded by clerks; a source of the scorecard's accident indicator. */
export interface AccidentDoc {
  uscc: string;
  districtCode: string;
  date: string;
  level: AccidentLevel;
  deaths: number;
  injuries: number;
  description: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const accidentSchema = new Schema<AccidentDoc>(
  {
    uscc: { type: String, required: true },
    districtCode: { type: String, required: true },
    date: { type: String, required: true },
    level: { type: String, required: true },
    deaths: { type: Number, required: true, default: 0 },
    injuries: { type: Number, required: true, default: 0 },
    description: { type: String, required: true },
    createdBy: { type: String, required: true },
  },
  { collection: 'accidents', versionKey: false, timestamps: true },
);
accidentSchema.index({ uscc: 1, date: -1 });

export const AccidentModel = mongoose.model<AccidentDoc>('Accident', accidentSchema);

/** 事故隐患: found on inspection; counts against the grade until rectified (整改). */
export interface HazardDoc {
  uscc: string;
  districtCode: string;
  foundDate: string;
  major: boolean;
  description: string;
  deadline?: string | null;
  rectifiedDate?: string | null;
  revision: number;
  createdBy: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const hazardSchema = new Schema<HazardDoc>(
  {
    uscc: { type: String, required: true },
    districtCode: { type: String, required: true },
    foundDate: { type: String, required: true },
    major: { type: Boolean, required: true },
    description: { type: String, required: true },
    deadline: { type: String, default: null },
    rectifiedDate: { type: String, default: null },
    revision: { type: Number, required: true, default: 1 },
    createdBy: { type: String, required: true },
    updatedBy: { type: String, required: true },
  },
  { collection: 'hazards', versionKey: false, timestamps: true },
);
hazardSchema.index({ uscc: 1, foundDate: -1 });

export const HazardModel = mongoose.model<HazardDoc>('Hazard', hazardSchema);

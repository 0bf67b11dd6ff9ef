import mongoose, { Schema } from 'mongoose';
import type { LegalDate } from '../../lib/calendar.js';
import type { DueDates, EligibilityReason, RepairState } from './rules.js';

/**
 * Credit repair (信用修复) collections:
 *  - `repairs`: one application per document, with its history of transitions (flat entries, no nested arrays);
 *  - `repairFiles`: the uploaded evidence, one document per file (bytes as BSON Binary, no GridFS), ≤ config files.maxBytes each;
 *  - `repairFulfilments`: the obligations of a penalty as recorded by the deciding authority, keyed by record id;
 *  - `repairCounters`: yearly sequence of application numbers (`_id` XF<year>, one atomic `$inc` per application).
 */

export interface RepairFileRef {
  fileId: string;
  name: string;
  mime: string;
  ext: string;
  size: number;
  sha256: string;
}

export interface RepairHistoryEntry {
  seq: number;
  action: 'submit' | 'accept' | 'refuse' | 'extend' | 'approve' | 'deny' | 'effect' | 'revoke';
  from: RepairState | null;
  to: RepairState;
  at: Date;
  /** Legal date (Asia/Shanghai) of the step. */
  date: LegalDate;
  actor: 'enterprise' | 'reviewer' | 'system';
  by: string;
  byName: string;
  /** Free text of the step: reasons, what is missing, the extension's reason … (joined, no nested arrays). */
  note: string | null;
}

export interface RepairDoc {
  /** 申请编号, e.g. XF2026-000001. */
  number: string;
  recordId: string;
  decisionNumber: string;
  decisionDate: LegalDate;
  uscc: string;
  subjectName: string;
  districtCode: string;
  authorityName: string;
  authorityUscc: string;
  /** Division of the deciding authority: reviewers decide only within their scope (谁认定、谁修复). */
  authorityDivision: string;
  severity: string;
  ruleVersion: string;
  state: RepairState;
  /**
   * Equal to recordId while the application occupies its penalty (submitted … effected), so the unique index
   * lets only one exist; `recordId:id` once refused or denied, which frees the penalty for a new application.
   */
  activeKey: string;
  /**
   * The credit commitment (信用承诺) the application relies on: made with the application itself (text accepted
   * explicitly), or a 信用修复 commitment registered beforehand in the commitments module (referenced by id).
   */
  commitment: {
    source: 'application' | 'register';
    text: string;
    accepted: boolean;
    acceptedAt: Date;
    commitmentId: string | null;
    signedDate: LegalDate | null;
    termEnd: LegalDate | null;
  };
  contact: { name: string; phone: string };
  statement: string | null;
  files: RepairFileRef[];
  /** Eligibility as decided at submission (stored and shown). */
  eligibility: { date: LegalDate; earliestDate: LegalDate | null; minimumPeriodEnd: LegalDate; reasons: EligibilityReason[] };
  submittedDate: LegalDate;
  acceptedDate: LegalDate | null;
  decidedDate: LegalDate | null;
  effectedDate: LegalDate | null;
  due: DueDates;
  extension: { reason: string; previousDue: LegalDate; newDue: LegalDate; by: string; byName: string; at: Date } | null;
  refusal: { missing: string[]; note: string | null; date: LegalDate; by: string; byName: string; at: Date } | null;
  decision: { outcome: 'approved' | 'denied'; number: string; reasons: string[]; note: string | null; by: string; byName: string; at: Date; date: LegalDate } | null;
  /** Resumable effects of an approval: each step is marked done once carried out. */
  effects: {
    withdrawn: boolean;
    /** Marked for regrading (gradeDirty) — the durable part of the step. */
    regraded: boolean;
    /** Also regraded at once (false: the grading lease was busy; the grading sweep regrades it). */
    regradedNow?: boolean;
    attempts: number;
    lastError: string | null;
  } | null;
  /**
   * 撤销修复 (the repair was obtained with false materials): when and why, how long a new application is refused
   * (barredUntil, inclusive), and the resumable effects (publication restored, regraded).
   */
  revocation?: {
    date: LegalDate;
    reasons: string[];
    note: string | null;
    barredUntil: LegalDate;
    source: string;
    by: string;
    byName: string;
    at: Date;
    restored: boolean;
    /** Publication was not restored because the penalty's maximum publicity period had ended meanwhile. */
    publicityEnded: boolean;
    regraded: boolean;
  } | null;
  history: RepairHistoryEntry[];
  /**
   * Held while one run carries out the effects of an approval or a revocation (owner, expiry); absent when
   * free. Taken and released by conditional writes, not counted as a change (no revision).
   */
  effectsLease?: { owner: string; until: Date };
  /** Incremented on every change (conditional updates). */
  revision: number;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const repairSchema = new Schema<RepairDoc>(
  {
    number: { type: String, required: true, unique: true },
    recordId: { type: String, required: true, index: true },
    decisionNumber: { type: String, required: true },
    decisionDate: { type: String, required: true },
    uscc: { type: String, required: true },
    subjectName: { type: String, required: true },
    districtCode: { type: String, required: true, index: true },
    authorityName: { type: String, required: true },
    authorityUscc: { type: String, required: true },
    authorityDivision: { type: String, required: true },
    severity: { type: String, required: true },
    ruleVersion: { type: String, required: true },
    state: { type: String, required: true },
    activeKey: { type: String, required: true, unique: true },
    commitment: { type: Schema.Types.Mixed, required: true },
    contact: { type: Schema.Types.Mixed, required: true },
    statement: { type: String, default: null },
    files: { type: Schema.Types.Mixed, required: true },
    eligibility: { type: Schema.Types.Mixed, required: true },
    submittedDate: { type: String, required: true },
    acceptedDate: { type: String, default: null },
    decidedDate: { type: String, default: null },
    effectedDate: { type: String, default: null },
    due: { type: Schema.Types.Mixed, required: true },
    extension: { type: Schema.Types.Mixed, default: null },
    refusal: { type: Schema.Types.Mixed, default: null },
    decision: { type: Schema.Types.Mixed, default: null },
    effects: { type: Schema.Types.Mixed, default: null },
    revocation: { type: Schema.Types.Mixed, default: null },
    history: { type: Schema.Types.Mixed, required: true },
    effectsLease: { type: Schema.Types.Mixed },
    revision: { type: Number, required: true },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, collection: 'repairs', versionKey: false, minimize: false },
);
repairSchema.index({ uscc: 1, createdAt: -1 });
repairSchema.index({ state: 1, createdAt: -1 });
repairSchema.index({ createdAt: -1 });

export const RepairModel = mongoose.model<RepairDoc>('Repair', repairSchema);

export interface RepairFileDoc {
  _id: mongoose.Types.ObjectId;
  applicationId: string;
  recordId: string;
  uscc: string;
  name: string;
  mime: string;
  ext: string;
  size: number;
  sha256: string;
  data: Buffer;
  uploadedBy: string;
  createdAt: Date;
}

const repairFileSchema = new Schema<RepairFileDoc>(
  {
    applicationId: { type: String, required: true, index: true },
    recordId: { type: String, required: true },
    uscc: { type: String, required: true },
    name: { type: String, required: true },
    mime: { type: String, required: true },
    ext: { type: String, required: true },
    size: { type: Number, required: true },
    sha256: { type: String, required: true },
    data: { type: Buffer, required: true },
    uploadedBy: { type: String, required: true },
    createdAt: { type: Date, required: true, index: true },
  },
  { collection: 'repairFiles', versionKey: false },
);

export const RepairFileModel = mongoose.model<RepairFileDoc>('RepairFile', repairFileSchema);

export interface FulfilmentEntry {
  finePaidDate: LegalDate | null;
  correctionConfirmedDate: LegalDate | null;
  evidence: string;
  at: Date;
  by: string;
  byName: string;
}

export interface FulfilmentDoc {
  /** The record id (one fulfilment document per penalty). */
  _id: string;
  uscc: string | null;
  districtCode: string;
  finePaidDate: LegalDate | null;
  correctionConfirmedDate: LegalDate | null;
  evidence: string;
  /** Every recording, oldest first. */
  history: FulfilmentEntry[];
  revision: number;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const fulfilmentSchema = new Schema<FulfilmentDoc>(
  {
    _id: { type: String, required: true },
    uscc: { type: String, default: null },
    districtCode: { type: String, required: true },
    finePaidDate: { type: String, default: null },
    correctionConfirmedDate: { type: String, default: null },
    evidence: { type: String, required: true },
    history: { type: Schema.Types.Mixed, required: true },
    revision: { type: Number, required: true },
    updatedBy: { type: String, required: true },
  },
  { timestamps: true, collection: 'repairFulfilments', versionKey: false, minimize: false },
);

export const FulfilmentModel = mongoose.model<FulfilmentDoc>('RepairFulfilment', fulfilmentSchema);

const counterSchema = new Schema<{ _id: string; seq: number }>({ _id: String, seq: Number }, { collection: 'repairCounters', versionKey: false });
export const RepairCounterModel = mongoose.model<{ _id: string; seq: number }>('RepairCounter', counterSchema);

import mongoose, { Schema } from 'mongoose';
import type { LegalDate } from '../../lib/calendar.js';
import type { CaseStatus, Eligibility, ExportFormat, PersonRole, RemovalStatements } from './rules.js';
import type { LedgerEventType, LedgerPerson } from './rows.js';

/** Who did a step, and when (instant). Every step also carries its legal date. */
export interface Actor {
  by: string;
  byName: string;
  at: Date;
}

export interface CasePerson {
  role: PersonRole;
  name: string;
  idType: string;
  idNumber: string;
  /** sha256 of the upper-cased ID number: batch comparison matches persons by it. */
  idHash: string;
  position?: string | null;
}

/** One dated stretch on the list, with what was published about it (a ledger entry is rendered from it). */
export interface CaseSpan {
  from: LegalDate;
  to: LegalDate;
  subjectName: string;
  persons: LedgerPerson[];
  measures: string[];
  events: { type: LedgerEventType; at: Date }[];
  /** Older cases only: where its ledger entry lives (new spans' slots are in `CaseDoc.ledgerSlots`). */
  ledger?: { page: number; slot: number } | null;
}

export interface CaseEvent extends Actor {
  seq: number;
  type: string;
  /** The step's legal date. */
  on: LegalDate | null;
  note: string | null;
}

export interface RemovalApplication extends Actor {
  no: number;
  appliedOn: LegalDate;
  statements: RemovalStatements;
  commitment: string;
  evidence: string;
  via: 'enterprise' | 'clerk';
  deadline: LegalDate;
  eligibility: Eligibility;
  status: 'pending' | 'approved' | 'rejected' | 'revoked';
  decision?: (Actor & { decidedOn: LegalDate; approved: boolean; reasons: string; late: boolean }) | null;
  revocation?: (Actor & { revokedOn: LegalDate; reasons: string }) | null;
}

/** A cited penalty that was revoked, with the revoking decision (行政复议、行政诉讼、自行纠错). */
export interface RevokedPenalty {
  id: string;
  decisionNumber: string;
  revocation: { decisionNumber: string; decisionDate: LegalDate; reason: string; basis?: string | null } | null;
}

export interface BasisReview {
  status: 'pending' | 'upheld' | 'revoked';
  since: LegalDate;
  revokedPenalties: RevokedPenalty[];
  /** Cited penalties still in force. */
  remaining: string[];
  decision: (Actor & { decidedOn: LegalDate; outcome: 'uphold' | 'revoke'; reasons: string }) | null;
}

/**
 * One listing procedure (严重失信主体名单列入程序) of one unit, and — when decided — its listing: proposal,
 * notice, service, statements (陈述申辩), decision, removal and its revocation. Steps are never
 * overwritten: each sets its own part once and appends to `history`.
 */
export interface CaseDoc {
  uscc: string;
  subjectName: string;
  subjectType: string;
  districtCode: string;
  persons: CasePerson[];
  groundCode: string;
  groundText: string;
  /** The unit itself is listed; false on a ground that lists the principal person only (MEM Order 11 art. 6(5)). Absent (older cases) = true. */
  unitListed?: boolean;
  penaltyIds: string[];
  penalties: { id: string; decisionNumber: string; decisionDate: LegalDate }[];
  authorityName: string;
  authorityUscc: string;
  /** 事实和理由 of the proposal. */
  facts: string;
  status: CaseStatus;
  proposal: Actor & { proposedOn: LegalDate };
  notice: (Actor & { number: string; issuedOn: LegalDate; reasons: string; basis: string; measures: string[]; rights: string[] }) | null;
  service: (Actor & { servedOn: LegalDate; method: string; recipient: string; deadline: LegalDate }) | null;
  waiver: (Actor & { waivedOn: LegalDate; via: 'enterprise' | 'clerk'; note: string | null }) | null;
  objections: (Actor & { no: number; submittedOn: LegalDate; content: string; evidence: string | null; via: 'enterprise' | 'clerk' })[];
  decision:
    | (Actor & {
        outcome: 'list' | 'not_list';
        decidedOn: LegalDate;
        decisionNumber: string | null;
        reasons: string;
        objectionResponse: string | null;
        measures: string[];
        start: LegalDate | null;
        end: LegalDate | null;
        removalConditions: string[];
        ruleVersion: string;
      })
    | null;
  listing: { start: LegalDate; end: LegalDate; removedOn: LegalDate | null; removal: { kind: 'expired' | 'early'; on: LegalDate; applicationNo: number | null; at: Date } | null } | null;
  applications: RemovalApplication[];
  /**
   * Review of the listing's legal basis after a cited penalty was revoked while the rest remain (the
   * reviewer's task, 复核): pending while the case is `suspended`; then upheld (listing restored) or revoked.
   */
  basisReview?: BasisReview | null;
  /** The listing's revocation (its legal basis is gone): automatic when no cited penalty remains, or on review. */
  revocation?: (Actor & { on: LegalDate; reasons: string; automatic: boolean; revokedPenalties: RevokedPenalty[] }) | null;
  spans: CaseSpan[];
  /**
   * Where each span's ledger entry lives, by span index (`"0"`, `"1"`, …): set once, by a write conditional on
   * the key being absent, and never by a step (steps rewrite spans from what they read).
   */
  ledgerSlots?: Record<string, { page: number; slot: number }>;
  /**
   * The listing decision's number (列入决定书文号) with its authority: present only once the unit is decided listed,
   * set in the same write as the decision. A unique index on it makes the number unique per authority.
   */
  decisionKey?: { authority: string; number: string };
  history: CaseEvent[];
  /** +1 on every change; effects (enterprise flag, penalty marks, ledger) are synced up to `syncedRev`. */
  rev: number;
  syncPending: boolean;
  lastEventAt: Date;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const caseSchema = new Schema<CaseDoc>(
  {
    uscc: { type: String, required: true },
    subjectName: { type: String, required: true },
    subjectType: { type: String, required: true },
    districtCode: { type: String, required: true },
    persons: { type: Schema.Types.Mixed, default: [] },
    groundCode: { type: String, required: true },
    groundText: { type: String, required: true },
    unitListed: { type: Boolean, default: true },
    penaltyIds: { type: [String], default: [] },
    penalties: { type: Schema.Types.Mixed, default: [] },
    authorityName: { type: String, required: true },
    authorityUscc: { type: String, required: true },
    facts: { type: String, required: true },
    status: { type: String, required: true },
    proposal: { type: Schema.Types.Mixed, required: true },
    notice: { type: Schema.Types.Mixed, default: null },
    service: { type: Schema.Types.Mixed, default: null },
    waiver: { type: Schema.Types.Mixed, default: null },
    objections: { type: Schema.Types.Mixed, default: [] },
    decision: { type: Schema.Types.Mixed, default: null },
    listing: { type: Schema.Types.Mixed, default: null },
    applications: { type: Schema.Types.Mixed, default: [] },
    basisReview: { type: Schema.Types.Mixed, default: null },
    revocation: { type: Schema.Types.Mixed, default: null },
    spans: { type: Schema.Types.Mixed, default: [] },
    ledgerSlots: { type: Schema.Types.Mixed },
    decisionKey: { type: Schema.Types.Mixed },
    history: { type: Schema.Types.Mixed, default: [] },
    rev: { type: Number, required: true },
    syncPending: { type: Boolean, required: true },
    lastEventAt: { type: Date, required: true },
    createdBy: { type: String, required: true },
  },
  { timestamps: true, collection: 'dishonestyCases', versionKey: false, minimize: false },
);
caseSchema.index({ uscc: 1, status: 1 });
// A listing decision number is used once per authority. `decisionKey` is absent until a listing decision: sparse keeps
// undecided cases out of the index (a compound sparse index skips documents missing every indexed field).
caseSchema.index({ 'decisionKey.authority': 1, 'decisionKey.number': 1 }, { unique: true, sparse: true });
caseSchema.index({ status: 1, 'listing.end': 1 });
caseSchema.index({ penaltyIds: 1 });
caseSchema.index({ 'persons.idHash': 1 });
caseSchema.index({ subjectName: 1 });
caseSchema.index({ districtCode: 1 });
caseSchema.index({ syncPending: 1 });
caseSchema.index({ lastEventAt: -1 });

export const CaseModel = mongoose.model<CaseDoc>('DishonestyCase', caseSchema);

/**
 * The export ledger: entries (rows.ts, encoded) packed up to `LEDGER_PAGE_SIZE` to a page, stored
 * deflated (`z`: the entries joined by newlines; `n` of them). Pages are numbered from 1; entries never
 * move, a changed span rewrites its own slot (read, inflate, replace, deflate, write under the page lock).
 */
export interface LedgerPageDoc {
  _id: number;
  /** Number of entries (slots) on the page. */
  n: number;
  z: Buffer;
  /** +1 on every write: writes are conditional on it. */
  rev: number;
  changedAt: Date;
}
const ledgerSchema = new Schema<LedgerPageDoc>({ _id: Number, n: Number, z: Buffer, rev: Number, changedAt: Date }, { collection: 'dishonestyLedger', versionKey: false });
ledgerSchema.index({ changedAt: 1 });
export const LedgerPageModel = mongoose.model<LedgerPageDoc>('DishonestyLedgerPage', ledgerSchema);

/**
 * The ledger's slot counter (one document, `_id: 'head'`): `next` is the number of slots reserved so far; slot
 * number k is slot `k % LEDGER_PAGE_SIZE` of page `k / LEDGER_PAGE_SIZE + 1`. A reservation is one `$inc`.
 * (`page` is the former layout's head page, read once to start `next` where that layout stopped.)
 */
export interface LedgerHeadDoc {
  _id: string;
  next?: number;
  page?: number;
}
export const LedgerHeadModel = mongoose.model<LedgerHeadDoc>(
  'DishonestyLedgerHead',
  new Schema<LedgerHeadDoc>({ _id: String, next: Number, page: Number }, { collection: 'dishonestyLedgerHead', versionKey: false }),
);

/**
 * Citations (据以列入的行政处罚 held by a case): `_id` is `citation:<penaltyId>`, `caseId` the case citing it. A penalty
 * held by an open case cannot be cited by a new proposal. A collection of its own because a case cites several
 * penalties: a unique index over an array field of the cases would not do (MongoDB indexes an empty array and a
 * missing field alike, so every closed case would collide, and partial indexes are not available on the embedded
 * database). A claim is one insert (the `_id` is unique); taking over a released citation is one update whose
 * filter names the holder it replaces. (The collection keeps its former name, `dishonestyKeys`, so citations
 * stored before stay in force; its former `subject:`/`decision:` documents are removed by the daily job.)
 */
export interface CitationDoc {
  _id: string;
  caseId: string;
  at: Date;
}
export const CitationModel = mongoose.model<CitationDoc>(
  'DishonestyCitation',
  new Schema<CitationDoc>({ _id: String, caseId: String, at: Date }, { collection: 'dishonestyKeys', versionKey: false }),
);

/** A manifest: one export, what it asked for and what it produced. */
export interface ExportDoc {
  kind: 'dishonesty-list';
  format: ExportFormat;
  mode: 'asOf' | 'delta';
  query: { asOf?: LegalDate; since?: Date; until?: Date };
  status: 'running' | 'complete' | 'failed';
  rowCount: number;
  bytes: number;
  sha256: string | null;
  fileName: string;
  /** Where a job or CLI export was written. */
  path: string | null;
  origin: 'api' | 'job' | 'cli';
  principalId: string;
  principalName: string;
  roles: string[];
  requestId: string | null;
  error: string | null;
  startedAt: Date;
  completedAt: Date | null;
}
const exportSchema = new Schema<ExportDoc>(
  {
    kind: { type: String, required: true },
    format: { type: String, required: true },
    mode: { type: String, required: true },
    query: { type: Schema.Types.Mixed, required: true },
    status: { type: String, required: true },
    rowCount: { type: Number, required: true },
    bytes: { type: Number, required: true },
    sha256: { type: String, default: null },
    fileName: { type: String, required: true },
    path: { type: String, default: null },
    origin: { type: String, required: true },
    principalId: { type: String, required: true },
    principalName: { type: String, required: true },
    roles: { type: [String], default: [] },
    requestId: { type: String, default: null },
    error: { type: String, default: null },
    startedAt: { type: Date, required: true },
    completedAt: { type: Date, default: null },
  },
  { collection: 'exports', versionKey: false, minimize: false },
);
exportSchema.index({ startedAt: -1 });
exportSchema.index({ principalId: 1, startedAt: -1 });
exportSchema.index({ origin: 1, mode: 1, startedAt: -1 });
export const ExportModel = mongoose.model<ExportDoc>('Export', exportSchema);

/** 惩戒反馈: a joint-punishment measure a partner department applied to a listed subject. */
export interface FeedbackDoc {
  caseId: string;
  uscc: string;
  subjectName: string;
  districtCode: string;
  partnerId: string;
  partnerName: string;
  measureCode: string;
  measureText: string;
  appliedOn: LegalDate;
  caseNumber: string;
  note: string | null;
  at: Date;
  requestId: string | null;
}
const feedbackSchema = new Schema<FeedbackDoc>(
  {
    caseId: { type: String, required: true },
    uscc: { type: String, required: true },
    subjectName: { type: String, required: true },
    districtCode: { type: String, required: true },
    partnerId: { type: String, required: true },
    partnerName: { type: String, required: true },
    measureCode: { type: String, required: true },
    measureText: { type: String, required: true },
    appliedOn: { type: String, required: true },
    caseNumber: { type: String, required: true },
    note: { type: String, default: null },
    at: { type: Date, required: true },
    requestId: { type: String, default: null },
  },
  { collection: 'punishmentFeedback', versionKey: false },
);
// One partner records one measure of one case number once (a repeat answers 409).
feedbackSchema.index({ partnerId: 1, caseId: 1, measureCode: 1, caseNumber: 1 }, { unique: true });
feedbackSchema.index({ uscc: 1, appliedOn: -1 });
feedbackSchema.index({ partnerId: 1, appliedOn: -1 });
export const FeedbackModel = mongoose.model<FeedbackDoc>('PunishmentFeedback', feedbackSchema);

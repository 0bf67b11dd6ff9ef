/** The API's answers, as far as the console reads them. */
import type { Role } from '../../src/modules/auth/roles.js';

export type { Role };
export type Tier = 'A' | 'B' | 'C' | 'D';
export const TIERS: Tier[] = ['A', 'B', 'C', 'D'];

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Me {
  id: string;
  name: string;
  roles: Role[];
  roleLabels: string[];
  uscc: string | null;
  scope: string[];
  via: 'apiKey' | 'jwt';
}

export interface Enterprise {
  id: string;
  uscc: string;
  name: string;
  subjectType: string;
  legalRepresentative: string;
  districtCode: string;
  industryCode: string;
  address?: string;
  standardisationGrade?: string;
  supervisingAuthority?: string;
  /** On list answers: the current grade, null until first graded. */
  grade?: { tier: Tier; score: number; gradedAt?: string } | null;
}

export interface Delivery {
  state: string;
  version: number;
  op: string;
  reason: string | null;
  attempts: number;
  deliveredAt: string | null;
  lastError: { code?: string; message?: string } | string | null;
}

export interface RecordItem {
  id: string;
  kind: 'permit' | 'penalty';
  version: number;
  lifecycle: 'active' | 'revoked' | 'expired' | 'withdrawn';
  subjectName: string;
  uscc: string;
  decisionNumber: string;
  decisionDate: string;
  authorityName: string;
  content?: string;
  penaltyTypes?: string[];
  fineAmount?: number;
  validTo?: string;
  validUntil?: string;
  publicityDeadline: string | null;
  /** Paths of the dates computed before the year's official holiday schedule (暂定). */
  provisionalDates?: string[];
  published: boolean | null;
  severity?: string | null;
  repairEarliestDate?: string | null;
  publicityEndDate?: string | null;
  delivery: Record<string, Delivery | null>;
  [field: string]: unknown;
}

export interface GradeReason {
  indicator: string;
  source: { type: string; id: string };
  points: number;
  detail: string;
}

export interface Grade {
  uscc: string;
  name: string;
  districtCode: string;
  industryCode: string;
  score: number;
  tier: Tier;
  scorecardVersion: string;
  gradedAt: string;
  checkedAt: string;
  reasons: GradeReason[];
}

export interface GradeHistoryItem {
  version: number;
  score: number;
  tier: Tier;
  gradedAt: string;
  trigger: string;
}

export interface TierStats {
  by: 'district' | 'industry';
  groups: ({ key: string; total: number } & Record<Tier, number>)[];
  totals: Record<Tier | 'total', number>;
}

export interface PlatformStatus {
  platform: string;
  circuit: string;
  counts: Record<string, number>;
  overdueCount: number;
  overdue: { id: string; kind: string; decisionNumber: string; subjectName: string; publicityDeadline: string; state: string }[];
  failed: unknown[];
  rejected: { id: string; decisionNumber: string; subjectName: string; lastError?: unknown }[];
  rejectedAfterReview: unknown[];
  queueAgeSeconds: number;
}

export interface PublicityStatus {
  today: string;
  platforms: PlatformStatus[];
}

export interface Timeliness {
  month: string;
  items: { authorityName: string; platform: string; total: number; onTime: number; late: number; notYetDue: number; rate: number | null }[];
}

export interface RepairFile {
  id: string;
  name: string;
  mime: string;
  size: number;
  url: string;
}

export interface Repair {
  id: string;
  number: string;
  state: string;
  stateLabel: string;
  recordId: string;
  decisionNumber: string;
  decisionDate: string;
  uscc: string;
  subjectName: string;
  authorityName: string;
  severity: string;
  commitment: { text: string | null; accepted: boolean; source: string } | null;
  contact: { name: string; phone: string } | null;
  statement: string | null;
  files: RepairFile[];
  submittedDate: string;
  acceptedDate: string | null;
  decidedDate: string | null;
  effectedDate: string | null;
  due: { acceptance: string | null; decision: string | null; resultShared: string | null };
  provisionalDates?: string[];
  overdue: unknown;
  decision: { outcome: string; number?: string } | null;
  documentUrl: string | null;
  history?: { seq: number; action: string; to: string; date: string; byName?: string; note?: string | null }[];
}

export interface OverdueItem {
  id: string;
  number: string;
  state: string;
  step: string;
  stepLabel: string;
  due: string;
  overdueWorkdays: number;
  subjectName: string;
  decisionNumber: string;
}

export interface Eligibility {
  eligible: boolean;
  earliestDate: string | null;
  reasons: { code: string; message: string }[];
  conditions: { code: string; label: string; met: boolean; note: string }[];
}

export interface DishonestyCase {
  id: string;
  status: string;
  statusLabel: string;
  uscc: string;
  subjectName: string;
  ground: { code: string; article: string | null; text: string };
  authorityName: string;
  objectionPeriod: { servedOn: string; deadline: string; waivedOn: string | null } | null;
  provisionalDates?: string[];
  decision: { outcome: string; decidedOn: string; decisionNumber?: string } | null;
  /** The listing period as the API answers it (start/end: first and last day on the list; removedOn: first day off it). */
  listing: { start: string; end: string; removedOn: string | null; removal: { kind: 'expired' | 'early'; on: string; applicationNo: number | null } | null } | null;
  applications?: { no: number; appliedOn: string; deadline: string; status: string }[];
}

export interface ImportJob {
  id: string;
  kind: 'penalties' | 'permits';
  kindLabel: string;
  fileName: string | null;
  status: 'queued' | 'running' | 'done' | 'failed';
  rowsTotal: number | null;
  rowsRead: number;
  created: number;
  unchanged: number;
  failed: number;
  ignoredColumns: string[];
  error: string | null;
  createdAt: string;
  errorsUrl: string;
}

export interface Plan {
  id: string;
  year: number;
  district: string;
  seed: number;
  policyVersion: string;
  inputsHash: string;
  summary: { tiers: Record<Tier, { enterprises: number; eligible: number; selected: number; inspections: number }>; enterprises: number; selected: number; inspections: number; jointExcluded: number };
  createdAt: string;
}

export interface PlanItem {
  seq: number;
  uscc: string;
  name: string;
  tier: Tier;
  score: number | null;
  kind: string;
  round: number;
  rounds: number;
  dueBy: string;
  inspectors: { id: string; name: string }[];
}

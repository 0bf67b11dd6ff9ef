/**
 * The serious-dishonesty list (严重失信主体名单) as the console reads it: the case the API presents
 * (GET /dishonesty-list/:id, src/modules/dishonesty/service.ts presentCase), the early-removal eligibility,
 * and the Chinese labels of the API's codes. Grounds, measures and numbers of the proposal and notice forms
 * come from config/dishonesty.json (the service's own rules file, bundled at build time); a case shows its
 * ground and measures as the API answers them.
 */
import rulesFile from '../../../config/dishonesty.json';
import { withProvisional } from '../labels.js';

export interface Actor {
  by: string;
  byName: string;
  at: string;
}

export interface MeasureRef {
  code: string;
  text: string;
}

export interface Application extends Actor {
  no: number;
  appliedOn: string;
  via: 'enterprise' | 'clerk';
  statements: { penaltyFulfilled: boolean; hazardRectified: boolean; commitment: boolean };
  commitment: string;
  evidence: string;
  deadline: string;
  status: 'pending' | 'approved' | 'rejected' | 'revoked';
  decision: (Actor & { decidedOn: string; approved: boolean; reasons: string; late: boolean }) | null;
  revocation: (Actor & { revokedOn: string; reasons: string }) | null;
}

export interface Objection extends Actor {
  no: number;
  submittedOn: string;
  content: string;
  evidence: string | null;
  via: 'enterprise' | 'clerk';
}

export interface HistoryEvent extends Actor {
  seq: number;
  type: string;
  on: string | null;
  note: string | null;
}

export interface ListingPeriod {
  start: string;
  end: string;
  removedOn: string | null;
  removal: { kind: 'expired' | 'early'; on: string; applicationNo: number | null } | null;
}

/** One case, as GET /dishonesty-list/:id answers (the list answers the same without history, objections, applications, spans). */
export interface ListingCase {
  id: string;
  status: string;
  statusLabel: string;
  uscc: string;
  subjectName: string;
  subjectType: string;
  districtCode: string;
  persons: { role: string; roleLabel: string; name: string; idType: string; idNumber: string; position: string | null }[];
  ground: { code: string; article: string | null; text: string };
  unitListed: boolean;
  penalties: { id: string; decisionNumber: string; decisionDate: string }[];
  authorityName: string;
  authorityUscc: string;
  facts: string;
  proposal: Actor & { proposedOn: string };
  notice: (Actor & { number: string; issuedOn: string; reasons: string; basis: string; measures: MeasureRef[]; rights: string[]; document: string }) | null;
  service: (Actor & { servedOn: string; method: string; recipient: string; deadline: string }) | null;
  objectionPeriod: { servedOn: string; deadline: string; waivedOn: string | null } | null;
  objections?: Objection[];
  waiver: (Actor & { waivedOn: string; via: 'enterprise' | 'clerk'; note: string | null }) | null;
  decision:
    | (Actor & { outcome: 'list' | 'not_list'; decidedOn: string; decisionNumber: string | null; reasons: string; objectionResponse: string | null; measures: MeasureRef[]; start: string | null; end: string | null; removalConditions: string[]; document: string })
    | null;
  listing: ListingPeriod | null;
  applications?: Application[];
  basisReview: { status: 'pending' | 'upheld' | 'revoked'; since: string } | null;
  revocation: { on: string; reasons: string } | null;
  spans?: { from: string; to: string; subjectName: string; measures: string[] }[];
  history?: HistoryEvent[];
  provisionalDates?: string[];
}

export interface EligibilityCondition {
  code: string;
  /** null: declared by the applicant in the application. */
  met: boolean | null;
  reason: string;
}

export interface RemovalEligibility {
  id: string;
  today: string;
  canApply: boolean;
  eligible: boolean;
  earliestDate: string | null;
  conditions: EligibilityCondition[];
}

// ---------------------------------------------------------------------------------------------
// Rules (config/dishonesty.json)

export interface GroundRule {
  code: string;
  article: string;
  text: string;
  unit: boolean;
  personRoles: string[];
}

export interface MeasureRule {
  code: string;
  text: string;
  appliesTo: 'unit' | 'person' | 'both';
  default: boolean;
}

export const RULES = rulesFile as unknown as {
  legalBasis: string;
  objectionWorkingDays: number;
  listingYears: number;
  earlyRemovalMinMonths: number;
  removalDecisionWorkingDays: number;
  grounds: GroundRule[];
  measures: MeasureRule[];
  removalConditions: string[];
};

export const groundRule = (code: string) => RULES.grounds.find((g) => g.code === code);

/** The measures that bind someone a listing names (as the service's defaultMeasuresFor). */
export function measureApplies(m: MeasureRule, s: { unit: boolean; persons: boolean }): boolean {
  if (m.appliesTo === 'person') return s.persons;
  if (m.appliesTo === 'unit') return s.unit;
  return s.unit || s.persons;
}

/** Service methods of a notice (schemas/dishonesty.ts SERVICE_METHODS). */
export const SERVICE_METHODS = ['直接送达', '留置送达', '邮寄送达', '电子送达', '委托送达', '公告送达'] as const;

// ---------------------------------------------------------------------------------------------
// Labels

export const PERSON_ROLE_LABELS: Record<string, string> = { principal: '主要负责人', responsible: '其他责任人员' };

export const EVENT_LABELS: Record<string, string> = {
  proposed: '提请列入',
  notice_issued: '制发告知书',
  notice_served: '告知书送达',
  objection: '陈述申辩',
  objection_waived: '放弃陈述申辩',
  listed: '决定列入',
  not_listed: '决定不予列入',
  changed: '变更列入信息',
  removal_applied: '申请提前移出',
  removal_rejected: '不予提前移出',
  removed_early: '准予提前移出',
  removed_expired: '期满移出',
  restored: '撤销移出决定，恢复列入',
  revoked: '撤销列入决定',
  basis_review: '列入依据待复核',
  basis_upheld: '复核维持列入',
  period_recomputed: '按节假日安排重新计算期限',
};
export const eventLabel = (type: string) => EVENT_LABELS[type] ?? '其他环节';

export const APPLICATION_STATUS_LABELS: Record<Application['status'], string> = { pending: '待决定', approved: '准予提前移出', rejected: '不予提前移出', revoked: '移出决定已撤销' };
export const VIA_LABELS: Record<'enterprise' | 'clerk', string> = { enterprise: '当事人提出', clerk: '由录入人员代为登记' };

export const STATEMENT_LABELS: Record<keyof Application['statements'], string> = {
  penaltyFulfilled: '已履行行政处罚决定规定的义务（罚款已缴纳、停产停业已执行等）',
  hazardRectified: '已纠正失信行为、完成重大事故隐患整改',
  commitment: '作出信用承诺',
};

/** A ground as a reader sees it: 第七条第（三）项：对重大事故隐患拒不整改… (never the bare code). */
export function groundText(g: { code: string; article?: string | null; text: string }): string {
  const article = g.article ?? groundRule(g.code)?.article;
  return article ? `${article}：${g.text}` : g.text;
}

export function statusTone(status: string): 'ok' | 'warn' | 'bad' | 'neutral' {
  if (status === 'listed') return 'bad';
  if (status === 'removed' || status === 'not_listed' || status === 'revoked') return 'neutral';
  return 'warn';
}

/** The listing period in words: 2025-01-02 至 2028-01-02（2026-03-01 起移出）. */
export function periodText(l: ListingPeriod | null | undefined): string {
  if (!l?.start) return '—';
  const removed = l.removedOn ? `（${l.removedOn} 起${l.removal?.kind === 'early' ? '提前' : '期满'}移出）` : '';
  return `${l.start} 至 ${l.end}${removed}`;
}

export const deadlineText = (c: Pick<ListingCase, 'objectionPeriod' | 'provisionalDates'>) => withProvisional(c.objectionPeriod?.deadline, c.provisionalDates, 'objectionPeriod.deadline');

/** The next step of an open case, in words (staff). */
export function nextStep(c: Pick<ListingCase, 'status' | 'objectionPeriod'>, today: string): string {
  switch (c.status) {
    case 'proposed':
      return '制发告知书';
    case 'notified':
      return '登记送达';
    case 'objection':
      if (c.objectionPeriod?.waivedOn || (c.objectionPeriod && c.objectionPeriod.deadline < today)) return '作出决定';
      return '陈述申辩期内';
    case 'listed':
      return '列入期间';
    case 'suspended':
      return '复核列入依据';
    default:
      return '已办结';
  }
}

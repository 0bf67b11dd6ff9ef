/**
 * Pure rules of the serious-dishonesty list (安全生产严重失信主体名单, MEM Order No. 11): procedure
 * dates, when a reviewer may decide, membership on a date, early-removal eligibility with its reasons.
 * No database, no clock: callers pass `today`. The numbers and texts live in config/dishonesty.json.
 */
import Joi from 'joi';
import { addWorkdays, dayAfterPeriod, periodLastDay, type LegalDate } from '../../lib/calendar.js';
import { readConfigFile } from '../../lib/configFiles.js';

export const EXPORT_FORMATS = ['csv', 'xlsx', 'jsonl'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** A ground of listing (列入情形), MEM Order No. 11 arts. 6–7, with who may be listed on it. */
export interface Ground {
  code: string;
  /** 第六条第（一）项 … */
  article: string;
  text: string;
  /** The unit (生产经营单位 / 机构) itself is listed; false = 6(5): the principal person only. */
  unit: boolean;
  /** The persons who may be listed with (or, when !unit, without) the unit. */
  personRoles: PersonRole[];
  /** The text was checked against a copy of the order (`textSource`). */
  verified: boolean;
  textSource?: string;
}

export interface Measure {
  code: string;
  text: string;
  appliesTo: 'unit' | 'person' | 'both';
  default: boolean;
}

export interface DishonestyRules {
  ruleVersion: string;
  legalBasis: string;
  /** "谁处罚、谁决定、谁负责" (art. 4): how keys are matched to the punishing authority. */
  authority: { binding: 'whenBound' | 'required'; article: string; text: string; source: string };
  objectionWorkingDays: number;
  listingYears: number;
  earlyRemovalMinMonths: number;
  removalDecisionWorkingDays: number;
  grounds: Ground[];
  measures: Measure[];
  removalConditions: string[];
  rights: string[];
  remedies: string;
  comparisonMaxRows: number;
  dailyExport: { formats: ExportFormat[]; settleSeconds: number };
}

const code = Joi.string().pattern(/^[A-Za-z0-9]{1,8}$/);
export const dishonestyRulesSchema = Joi.object({
  $comment: Joi.string(),
  ruleVersion: Joi.string().required(),
  legalBasis: Joi.string().required(),
  authority: Joi.object({ $comment: Joi.string(), binding: Joi.string().valid('whenBound', 'required').required(), article: Joi.string().required(), text: Joi.string().required(), source: Joi.string().uri().required() }).required(),
  objectionWorkingDays: Joi.number().integer().min(1).max(60).required(),
  listingYears: Joi.number().integer().min(1).max(10).required(),
  earlyRemovalMinMonths: Joi.number().integer().min(0).max(120).required(),
  removalDecisionWorkingDays: Joi.number().integer().min(1).max(120).required(),
  grounds: Joi.array()
    .items(
      Joi.object({
        code: code.required(),
        article: Joi.string().pattern(/^第[六七]条第（[一二三四五六七八九十]+）项$/).required(),
        text: Joi.string().required(),
        unit: Joi.boolean().required(),
        personRoles: Joi.array().items(Joi.string().valid('principal', 'responsible')).unique().required(),
        verified: Joi.boolean().required(),
        textSource: Joi.string().uri(),
      }).custom((g: Ground, h) => (g.unit || g.personRoles.includes('principal') ? g : h.message({ custom: `ground ${g.code} lists neither the unit nor the principal person` }))),
    )
    .min(1)
    .unique('code')
    .required(),
  measures: Joi.array()
    .items(Joi.object({ code: code.required(), text: Joi.string().required(), appliesTo: Joi.string().valid('unit', 'person', 'both').required(), default: Joi.boolean().required() }))
    .min(1)
    .unique('code')
    .required(),
  removalConditions: Joi.array().items(Joi.string()).min(1).required(),
  rights: Joi.array().items(Joi.string()).min(1).required(),
  remedies: Joi.string().required(),
  sources: Joi.object({ official: Joi.string().uri().required(), used: Joi.array().items(Joi.string().uri()).required(), note: Joi.string().required() }),
  comparisonMaxRows: Joi.number().integer().min(1).max(100_000).required(),
  dailyExport: Joi.object({
    formats: Joi.array().items(Joi.string().valid(...EXPORT_FORMATS)).min(1).unique().required(),
    settleSeconds: Joi.number().integer().min(0).max(3600).required(),
  }).required(),
});

export function dishonestyRules(): DishonestyRules {
  return readConfigFile<DishonestyRules>('dishonesty.json', dishonestyRulesSchema);
}

export function groundOf(code: string, rules: DishonestyRules = dishonestyRules()): Ground | undefined {
  return rules.grounds.find((g) => g.code === code);
}

export function measureOf(code: string, rules: DishonestyRules = dishonestyRules()): Measure | undefined {
  return rules.measures.find((m) => m.code === code);
}

/** The measure codes a decision applies when the reviewer names none. */
export function defaultMeasures(rules: DishonestyRules = dishonestyRules()): string[] {
  return rules.measures.filter((m) => m.default).map((m) => m.code);
}

/** Measures that bind a unit (subject = 'unit') or a listed person (subject = 'person'). */
export function measuresFor(codes: readonly string[], subject: 'unit' | 'person', rules: DishonestyRules = dishonestyRules()): Measure[] {
  return codes.map((c) => measureOf(c, rules)).filter((m): m is Measure => m !== undefined && (m.appliesTo === 'both' || m.appliesTo === subject));
}

// ---------------------------------------------------------------------------------------------
// Who is listed on a ground (MEM Order No. 11 arts. 6–7, config/dishonesty.json grounds[].unit / personRoles)

export interface Problem {
  path: string;
  message: string;
}

/** How a ground is cited in messages and documents: （e，第六条第（五）项）. */
export function groundRef(g: Ground): string {
  return `列入事由（${g.code}，${g.article}）`;
}

/**
 * What is wrong with the persons proposed for a listing on `ground` (paths under `base`): a role the ground does
 * not list; on a ground that lists no unit (6(5)), the principal person is required — a person listed without the unit.
 */
export function subjectProblems(ground: Ground, persons: readonly { role: PersonRole }[], base = 'persons'): Problem[] {
  const out: Problem[] = [];
  persons.forEach((p, i) => {
    if (!ground.personRoles.includes(p.role)) {
      const allowed = ground.personRoles.map((r) => PERSON_ROLE_LABELS[r]).join('、');
      out.push({ path: `${base}.${i}.role`, message: `${groundRef(ground)}不列入${PERSON_ROLE_LABELS[p.role]}${allowed ? `（可列入：${allowed}）` : ''}` });
    }
  });
  if (!ground.unit && !persons.some((p) => p.role === 'principal')) {
    out.push({ path: base, message: `${groundRef(ground)}只列入生产经营单位主要负责人，不列入单位：须填写主要负责人` });
  }
  return out;
}

/** Who a listing names: the unit (unless the ground excludes it) and whether any person. */
export interface ListedSubjects {
  unit: boolean;
  persons: boolean;
}

/** Whether a measure binds anyone a listing names: a person-only measure (M07) needs a listed person, a unit-only one the unit. */
export function measureApplies(m: Measure, s: ListedSubjects): boolean {
  if (m.appliesTo === 'person') return s.persons;
  if (m.appliesTo === 'unit') return s.unit;
  return s.unit || s.persons;
}

/** The default measures that bind someone this listing names (M07 never on a unit-only listing). */
export function defaultMeasuresFor(s: ListedSubjects, rules: DishonestyRules = dishonestyRules()): string[] {
  return rules.measures.filter((m) => m.default && measureApplies(m, s)).map((m) => m.code);
}

/** Measures named explicitly that bind nobody the listing names. */
export function measureProblems(codes: readonly string[], s: ListedSubjects, base: string, rules: DishonestyRules = dishonestyRules()): Problem[] {
  const out: Problem[] = [];
  codes.forEach((c, i) => {
    const m = measureOf(c, rules);
    if (m && !measureApplies(m, s)) {
      out.push({ path: `${base}.${i}`, message: m.appliesTo === 'person' ? `惩戒措施 ${c}（${m.text}）只适用于列入的人员，本案未列入人员` : `惩戒措施 ${c}（${m.text}）只适用于单位，本案不列入单位` });
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// "谁处罚、谁决定、谁负责" (MEM Order No. 11 art. 4): the authority that made the cited penalty handles the listing

/**
 * Why `actor` may not propose or decide a listing whose cited penalties `authority` made, or null. A key bound to
 * an authority (its authorityUscc) must be that authority; an unbound key is refused when binding is `required`,
 * else left to the district scope (transition: config/dishonesty.json authority.binding).
 */
export function authorityProblem(actor: { authorityUscc?: string; authorityName?: string }, authority: { uscc: string; name: string }, rules: DishonestyRules = dishonestyRules()): string | null {
  const basis = `“谁处罚、谁决定、谁负责”（${rules.legalBasis}${rules.authority.article}）`;
  if (!actor.authorityUscc) return rules.authority.binding === 'required' ? `本密钥未绑定行政机关，不能办理严重失信主体名单：${basis}` : null;
  if (actor.authorityUscc === authority.uscc) return null;
  return `据以列入的行政处罚由${authority.name}（${authority.uscc}）作出，应由该机关提请和决定列入，${actor.authorityName ?? actor.authorityUscc}不能办理：${basis}`;
}

/** The rights stated in a notice, with the configured numbers filled in. */
export function rightsText(rules: DishonestyRules = dishonestyRules()): string[] {
  return rules.rights.map((r) => r.replace('{objectionWorkingDays}', String(rules.objectionWorkingDays)));
}

// ---------------------------------------------------------------------------------------------
// Case states

export const CASE_STATUSES = ['proposed', 'notified', 'objection', 'not_listed', 'listed', 'removed', 'suspended', 'revoked'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
export const STATUS_LABELS: Record<CaseStatus, string> = {
  proposed: '已提请列入',
  notified: '已制发告知书（待送达）',
  objection: '已送达告知书（陈述申辩期）',
  not_listed: '决定不予列入',
  listed: '已列入名单',
  removed: '已移出名单',
  suspended: '据以列入的部分行政处罚已撤销，暂停列入，待复核',
  revoked: '列入决定已撤销（据以列入的行政处罚已撤销）',
};

export const PERSON_ROLES = ['principal', 'responsible'] as const;
export type PersonRole = (typeof PERSON_ROLES)[number];
export const PERSON_ROLE_LABELS: Record<PersonRole, string> = { principal: '主要负责人', responsible: '其他责任人员' };

// ---------------------------------------------------------------------------------------------
// Procedure dates

/** Last day to state one's case (陈述申辩): the n-th working day after the notice was served. */
export function objectionDeadline(servedOn: LegalDate, rules: DishonestyRules = dishonestyRules()): LegalDate {
  return addWorkdays(servedOn, rules.objectionWorkingDays);
}

/**
 * The listing period: the subject is on the list from the decision day (`start`); the `listingYears` years
 * are counted by 《民法典》第二百零一条至第二百零三条 (the decision day not counted, the last day is the
 * corresponding day): decided 2026-11-10 → on the list through 2029-11-10, removed on 2029-11-11.
 */
export function listingPeriod(start: LegalDate, rules: DishonestyRules = dishonestyRules()): { start: LegalDate; end: LegalDate } {
  return { start, end: periodLastDay(start, rules.listingYears * 12) };
}

/** First day an early removal may be applied for: the day after the `earlyRemovalMinMonths` period (民法典 arts. 201–203) has run out. */
export function earliestEarlyRemoval(start: LegalDate, rules: DishonestyRules = dishonestyRules()): LegalDate {
  return dayAfterPeriod(start, rules.earlyRemovalMinMonths);
}

/** Last day for deciding an early-removal application. */
export function removalDecisionDeadline(appliedOn: LegalDate, rules: DishonestyRules = dishonestyRules()): LegalDate {
  return addWorkdays(appliedOn, rules.removalDecisionWorkingDays);
}

export interface ObjectionWindow {
  servedOn?: LegalDate | null;
  deadline?: LegalDate | null;
  waivedOn?: LegalDate | null;
}

/** Why a statement (陈述申辩) dated `submittedOn` cannot be accepted, or null. */
export function objectionProblem(w: ObjectionWindow, submittedOn: LegalDate): string | null {
  if (!w.servedOn || !w.deadline) return '告知书尚未送达，不能提出陈述申辩';
  if (w.waivedOn) return `当事人已于 ${w.waivedOn} 放弃陈述申辩`;
  if (submittedOn < w.servedOn) return `陈述申辩日期不得早于告知书送达日期 ${w.servedOn}`;
  if (submittedOn > w.deadline) return `陈述申辩期已于 ${w.deadline} 届满`;
  return null;
}

/** Why a reviewer cannot decide on `decidedOn`, or null: not before the objection period ended, unless the subject waived it. */
export function decisionProblem(w: ObjectionWindow, decidedOn: LegalDate): string | null {
  if (!w.servedOn || !w.deadline) return '告知书尚未送达，不能作出决定';
  if (decidedOn < w.servedOn) return `决定日期不得早于告知书送达日期 ${w.servedOn}`;
  if (w.waivedOn) return decidedOn < w.waivedOn ? `决定日期不得早于当事人放弃陈述申辩的日期 ${w.waivedOn}` : null;
  if (decidedOn <= w.deadline) return `陈述申辩期至 ${w.deadline} 届满，届满后方可作出决定（当事人明确放弃陈述申辩的除外）`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Membership on a date

/** A dated stretch on the list: both days included. `to < from` = a stretch ended before it began (kept for history). */
export interface Span {
  from: LegalDate;
  to: LegalDate;
}

export function spanCovers(s: Span, date: LegalDate): boolean {
  return s.from <= date && date <= s.to;
}

/** The stretch on the list that covers `date`, if any. */
export function spanOn<T extends Span>(spans: readonly T[], date: LegalDate): T | undefined {
  return spans.find((s) => spanCovers(s, date));
}

// ---------------------------------------------------------------------------------------------
// Early removal (提前移出)

export interface RemovalStatements {
  /** 已履行行政处罚决定规定的义务（罚款已缴纳、停产停业已执行等） */
  penaltyFulfilled: boolean;
  /** 已纠正失信行为、完成重大事故隐患整改 */
  hazardRectified: boolean;
  /** 已作出信用承诺 */
  commitment: boolean;
}

export interface EarlyRemovalInput {
  status: CaseStatus;
  listingStart?: LegalDate | null;
  /** Statements of an application; absent when only checking what the system can check. */
  statements?: RemovalStatements;
  /** Other listing proposals against the same subject made since it was listed (not closed as 不予列入). */
  newProposals: { id: string; proposedOn: LegalDate; ground: string }[];
  /** Serious (严重) penalties of the subject decided since it was listed. */
  newSeverePenalties: { decisionNumber: string; decisionDate: LegalDate }[];
  /** An application already waits for its decision. */
  pendingApplication: boolean;
}

export interface Condition {
  code: 'listed' | 'minPeriod' | 'noPending' | 'noNewGround' | 'penaltyFulfilled' | 'hazardRectified' | 'commitment';
  /** null: declared by the applicant in the application (with evidence) and checked by the reviewer. */
  met: boolean | null;
  reason: string;
}

export interface Eligibility {
  /** Every condition the system can check holds: an application may be filed. */
  canApply: boolean;
  /** canApply, and the application's statements hold too. */
  eligible: boolean;
  earliestDate: LegalDate | null;
  conditions: Condition[];
  ruleVersion: string;
}

/** Whether a listed subject may be removed early on `today`, with the reason for every condition. */
export function earlyRemovalEligibility(input: EarlyRemovalInput, today: LegalDate, rules: DishonestyRules = dishonestyRules()): Eligibility {
  const conditions: Condition[] = [];
  const listed = input.status === 'listed' && Boolean(input.listingStart);
  conditions.push({ code: 'listed', met: listed, reason: listed ? '当前在严重失信主体名单内' : '当前不在严重失信主体名单内' });
  const earliest = input.listingStart ? earliestEarlyRemoval(input.listingStart, rules) : null;
  const months = rules.earlyRemovalMinMonths;
  if (earliest) {
    const ok = today >= earliest;
    conditions.push({
      code: 'minPeriod',
      met: ok,
      reason: ok ? `自 ${input.listingStart} 列入已满 ${months} 个月` : `自 ${input.listingStart} 列入未满 ${months} 个月，${earliest} 起方可申请提前移出`,
    });
  } else {
    conditions.push({ code: 'minPeriod', met: false, reason: `列入满 ${months} 个月后方可申请提前移出` });
  }
  conditions.push({ code: 'noPending', met: !input.pendingApplication, reason: input.pendingApplication ? '已有待决定的提前移出申请' : '没有待决定的提前移出申请' });
  const news = [
    ...input.newProposals.map((p) => `${p.proposedOn} 又被提请列入（事由 ${p.ground}，案件 ${p.id}）`),
    ...input.newSeverePenalties.map((p) => `${p.decisionDate} 又受到严重失信行政处罚（${p.decisionNumber}）`),
  ];
  conditions.push({ code: 'noNewGround', met: news.length === 0, reason: news.length === 0 ? '列入期间未发生新的应当列入的情形' : `列入期间发生新的失信情形：${news.join('；')}` });
  const stated = (code: 'penaltyFulfilled' | 'hazardRectified' | 'commitment', yes: string, no: string, pending: string): Condition => {
    const v = input.statements?.[code];
    return { code, met: v === undefined ? null : v, reason: v === undefined ? pending : v ? yes : no };
  };
  conditions.push(stated('penaltyFulfilled', '申请人声明已履行行政处罚决定规定的义务', '申请人未履行行政处罚决定规定的义务', '须在申请中声明已履行行政处罚决定规定的义务并附证明材料'));
  conditions.push(stated('hazardRectified', '申请人声明已纠正失信行为、完成隐患整改', '申请人未完成失信行为纠正或隐患整改', '须在申请中声明已纠正失信行为、完成隐患整改并附证明材料'));
  conditions.push(stated('commitment', '申请人已作出信用承诺', '申请人未作出信用承诺', '须在申请中作出信用承诺'));
  const canApply = conditions.every((c) => c.met !== false);
  return {
    canApply,
    eligible: canApply && conditions.every((c) => c.met === true),
    earliestDate: earliest,
    conditions,
    ruleVersion: rules.ruleVersion,
  };
}

// ---------------------------------------------------------------------------------------------
// The legal basis of a listing (据以列入的行政处罚)

/**
 * A cited penalty decision was revoked (行政复议、行政诉讼、决定机关自行纠错): the listing rests on the remaining
 * cited penalties. None left → the listing is revoked (also while suspended for review); some left → it is
 * suspended until a reviewer decides
 * whether they still ground it (MEM Order 11 arts. 6–7: a listing must rest on a penalty decision of the ground).
 * A case that is not (or no longer) on the list is not affected.
 */
export type BasisOutcome = 'revoke' | 'suspend' | 'none';

export function basisOutcome(status: CaseStatus, cited: readonly { id: string; revoked: boolean }[]): { outcome: BasisOutcome; remaining: string[]; revoked: string[] } {
  const remaining = cited.filter((c) => !c.revoked).map((c) => c.id);
  const revoked = cited.filter((c) => c.revoked).map((c) => c.id);
  if (revoked.length === 0) return { outcome: 'none', remaining, revoked };
  if (status === 'listed') return { outcome: remaining.length === 0 ? 'revoke' : 'suspend', remaining, revoked };
  // Suspended for review and the rest revoked meanwhile: nothing is left to review.
  if (status === 'suspended' && remaining.length === 0) return { outcome: 'revoke', remaining, revoked };
  return { outcome: 'none', remaining, revoked };
}

/**
 * Pure rules of credit repair (信用修复): eligibility with every reason, the application's states and
 * transitions, and its working-day due dates. No database, no clock: callers pass `today`.
 * Numbers live in config/repair.json (time limits, unrepairable legal bases, upload limits) and
 * config/credit-rules.json (minimum publicity periods, by the rule version in force on the decision date).
 */
import Joi from 'joi';
import { addDays, addWorkdays, periodLastDay, workdaysBetween, type LegalDate } from '../../lib/calendar.js';
import { readConfigFile } from '../../lib/configFiles.js';
import type { Severity } from '../records/index.js';

// ---------------------------------------------------------------------------------------------
// Configuration

export interface UnrepairableRule {
  id: string;
  legalBasisContains?: string;
  violationTypeContains?: string;
  /** Shown to the enterprise as the reason. */
  reason: string;
}

export interface RepairConfig {
  timeLimits: { acceptanceWorkdays: number; decisionWorkdays: number; extensionWorkdays: number; resultSharedWorkdays: number };
  unrepairable: UnrepairableRule[];
  files: { maxBytes: number; maxFiles: number; types: string[] };
  commitmentMinLength: number;
  /** 撤销修复 (a repair obtained with false materials): how long a new application of the penalty is refused, and the source. */
  revocation: { reapplyBarMonths: number; source: string };
  /**
   * Whom an enterprise contacts about its penalty's repair (缴款登记, 整改复查确认): the deciding authority's
   * office, by its USCC or, for an entry without one, its exact name. Each entry says where its data comes from.
   */
  authorityContacts?: AuthorityContact[];
}

export interface AuthorityContact {
  authorityUscc?: string;
  authorityName: string;
  office?: string;
  phone: string;
  address?: string;
  hours?: string;
  /** Where the contact data comes from, and what was (not) verified. */
  source: string;
}

export const FILE_TYPES = ['application/pdf', 'image/jpeg', 'image/png'] as const;

const workdays = () => Joi.number().integer().min(1).max(60).required();
export const repairConfigSchema = Joi.object({
  $comment: Joi.string(),
  timeLimits: Joi.object({
    acceptanceWorkdays: workdays(),
    decisionWorkdays: workdays(),
    extensionWorkdays: workdays(),
    resultSharedWorkdays: workdays(),
  }).required(),
  unrepairable: Joi.array()
    .items(
      Joi.object({
        id: Joi.string().min(1).required(),
        legalBasisContains: Joi.string().min(1),
        violationTypeContains: Joi.string().min(1),
        reason: Joi.string().min(1).required(),
      }).or('legalBasisContains', 'violationTypeContains'),
    )
    .unique('id')
    .default([]),
  files: Joi.object({
    maxBytes: Joi.number().integer().min(1024).max(8 * 1024 * 1024).required(),
    maxFiles: Joi.number().integer().min(1).max(20).required(),
    types: Joi.array().items(Joi.string().valid(...FILE_TYPES)).min(1).unique().required(),
  }).required(),
  commitmentMinLength: Joi.number().integer().min(1).max(1000).required(),
  revocation: Joi.object({
    $comment: Joi.string(),
    reapplyBarMonths: Joi.number().integer().min(0).max(120).required(),
    source: Joi.string().min(1).required(),
  }).required(),
  authorityContacts: Joi.array()
    .items(
      Joi.object({
        $comment: Joi.string(),
        authorityUscc: Joi.string().length(18),
        authorityName: Joi.string().min(1).required(),
        office: Joi.string().min(1),
        phone: Joi.string().min(1).required(),
        address: Joi.string().min(1),
        hours: Joi.string().min(1),
        source: Joi.string().min(1).required(),
      }),
    )
    .default([]),
});

export function repairConfig(): RepairConfig {
  return readConfigFile<RepairConfig>('repair.json', repairConfigSchema);
}

/**
 * The configured contact of a penalty's deciding authority (决定机关): the entry with its USCC, else the entry
 * without a USCC bearing its exact name; null when none is configured (the authority is then named only).
 */
export function authorityContact(authority: { uscc?: string | null; name?: string | null }, config: RepairConfig = repairConfig()): AuthorityContact | null {
  const all = config.authorityContacts ?? [];
  return (authority.uscc ? all.find((c) => c.authorityUscc === authority.uscc) : undefined) ?? all.find((c) => !c.authorityUscc && c.authorityName === authority.name) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Eligibility

/** What the rule needs to know about one penalty (from the record's latest version). */
export interface PenaltyFacts {
  lifecycle: 'active' | 'revoked' | 'expired' | 'withdrawn';
  /** Reason of the latest withdraw version (信用修复, 公示期满 …), if withdrawn. */
  withdrawReason: string | null;
  decisionDate: LegalDate;
  severity: Severity;
  /** The day the minimum publicity period is reached (eligible that day). */
  repairEarliestDate: LegalDate;
  publicityEndDate: LegalDate;
  ruleVersion: string;
  penaltyTypes: string[];
  legalBasis?: string;
  violationType?: string;
  /** The active serious-dishonesty listing this penalty grounds (its mark on the record), if any. */
  listing?: { decisionNumber: string; since: LegalDate; until: LegalDate } | null;
}

/** Fulfilment of the decision's obligations as recorded by the deciding authority. */
export interface FulfilmentFacts {
  finePaidDate: LegalDate | null;
  correctionConfirmedDate: LegalDate | null;
}

/**
 * The credit commitment (信用承诺): `given` (made, e.g. with the application), `missing`, or
 * `at-application` (asked before applying: it is made with the application itself).
 */
export type CommitmentState = 'given' | 'missing' | 'at-application';

/** An open application of the same penalty: none, one being processed, or one approved (repaired). */
export type OpenApplication = { state: 'none' } | { state: 'pending' | 'approved'; number: string };

export interface EligibilityInput {
  penalty: PenaltyFacts;
  fulfilment: FulfilmentFacts | null;
  commitment: CommitmentState;
  openApplication: OpenApplication;
  today: LegalDate;
  /** A repair of this penalty revoked for false materials: new applications are refused through `until`. */
  bar?: { number: string; until: LegalDate } | null;
}

export const REASON_CODES = [
  'RECORD_REVOKED',
  'ALREADY_REPAIRED',
  'PUBLICITY_ENDED',
  'NOT_REPAIRABLE_BY_LAW',
  'LISTED_SERIOUSLY_DISHONEST',
  'APPLICATION_PENDING',
  'REAPPLICATION_BARRED',
  'MIN_PERIOD_NOT_REACHED',
  'FINE_NOT_PAID',
  'CORRECTION_NOT_CONFIRMED',
  'NO_COMMITMENT',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export interface EligibilityReason {
  code: ReasonCode;
  message: string;
  /** The request field the reason concerns (for error details). */
  field: string;
  /** For MIN_PERIOD_NOT_REACHED: the first day it is reached. */
  date?: LegalDate;
}

export interface Condition {
  code: 'MIN_PERIOD' | 'FINE_PAID' | 'CORRECTION' | 'COMMITMENT' | 'REPAIRABLE' | 'NOT_LISTED';
  label: string;
  met: boolean;
  note: string;
}

export interface Eligibility {
  eligible: boolean;
  /**
   * The earliest day an application can succeed; null when it never can (revoked, repaired, ended, barred by
   * law) or not while the penalty grounds an active serious-dishonesty listing (it depends on the removal).
   */
  earliestDate: LegalDate | null;
  ruleVersion: string;
  severity: Severity;
  minimumPeriodEnd: LegalDate;
  paymentRequired: boolean;
  reasons: EligibilityReason[];
  conditions: Condition[];
}

/** Penalties with a money obligation (罚款, 没收违法所得) need it paid before repair. */
export function paymentRequired(penaltyTypes: readonly string[]): boolean {
  return penaltyTypes.includes('罚款') || penaltyTypes.includes('没收违法所得');
}

/** The configured unrepairable rule this penalty falls under, if any (every given field must contain its text). */
export function unrepairableRule(p: Pick<PenaltyFacts, 'legalBasis' | 'violationType'>, config: RepairConfig = repairConfig()): UnrepairableRule | undefined {
  return config.unrepairable.find(
    (r) =>
      (r.legalBasisContains === undefined || (p.legalBasis ?? '').includes(r.legalBasisContains)) &&
      (r.violationTypeContains === undefined || (p.violationType ?? '').includes(r.violationTypeContains)),
  );
}

/**
 * 撤销修复: the last day a new application of the penalty is refused after a repair obtained with false
 * materials was revoked on `revokedOn` — `reapplyBarMonths` counted like every period (民法典 arts. 201–203);
 * applications are accepted again from the next day. Source: config/repair.json revocation.source.
 */
export function reapplicationBarredUntil(revokedOn: LegalDate, config: RepairConfig = repairConfig()): LegalDate {
  return periodLastDay(revokedOn, config.revocation.reapplyBarMonths);
}

const latest = (dates: (LegalDate | null | undefined)[]): LegalDate => dates.filter((d): d is LegalDate => Boolean(d)).sort().at(-1)!;

/**
 * Decides whether one penalty can be repaired on `today`, with every reason that stops it (not only
 * the first) and the earliest day it can be. The minimum period is reached ON repairEarliestDate.
 */
export function assessEligibility(input: EligibilityInput, config: RepairConfig = repairConfig()): Eligibility {
  const { penalty: p, fulfilment, commitment, openApplication, today } = input;
  const reasons: EligibilityReason[] = [];
  const add = (code: ReasonCode, message: string, field = 'recordId', date?: LegalDate) => reasons.push({ code, message, field, ...(date ? { date } : {}) });
  let never = false;

  if (p.lifecycle === 'revoked') {
    never = true;
    add('RECORD_REVOKED', '该行政处罚决定已被撤销，已停止公示，无需信用修复');
  }
  const repairedByWithdrawal = p.lifecycle === 'withdrawn' && p.withdrawReason === '信用修复';
  if (repairedByWithdrawal || openApplication.state === 'approved') {
    never = true;
    add('ALREADY_REPAIRED', openApplication.state === 'approved' ? `该处罚信息的信用修复申请（编号 ${openApplication.number}）已核准，不能重复申请` : '该处罚信息已完成信用修复，已停止公示');
  }
  if (!repairedByWithdrawal && p.lifecycle !== 'revoked' && (p.lifecycle === 'withdrawn' || today > p.publicityEndDate)) {
    never = true;
    add('PUBLICITY_ENDED', `该处罚信息公示期已于 ${p.publicityEndDate} 届满，已停止公示，无需信用修复`);
  }
  const barred = unrepairableRule(p, config);
  if (barred) {
    never = true;
    add('NOT_REPAIRABLE_BY_LAW', barred.reason);
  }
  // A penalty that grounds an active serious-dishonesty listing is repaired only with the listing: the subject
  // applies for early removal (提前移出, MEM Order 11; config/dishonesty.json removalConditions) — repairing the
  // penalty alone would stop its publication while the subject stays listed on its basis.
  const listed = p.listing ? p.listing.until >= today : false;
  if (listed) {
    add(
      'LISTED_SERIOUSLY_DISHONEST',
      `该处罚信息是列入安全生产严重失信主体名单的依据（列入决定 ${p.listing!.decisionNumber}，列入期限 ${p.listing!.since} 至 ${p.listing!.until}），名单存续期间不能单独申请信用修复；请向作出列入决定的部门申请提前移出名单（列入满12个月后），移出后再申请修复`,
    );
  }
  if (openApplication.state === 'pending') add('APPLICATION_PENDING', `该处罚信息已有正在办理的信用修复申请（编号 ${openApplication.number}），办结前不能重复申请`);
  const bar = input.bar && today <= input.bar.until ? input.bar : null;
  if (bar) add('REAPPLICATION_BARRED', `该处罚信息的信用修复（申请编号 ${bar.number}）因提供虚假材料被撤销，至 ${bar.until} 不予受理信用修复申请，${addDays(bar.until, 1)} 起方可重新申请`, 'recordId', addDays(bar.until, 1));

  const minReached = today >= p.repairEarliestDate;
  if (!minReached) {
    add('MIN_PERIOD_NOT_REACHED', `最短公示期未满：${p.severity}失信信息自 ${p.repairEarliestDate} 起方可申请信用修复`, 'recordId', p.repairEarliestDate);
  }
  const needsPayment = paymentRequired(p.penaltyTypes);
  const paid = fulfilment?.finePaidDate ?? null;
  const finePaid = !needsPayment || (paid !== null && paid <= today);
  if (!finePaid) add('FINE_NOT_PAID', paid ? `罚没款缴清日期（${paid}）晚于评估日期 ${today}` : '罚没款尚未缴清（决定机关尚未登记缴款）');
  const corrected = fulfilment?.correctionConfirmedDate ?? null;
  const correctionOk = corrected !== null && corrected <= today;
  if (!correctionOk) {
    add('CORRECTION_NOT_CONFIRMED', corrected ? `违法行为纠正确认日期（${corrected}）晚于评估日期 ${today}` : '违法行为已纠正、处罚决定其他义务已履行完毕，尚未经决定机关确认');
  }
  if (commitment === 'missing') add('NO_COMMITMENT', '未作出信用承诺：须随申请提交信用修复承诺书并勾选同意，或事先登记有效的信用修复承诺', 'commitmentAccepted');

  const earliestDate = never || listed ? null : latest([p.repairEarliestDate, needsPayment ? paid : null, corrected, bar ? addDays(bar.until, 1) : null]);
  const conditions: Condition[] = [
    {
      code: 'MIN_PERIOD',
      label: '最短公示期已满',
      met: minReached,
      note: p.severity === '轻微' ? '轻微失信信息：履行义务、纠正违法行为后即可申请' : `${p.severity}失信信息：${p.repairEarliestDate} 起可申请`,
    },
    { code: 'FINE_PAID', label: '罚没款已缴清', met: finePaid, note: needsPayment ? (paid ? `已于 ${paid} 缴清` : '尚未登记缴款') : '该处罚不含罚没款' },
    { code: 'CORRECTION', label: '违法行为已纠正、其他义务已履行', met: correctionOk, note: corrected ? `决定机关于 ${corrected} 确认` : '尚未经决定机关确认' },
    {
      code: 'COMMITMENT',
      label: '作出信用承诺',
      met: commitment !== 'missing',
      note: commitment === 'at-application' ? '随申请提交信用修复承诺书（或事先登记信用修复承诺）' : commitment === 'given' ? '已作出信用承诺' : '未作出信用承诺',
    },
    { code: 'REPAIRABLE', label: '不属于法律规定不得修复的情形', met: !barred, note: barred ? barred.reason : '不属于' },
    {
      code: 'NOT_LISTED',
      label: '不是现行严重失信主体名单的列入依据',
      met: !listed,
      note: listed ? `名单存续至 ${p.listing!.until}：请申请提前移出` : '不是',
    },
  ];
  return {
    eligible: reasons.length === 0,
    earliestDate,
    ruleVersion: p.ruleVersion,
    severity: p.severity,
    minimumPeriodEnd: p.repairEarliestDate,
    paymentRequired: needsPayment,
    reasons,
    conditions,
  };
}

// ---------------------------------------------------------------------------------------------
// Workflow

export const REPAIR_STATES = ['submitted', 'accepted', 'refused-incomplete', 'approved', 'denied', 'effected', 'revoked'] as const;
export type RepairState = (typeof REPAIR_STATES)[number];

export const STATE_LABELS: Record<RepairState, string> = {
  submitted: '已提交，待受理',
  accepted: '已受理，审查中',
  'refused-incomplete': '不予受理（材料不全）',
  approved: '准予修复，执行中',
  denied: '不予修复',
  effected: '已修复（已停止公示）',
  revoked: '修复决定已撤销（提供虚假材料），已恢复公示',
};

/** States in which the application still occupies its penalty (a second one is refused). */
export const OPEN_STATES: readonly RepairState[] = ['submitted', 'accepted', 'approved', 'effected'];
/** States in which the application is still being processed (a pending application). */
export const PENDING_STATES: readonly RepairState[] = ['submitted', 'accepted'];

export const REPAIR_ACTIONS = ['accept', 'refuse', 'extend', 'approve', 'deny', 'revoke'] as const;
export type RepairAction = (typeof REPAIR_ACTIONS)[number];

/** Reviewer actions: the state each needs, and the state it leads to. */
export const TRANSITIONS: Record<RepairAction, { from: RepairState; to: RepairState; label: string }> = {
  accept: { from: 'submitted', to: 'accepted', label: '受理' },
  refuse: { from: 'submitted', to: 'refused-incomplete', label: '不予受理' },
  extend: { from: 'accepted', to: 'accepted', label: '延长办理期限' },
  approve: { from: 'accepted', to: 'approved', label: '准予修复' },
  deny: { from: 'accepted', to: 'denied', label: '不予修复' },
  revoke: { from: 'effected', to: 'revoked', label: '撤销信用修复' },
};

export interface DueDates {
  acceptance: LegalDate;
  decision: LegalDate | null;
  resultShared: LegalDate | null;
}

/** Due date of the acceptance check for an application submitted on `submittedDate`. */
export function acceptanceDue(submittedDate: LegalDate, config: RepairConfig = repairConfig()): LegalDate {
  return addWorkdays(submittedDate, config.timeLimits.acceptanceWorkdays);
}

export function decisionDue(acceptedDate: LegalDate, config: RepairConfig = repairConfig()): LegalDate {
  return addWorkdays(acceptedDate, config.timeLimits.decisionWorkdays);
}

/** The decision due date after the one extension. */
export function extendedDecisionDue(currentDue: LegalDate, config: RepairConfig = repairConfig()): LegalDate {
  return addWorkdays(currentDue, config.timeLimits.extensionWorkdays);
}

export function resultSharedDue(decidedDate: LegalDate, config: RepairConfig = repairConfig()): LegalDate {
  return addWorkdays(decidedDate, config.timeLimits.resultSharedWorkdays);
}

export const OVERDUE_STEPS = ['acceptance', 'decision', 'resultShared'] as const;
export type OverdueStep = (typeof OVERDUE_STEPS)[number];
export const STEP_LABELS: Record<OverdueStep, string> = { acceptance: '受理', decision: '作出修复决定', resultShared: '修复结果共享（停止公示）' };

/** Which step of an application is being waited for, in its state. */
export function currentStep(state: RepairState): OverdueStep | null {
  return state === 'submitted' ? 'acceptance' : state === 'accepted' ? 'decision' : state === 'approved' ? 'resultShared' : null;
}

export interface OverdueInfo {
  step: OverdueStep;
  label: string;
  due: LegalDate;
  /** Working days past the due date. */
  overdueWorkdays: number;
}

/** The step an application is late with on `today` (a step is late the day after its due date), or null. */
export function overdueStep(app: { state: RepairState; due: DueDates }, today: LegalDate): OverdueInfo | null {
  const step = currentStep(app.state);
  const due = step ? app.due[step] : null;
  if (!step || !due || today <= due) return null;
  return { step, label: STEP_LABELS[step], due, overdueWorkdays: Math.max(1, workdaysBetween(due, today)) };
}

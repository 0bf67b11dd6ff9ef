/**
 * Pure rules for permit and penalty records: no database, no clock (callers pass `today`).
 * Derived legal dates follow domain.md; the numbers live in config/credit-rules.json. Periods in months
 * are counted by 《民法典》第二百零一条至第二百零三条 (src/lib/calendar.ts periodLastDay / dayAfterPeriod).
 */
import Joi from 'joi';
import { addWorkdays, dayAfterPeriod, periodLastDay, type LegalDate } from '../../lib/calendar.js';
import { readConfigFile } from '../../lib/configFiles.js';
import { PENALTY_TYPES, type PenaltyType, type RecordKind } from './fields.js';

export const SEVERITIES = ['轻微', '一般', '严重'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface RuleVersion {
  id: string;
  name: string;
  /** Where the periods come from (article or clause), shown with the rule. */
  source?: string;
  from: LegalDate | null;
  to: LegalDate | null;
  periods: Record<Severity, { minMonths: number; maxMonths: number }>;
}

export interface CreditRules {
  publicityWorkingDays: number;
  publishMinor: boolean;
  severity: {
    floor: Severity | null;
    severeTypes: PenaltyType[];
    severeFineFrom: number;
    minorTypes: PenaltyType[];
    simplifiedMinorFineUpTo: number;
  };
  /** What a revoked (撤销) or cancelled (注销) permit publishes. */
  permitRevocation: { staysPublished: boolean; status: '2'; source: string };
  ruleVersions: RuleVersion[];
}

const dateOrNull = Joi.string().pattern(/^\d{4}-\d{2}-\d{2}$/).allow(null);
const period = Joi.object({ minMonths: Joi.number().integer().min(0).required(), maxMonths: Joi.number().integer().min(0).required() });
const penaltyType = Joi.string().valid(...PENALTY_TYPES);
export const creditRulesSchema = Joi.object({
  $comment: Joi.string(),
  publicityWorkingDays: Joi.number().integer().min(1).max(60).required(),
  publishMinor: Joi.boolean().required(),
  severity: Joi.object({
    floor: Joi.string().valid(...SEVERITIES).allow(null).required(),
    severeTypes: Joi.array().items(penaltyType).required(),
    severeFineFrom: Joi.number().min(0).required(),
    minorTypes: Joi.array().items(penaltyType).required(),
    simplifiedMinorFineUpTo: Joi.number().min(0).required(),
  }).required(),
  permitRevocation: Joi.object({ staysPublished: Joi.boolean().required(), status: Joi.string().valid('2').required(), source: Joi.string().required() }).required(),
  ruleVersions: Joi.array()
    .items(
      Joi.object({
        id: Joi.string().required(),
        name: Joi.string().required(),
        source: Joi.string(),
        $comment: Joi.string(),
        from: dateOrNull.required(),
        to: dateOrNull.required(),
        periods: Joi.object({ 轻微: period.required(), 一般: period.required(), 严重: period.required() }).required(),
      }),
    )
    .min(1)
    .required(),
});

export function creditRules(): CreditRules {
  return readConfigFile<CreditRules>('credit-rules.json', creditRulesSchema);
}

/** 双公示 deadline: the n-th (default 7th) working day after the decision date. */
export function publicityDeadline(decisionDate: LegalDate, rules: CreditRules = creditRules()): LegalDate {
  return addWorkdays(decisionDate, rules.publicityWorkingDays);
}

/** The rule version in force on the decision date. */
export function ruleVersionFor(decisionDate: LegalDate, rules: CreditRules = creditRules()): RuleVersion {
  const found = rules.ruleVersions.find((v) => (v.from === null || decisionDate >= v.from) && (v.to === null || decisionDate <= v.to));
  return found ?? rules.ruleVersions[0];
}

// ---------------------------------------------------------------------------------------------
// Amounts and categories (national 双公示 data standard, platform-api.md: CF_NR_FK 罚款金额 "if 罚款",
// CF_NR_WFFF 没收违法所得、没收非法财物的金额 "if 没收"; Administrative Penalty Law art. 9 categories)

/** Categories whose decision carries a fine amount (CF_NR_FK). */
export const FINE_TYPES: readonly PenaltyType[] = ['罚款'];
/** Categories whose decision carries a confiscation amount (CF_NR_WFFF). */
export const CONFISCATION_TYPES: readonly PenaltyType[] = ['没收违法所得', '没收非法财物'];

export const AMOUNT_MESSAGES = {
  fineRequired: '处罚类别含罚款时须填写罚款金额（万元），且应大于 0',
  fineForbidden: '处罚类别不含罚款，不能填写罚款金额（CF_NR_FK 仅用于罚款）',
  confiscationRequired: '处罚类别含没收时须填写没收金额（万元）',
  confiscationForbidden: '处罚类别不含没收违法所得或没收非法财物，不能填写没收金额（CF_NR_WFFF 仅用于没收）',
} as const;

export interface AmountInput {
  penaltyTypes?: readonly string[] | null;
  fineAmount?: number | null;
  confiscationAmount?: number | null;
}

/**
 * Whether the amounts match the categories, both ways: 罚款 ⇔ a fine amount > 0, 没收违法所得/没收非法财物 ⇔ a
 * confiscation amount (source: national 双公示 data standard, CF_NR_FK "if 罚款", CF_NR_WFFF "if 没收";
 * platform-api.md). Each problem names its field.
 */
export function amountProblems(p: AmountInput): { path: 'fineAmount' | 'confiscationAmount'; message: string }[] {
  const types = p.penaltyTypes ?? [];
  const has = (list: readonly string[]) => types.some((t) => list.includes(t));
  const present = (v: number | null | undefined) => v !== undefined && v !== null;
  const out: { path: 'fineAmount' | 'confiscationAmount'; message: string }[] = [];
  if (has(FINE_TYPES) && !(present(p.fineAmount) && p.fineAmount! > 0)) out.push({ path: 'fineAmount', message: AMOUNT_MESSAGES.fineRequired });
  if (!has(FINE_TYPES) && present(p.fineAmount)) out.push({ path: 'fineAmount', message: AMOUNT_MESSAGES.fineForbidden });
  if (has(CONFISCATION_TYPES) && !present(p.confiscationAmount)) out.push({ path: 'confiscationAmount', message: AMOUNT_MESSAGES.confiscationRequired });
  if (!has(CONFISCATION_TYPES) && present(p.confiscationAmount)) out.push({ path: 'confiscationAmount', message: AMOUNT_MESSAGES.confiscationForbidden });
  return out;
}

export interface SeverityInput {
  penaltyTypes: PenaltyType[];
  fineAmount?: number;
  simplifiedProcedure?: boolean;
  /** The penalty grounds a serious-dishonesty listing now. */
  listed?: boolean;
  /**
   * The penalty grounded a listing that has ended (expiry, early removal): it stays 严重 — the listing does
   * not downgrade its penalties when it ends (MEM Order 11 removes the subject from the list; the penalty's
   * own class, publicity period and repair rules are those of a serious-dishonesty penalty, domain.md).
   */
  formerlyListed?: boolean;
}

const RANK: Record<Severity, number> = { 轻微: 0, 一般: 1, 严重: 2 };

/** Classifies a penalty as 轻微 / 一般 / 严重, with the reasons that decided it. */
export function classifySeverity(p: SeverityInput, rules: CreditRules = creditRules()): { severity: Severity; reasons: string[] } {
  const s = rules.severity;
  let severity: Severity;
  const reasons: string[] = [];
  const severeTypes = p.penaltyTypes.filter((t) => s.severeTypes.includes(t));
  if (p.listed) {
    severity = '严重';
    reasons.push('因该处罚被列入严重失信主体名单');
  } else if (p.formerlyListed) {
    severity = '严重';
    reasons.push('曾因该处罚被列入严重失信主体名单（移出名单不改变处罚信息的严重失信类别）');
  } else if (severeTypes.length) {
    severity = '严重';
    reasons.push(`处罚类别含${severeTypes.join('、')}`);
  } else if (p.penaltyTypes.some((t) => FINE_TYPES.includes(t)) && (p.fineAmount ?? 0) >= s.severeFineFrom) {
    severity = '严重';
    reasons.push(`罚款金额 ${p.fineAmount} 万元，达到 ${s.severeFineFrom} 万元`);
  } else if (p.penaltyTypes.every((t) => s.minorTypes.includes(t))) {
    severity = '轻微';
    reasons.push(`处罚类别仅为${p.penaltyTypes.join('、')}`);
  } else if (
    p.simplifiedProcedure &&
    p.penaltyTypes.every((t) => t === '罚款' || s.minorTypes.includes(t)) &&
    (p.fineAmount ?? 0) <= s.simplifiedMinorFineUpTo
  ) {
    severity = '轻微';
    reasons.push(`简易程序作出，罚款不超过 ${s.simplifiedMinorFineUpTo} 万元`);
  } else {
    severity = '一般';
    reasons.push(`处罚类别含${p.penaltyTypes.filter((t) => !s.minorTypes.includes(t)).join('、')}`);
  }
  if (s.floor && RANK[s.floor] > RANK[severity]) {
    reasons.push(`本地规定安全生产处罚至少按「${s.floor}」认定`);
    severity = s.floor;
  }
  return { severity, reasons };
}

export interface PenaltyDerived {
  publicityDeadline: LegalDate;
  severity: Severity;
  severityReasons: string[];
  published: boolean;
  repairEarliestDate: LegalDate;
  publicityEndDate: LegalDate;
  ruleVersion: string;
}

export interface PermitDerived {
  publicityDeadline: LegalDate;
  published: boolean;
}

/**
 * Everything derived from a penalty decision, by the rule version in force on its decision date. Periods
 * (民法典 arts. 201–203): repair opens the day AFTER the minimum period's last day (一般, decided 2026-05-15:
 * 2026-08-16); publication runs THROUGH the maximum period's last day (2027-05-15).
 */
export function derivePenalty(p: SeverityInput & { decisionDate: LegalDate }, rules: CreditRules = creditRules()): PenaltyDerived {
  const { severity, reasons } = classifySeverity(p, rules);
  const version = ruleVersionFor(p.decisionDate, rules);
  const period = version.periods[severity];
  return {
    publicityDeadline: publicityDeadline(p.decisionDate, rules),
    severity,
    severityReasons: reasons,
    published: severity !== '轻微' || rules.publishMinor,
    repairEarliestDate: dayAfterPeriod(p.decisionDate, period.minMonths),
    publicityEndDate: periodLastDay(p.decisionDate, period.maxMonths),
    ruleVersion: version.id,
  };
}

export function derivePermit(p: { decisionDate: LegalDate }, rules: CreditRules = creditRules()): PermitDerived {
  return { publicityDeadline: publicityDeadline(p.decisionDate, rules), published: true };
}

/** Stored on a penalty's data while it grounds a listing (set only by records.markListed). */
export const LISTING_MARK = 'listedAsSeriouslyDishonest';
/** Stored on a penalty's data once it has grounded a listing; kept when the listing ends (expiry, early removal), removed when the listing is revoked. */
export const GROUND_MARK = 'groundedSeriousDishonestyListing';

/**
 * Derived facts of a record version. A penalty that grounds a serious-dishonesty listing is 严重 and stays
 * published while the listing lasts; one that grounded a listing that ended stays 严重 (formerlyListed).
 * With `today` (the day the version is stored): a penalty whose maximum publicity period ended before that
 * day is never published (a late entry or an import of old decisions: nothing to push, nothing to withdraw).
 */
export function derive(kind: RecordKind, data: Record<string, unknown>, rules: CreditRules = creditRules(), today?: LegalDate): PenaltyDerived | PermitDerived {
  if (kind === 'permit') return derivePermit(data as { decisionDate: LegalDate }, rules);
  const listing = data[LISTING_MARK] as { until?: LegalDate } | undefined;
  const input = data as unknown as SeverityInput & { decisionDate: LegalDate };
  const derived = derivePenalty({ ...input, listed: Boolean(listing) || input.listed === true, formerlyListed: Boolean(data[GROUND_MARK]) || input.formerlyListed === true }, rules);
  if (listing?.until && listing.until > derived.publicityEndDate) derived.publicityEndDate = listing.until;
  if (today !== undefined && publicityEnded(derived.publicityEndDate, today)) derived.published = false;
  return derived;
}

/**
 * The version a revocation (撤销) or cancellation (注销) appends. A permit stays published with 当前状态 XK_ZT = 2
 * (无效) when config says so (credit-rules.json permitRevocation, with its source); a penalty, or a permit when
 * not, is withdrawn from public view with reason 撤销.
 */
export function revocationVersion(kind: RecordKind, data: Record<string, unknown>, rules: CreditRules = creditRules()): { data: Record<string, unknown>; withdraw: '撤销' | null } {
  if (kind === 'permit' && rules.permitRevocation.staysPublished) return { data: { ...data, status: rules.permitRevocation.status }, withdraw: null };
  return { data, withdraw: '撤销' };
}

/** A permit whose validity ended before `today` (its 当前状态 becomes 2 无效). */
export function permitExpired(validTo: LegalDate | undefined, today: LegalDate): boolean {
  return validTo !== undefined && validTo < today;
}

/** Publication of a penalty ends by itself the day after its publicityEndDate. */
export function publicityEnded(publicityEndDate: LegalDate | undefined, today: LegalDate): boolean {
  return publicityEndDate !== undefined && today > publicityEndDate;
}

/**
 * Pure credit-grading rules (分类分级): no database, no clock — callers pass `today`.
 * `grade(facts, scorecard, today)` explains every point it gives or takes: each reason names the
 * indicator, the source record (type + id) and the points; the reasons always add up to the score.
 */
import { addMonths, type LegalDate } from '../../lib/calendar.js';
import type { Severity } from '../records/index.js';
import { commitmentState, type CommitmentType } from '../commitments/rules.js';
import { TIERS, type AccidentLevel, type AgeBand, type Scorecard, type StandardisationGrade, type Tier } from './scorecard.js';


export interface PenaltyFact {
  id: string;
  decisionNumber: string;
  decisionDate: LegalDate;
  severity: Severity;
  /** 罚款金额 + 没收金额, 万元. */
  amount: number;
  /** Only `active` penalties count: withdrawn (repaired or publicity ended) and revoked ones do not. */
  lifecycle: string;
}

export interface PermitFact {
  id: string;
  decisionNumber: string;
  lifecycle: string;
  /** 当前状态: '1' 有效, '2' 无效. */
  status: string;
  validFrom?: LegalDate | null;
  validTo?: LegalDate | null;
}

export interface AccidentFact {
  id: string;
  date: LegalDate;
  level: AccidentLevel;
  deaths: number;
}

export interface HazardFact {
  id: string;
  foundDate: LegalDate;
  major: boolean;
  rectifiedDate?: LegalDate | null;
}

export interface CommitmentFact {
  id: string;
  type: CommitmentType;
  signedDate: LegalDate;
  termEnd: LegalDate;
  breachDate?: LegalDate | null;
}

/** 严重失信主体名单: set on the enterprise by the dishonesty module. */
export interface ListingFact {
  active: boolean;
  listingId: string;
  since: LegalDate;
  until?: LegalDate | null;
}

/** Everything the grade depends on, for one enterprise. */
export interface GradeFacts {
  uscc: string;
  standardisationGrade: StandardisationGrade;
  listing?: ListingFact | null;
  penalties: PenaltyFact[];
  permits: PermitFact[];
  accidents: AccidentFact[];
  hazards: HazardFact[];
  commitments: CommitmentFact[];
}

/** `fatalAccident` is a tier rule: its reason carries 0 points (the reasons still add up to the score) and names the tier change. */
export const INDICATORS = ['base', 'standardisation', 'listing', 'penalty', 'accident', 'hazard', 'commitmentKept', 'commitmentBroken', 'permit', 'bounds', 'fatalAccident'] as const;
export type Indicator = (typeof INDICATORS)[number];

export type SourceType = 'scorecard' | 'enterprise' | 'listing' | 'penalty' | 'permit' | 'accident' | 'hazard' | 'commitment';

export interface GradeReason {
  indicator: Indicator;
  source: { type: SourceType; id: string };
  points: number;
  /** zh-CN explanation shown to regulators and the enterprise. */
  detail: string;
}

export interface GradeResult {
  score: number;
  tier: Tier;
  reasons: GradeReason[];
}

/** Points are kept to one decimal, halves away from zero (symmetric for deductions); -0 becomes 0. */
export function round1(x: number): number {
  const r = (Math.sign(x) * Math.round(Math.abs(x) * 10 + 1e-9)) / 10;
  return r === 0 ? 0 : r;
}

/**
 * Weight of an item dated `date` on `today`: the factor of the first age band whose end
 * (date + upToMonths) is still ahead; 0 once older than the last band. Future dates weigh fully.
 */
export function ageFactor(date: LegalDate, today: LegalDate, bands: AgeBand[]): number {
  for (const b of bands) if (today < addMonths(date, b.upToMonths)) return b.factor;
  return 0;
}

function ageNote(factor: number): string {
  return factor === 1 ? '' : `，按时间衰减系数 ${factor} 计`;
}

/** The amount band (罚没金额档) that applies: the last with fromWan ≤ amount. */
export function amountPoints(amount: number, sc: Scorecard): { points: number; fromWan: number } | null {
  let found: { points: number; fromWan: number } | null = null;
  for (const b of sc.penalty.amountBands) if (amount >= b.fromWan) found = b;
  return found;
}

export function tierOfScore(score: number, sc: Scorecard): Tier {
  if (score >= sc.tiers.A) return 'A';
  if (score >= sc.tiers.B) return 'B';
  if (score >= sc.tiers.C) return 'C';
  return 'D';
}

/** The tier `n` steps below `tier` (never below D). */
export function tierBelow(tier: Tier, n: number): Tier {
  return TIERS[Math.min(TIERS.length - 1, TIERS.indexOf(tier) + n)];
}

/**
 * The fatal accident that caps the tier (scorecard.fatalAccident), or null: the latest accident with deaths dated
 * on or before `today` and less than `windowMonths` ago. Its effect: the tier is at least `tiersDown` below the
 * score's tier (source in the scorecard).
 */
export function fatalAccidentInWindow(accidents: readonly AccidentFact[], today: LegalDate, sc: Scorecard): AccidentFact | null {
  const rule = sc.fatalAccident;
  if (!rule || rule.tiersDown === 0) return null;
  const inWindow = accidents.filter((a) => a.deaths > 0 && a.date <= today && today < addMonths(a.date, rule.windowMonths));
  return inWindow.sort(byDateDesc((x) => x.date, (x) => x.id))[0] ?? null;
}

export function listingInForce(l: ListingFact | null | undefined, today: LegalDate): boolean {
  return Boolean(l?.active && l.since <= today && (!l.until || today <= l.until));
}

export function permitValid(p: PermitFact, today: LegalDate): boolean {
  return p.lifecycle === 'active' && p.status === '1' && (!p.validFrom || p.validFrom <= today) && (!p.validTo || today <= p.validTo);
}

export function hazardOpen(h: HazardFact, today: LegalDate): boolean {
  return h.foundDate <= today && (!h.rectifiedDate || h.rectifiedDate > today);
}


const byDateDesc = <T>(date: (x: T) => string, id: (x: T) => string) => (a: T, b: T) => (date(a) === date(b) ? (id(a) < id(b) ? -1 : 1) : date(a) > date(b) ? -1 : 1);

/** Grades one enterprise. Pure and deterministic: the same facts, scorecard and day give the same result. */
export function grade(facts: GradeFacts, sc: Scorecard, today: LegalDate): GradeResult {
  const reasons: GradeReason[] = [];
  const add = (indicator: Indicator, type: SourceType, id: string, pts: number, detail: string) => {
    const p = round1(pts);
    if (p !== 0 || indicator === 'base') reasons.push({ indicator, source: { type, id }, points: p, detail });
  };

  add('base', 'scorecard', sc.version, sc.baseScore, `基础分（${sc.name} ${sc.version}）`);

  const std = facts.standardisationGrade ?? '无';
  add('standardisation', 'enterprise', facts.uscc, sc.standardisation[std] ?? 0, `安全生产标准化等级：${std}`);

  const listed = listingInForce(facts.listing, today);
  if (listed) {
    const l = facts.listing!;
    reasons.push({
      indicator: 'listing',
      source: { type: 'listing', id: l.listingId },
      points: round1(sc.listing.points),
      detail: `列入安全生产严重失信主体名单（${l.since} 起${l.until ? `至 ${l.until}` : ''}），信用等级定为 ${sc.listing.tier}`,
    });
  }

  for (const p of [...facts.penalties].sort(byDateDesc((x) => x.decisionDate, (x) => x.id))) {
    if (p.lifecycle !== 'active') continue;
    const f = ageFactor(p.decisionDate, today, sc.ageBands);
    if (f === 0) continue;
    const band = amountPoints(p.amount, sc);
    const raw = (sc.penalty.severity[p.severity] ?? sc.penalty.severity['一般']) + (band?.points ?? 0);
    const amount = band ? `，罚没金额 ${p.amount} 万元（≥ ${band.fromWan} 万元 ${band.points} 分）` : '';
    add('penalty', 'penalty', p.id, raw * f, `行政处罚 ${p.decisionNumber}（${p.decisionDate}，${p.severity}失信${amount}）${ageNote(f)}`);
  }

  for (const a of [...facts.accidents].sort(byDateDesc((x) => x.date, (x) => x.id))) {
    const f = ageFactor(a.date, today, sc.ageBands);
    if (f === 0) continue;
    const deathPts = a.deaths > 0 ? Math.max(a.deaths * sc.accident.perDeath, sc.accident.deathPointsMax) : 0;
    const raw = (sc.accident.level[a.level] ?? 0) + deathPts;
    add('accident', 'accident', a.id, raw * f, `${a.level}生产安全事故（${a.date}${a.deaths > 0 ? `，死亡 ${a.deaths} 人` : ''}）${ageNote(f)}`);
  }

  for (const h of [...facts.hazards].sort(byDateDesc((x) => x.foundDate, (x) => x.id))) {
    if (!hazardOpen(h, today)) continue;
    add('hazard', 'hazard', h.id, h.major ? sc.hazard.major : sc.hazard.general, `${h.major ? '重大' : '一般'}事故隐患未整改（${h.foundDate} 发现）`);
  }

  for (const c of [...facts.commitments].sort(byDateDesc((x) => x.breachDate ?? x.termEnd, (x) => x.id))) {
    if (commitmentState(c, today) !== 'broken') continue;
    const f = ageFactor(c.breachDate!, today, sc.ageBands);
    add('commitmentBroken', 'commitment', c.id, sc.commitment.broken * f, `违反${c.type}（${c.breachDate} 认定违约）${ageNote(f)}`);
  }
  let kept = 0;
  for (const c of [...facts.commitments].sort(byDateDesc((x) => x.termEnd, (x) => x.id))) {
    if (commitmentState(c, today) !== 'kept') continue;
    const f = ageFactor(c.termEnd, today, sc.ageBands);
    const pts = Math.min(round1(sc.commitment.kept * f), round1(sc.commitment.keptMax - kept));
    if (pts <= 0) continue;
    kept = round1(kept + pts);
    add('commitmentKept', 'commitment', c.id, pts, `${c.type}期满未违约（${c.signedDate} 至 ${c.termEnd}）${ageNote(f)}`);
  }

  let permits = 0;
  for (const p of [...facts.permits].sort(byDateDesc((x) => x.validTo ?? '9999-12-31', (x) => x.id))) {
    if (!permitValid(p, today)) continue;
    const pts = Math.min(sc.permit.perValid, round1(sc.permit.max - permits));
    if (pts <= 0) break;
    permits = round1(permits + pts);
    add('permit', 'permit', p.id, pts, `有效行政许可 ${p.decisionNumber}${p.validTo ? `（有效期至 ${p.validTo}）` : ''}`);
  }

  const raw = round1(reasons.reduce((s, r) => s + r.points, 0));
  const score = Math.min(100, Math.max(0, raw));
  if (score !== raw) add('bounds', 'scorecard', sc.version, score - raw, score === 100 ? '得分上限 100 分' : '得分下限 0 分');
  let tier = tierOfScore(score, sc);
  const fatal = fatalAccidentInWindow(facts.accidents, today, sc);
  if (fatal && !listed) {
    const to = tierBelow(tier, sc.fatalAccident!.tiersDown);
    if (to !== tier) {
      reasons.push({
        indicator: 'fatalAccident',
        source: { type: 'accident', id: fatal.id },
        points: 0,
        detail: `${fatal.date} 发生${fatal.level}生产安全事故，死亡 ${fatal.deaths} 人：信用等级由评分所得 ${tier} 降为 ${to}（${sc.fatalAccident!.source}）`,
      });
      tier = to;
    }
  }
  return { score, tier: listed ? sc.listing.tier : tier, reasons };
}

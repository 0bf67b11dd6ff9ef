import { expect } from 'chai';
import { addDays, addMonths } from '../../src/lib/calendar.js';
import { ageFactor, grade, round1, tierOfScore, type GradeFacts, type GradeResult } from '../../src/modules/grading/rules.js';
import { scorecard, scorecardSchema, type Scorecard } from '../../src/modules/grading/scorecard.js';

/**
 * The scorecard these tables use: the shipped default (config/scorecard.json), checked value by value
 * below so a change of the file shows up here first.
 */
const SC: Scorecard = structuredClone(scorecard());
const TODAY = '2026-11-25';
const USCC = '914403001922038216';
const CJK = /[\u4e00-\u9fff]/;

function facts(over: Partial<GradeFacts> = {}): GradeFacts {
  return { uscc: USCC, standardisationGrade: '无', listing: null, penalties: [], permits: [], accidents: [], hazards: [], commitments: [], ...over };
}

const penalty = (id: string, over: Partial<GradeFacts['penalties'][number]> = {}): GradeFacts['penalties'][number] => ({
  id,
  decisionNumber: `深应急罚〔2026〕${id}号`,
  decisionDate: addDays(TODAY, -30),
  severity: '一般',
  amount: 0,
  lifecycle: 'active',
  ...over,
});
const permit = (id: string, over: Partial<GradeFacts['permits'][number]> = {}): GradeFacts['permits'][number] => ({
  id,
  decisionNumber: `深应急许〔2026〕${id}号`,
  lifecycle: 'active',
  status: '1',
  validFrom: '2026-01-01',
  validTo: '2029-12-31',
  ...over,
});
const accident = (id: string, over: Partial<GradeFacts['accidents'][number]> = {}): GradeFacts['accidents'][number] => ({ id, date: addDays(TODAY, -30), level: '一般', deaths: 0, ...over });
const hazard = (id: string, over: Partial<GradeFacts['hazards'][number]> = {}): GradeFacts['hazards'][number] => ({ id, foundDate: addDays(TODAY, -30), major: true, rectifiedDate: null, ...over });
const commitment = (id: string, over: Partial<GradeFacts['commitments'][number]> = {}): GradeFacts['commitments'][number] => ({
  id,
  type: '安全生产承诺',
  signedDate: '2025-06-01',
  termEnd: addDays(TODAY, -1),
  breachDate: null,
  ...over,
});

/** Every result: the reasons add up to the score, each names its indicator, source and a Chinese detail. */
function checkInvariants(r: GradeResult): void {
  expect(round1(r.reasons.reduce((s, x) => s + x.points, 0)), 'reasons add up to the score').to.equal(r.score);
  expect(r.score).to.be.within(0, 100);
  expect(r.reasons[0]).to.include({ indicator: 'base' });
  for (const x of r.reasons) {
    expect(x.source.type).to.be.a('string').and.not.equal('');
    expect(x.source.id).to.be.a('string').and.not.equal('');
    expect(x.detail).to.match(CJK);
    // base and the fatal-accident tier rule (a tier change, no points) are the reasons that may carry 0 points.
    if (x.indicator !== 'base' && x.indicator !== 'fatalAccident') expect(x.points, `${x.indicator} reason with no points`).to.not.equal(0);
  }
}

/** [name, facts, expected score, expected tier, expected non-base reasons as [indicator, source id, points]] */
type Case = [string, GradeFacts, number, string, [string, string, number][]];

describe('grading/rules — grade(facts, scorecard, today)', () => {
  it('the shipped scorecard is valid and has the values these tables rely on', () => {
    expect(scorecardSchema.validate(SC).error).to.equal(undefined);
    expect(SC).to.deep.include({ baseScore: 85, tiers: { A: 90, B: 75, C: 60 } });
    expect(SC.ageBands).to.deep.equal([
      { upToMonths: 12, factor: 1 },
      { upToMonths: 24, factor: 0.5 },
      { upToMonths: 36, factor: 0.25 },
    ]);
    expect(SC.penalty.severity).to.deep.equal({ 轻微: -3, 一般: -10, 严重: -25 });
    expect(SC.penalty.amountBands.map((b) => [b.fromWan, b.points])).to.deep.equal([[1, -1], [10, -3], [50, -6]]);
    expect(SC.accident).to.deep.equal({ level: { 一般: -15, 较大: -30, 重大: -50, 特别重大: -70 }, perDeath: -3, deathPointsMax: -15 });
    expect(SC.listing).to.deep.equal({ points: -30, tier: 'D' });
    expect(SC.hazard).to.deep.equal({ major: -15, general: -3 });
    expect(SC.commitment).to.deep.equal({ kept: 1, keptMax: 3, broken: -10 });
    expect(SC.standardisation).to.deep.equal({ 一级: 10, 二级: 6, 三级: 3, 无: 0 });
    expect(SC.permit).to.deep.equal({ perValid: 1, max: 3 });
  });

  const oneYearAgo = addMonths(TODAY, -12);
  const cases: Case[] = [
    // base and safety standardisation (安全生产标准化)
    ['a clean enterprise without standardisation', facts(), 85, 'B', []],
    ['standardisation 一级', facts({ standardisationGrade: '一级' }), 95, 'A', [['standardisation', USCC, 10]]],
    ['standardisation 二级', facts({ standardisationGrade: '二级' }), 91, 'A', [['standardisation', USCC, 6]]],
    ['standardisation 三级', facts({ standardisationGrade: '三级' }), 88, 'B', [['standardisation', USCC, 3]]],
    // penalties by severity and amount
    ['a 轻微 penalty', facts({ penalties: [penalty('p1', { severity: '轻微' })] }), 82, 'B', [['penalty', 'p1', -3]]],
    ['a 一般 penalty', facts({ penalties: [penalty('p1')] }), 75, 'B', [['penalty', 'p1', -10]]],
    ['a 一般 penalty of 3.5 万元 (band ≥ 1)', facts({ penalties: [penalty('p1', { amount: 3.5 })] }), 74, 'C', [['penalty', 'p1', -11]]],
    ['a 一般 penalty of 0.99 万元 (below every band)', facts({ penalties: [penalty('p1', { amount: 0.99 })] }), 75, 'B', [['penalty', 'p1', -10]]],
    ['a 一般 penalty of exactly 10 万元', facts({ penalties: [penalty('p1', { amount: 10 })] }), 72, 'C', [['penalty', 'p1', -13]]],
    ['a 严重 penalty', facts({ penalties: [penalty('p1', { severity: '严重' })] }), 60, 'C', [['penalty', 'p1', -25]]],
    ['a 严重 penalty of 80 万元', facts({ penalties: [penalty('p1', { severity: '严重', amount: 80 })] }), 54, 'D', [['penalty', 'p1', -31]]],
    // penalties that stop counting
    ['a withdrawn penalty (信用修复 or 公示期满) does not count', facts({ penalties: [penalty('p1', { lifecycle: 'withdrawn' })] }), 85, 'B', []],
    ['a revoked penalty does not count', facts({ penalties: [penalty('p1', { lifecycle: 'revoked' })] }), 85, 'B', []],
    // age bands, at their boundaries
    ['a penalty decided the day before 12 months ago: full weight', facts({ penalties: [penalty('p1', { decisionDate: addDays(oneYearAgo, 1) })] }), 75, 'B', [['penalty', 'p1', -10]]],
    ['a penalty decided exactly 12 months ago: half weight', facts({ penalties: [penalty('p1', { decisionDate: oneYearAgo })] }), 80, 'B', [['penalty', 'p1', -5]]],
    ['a penalty of 18 months ago with 3.5 万元: half of -11', facts({ penalties: [penalty('p1', { decisionDate: addMonths(TODAY, -18), amount: 3.5 })] }), 79.5, 'B', [['penalty', 'p1', -5.5]]],
    ['a penalty of 30 months ago: quarter weight', facts({ penalties: [penalty('p1', { decisionDate: addMonths(TODAY, -30) })] }), 82.5, 'B', [['penalty', 'p1', -2.5]]],
    ['a penalty decided exactly 36 months ago no longer counts', facts({ penalties: [penalty('p1', { decisionDate: addMonths(TODAY, -36) })] }), 85, 'B', []],
    ['a penalty decided the day before 36 months ago still counts a quarter', facts({ penalties: [penalty('p1', { decisionDate: addDays(addMonths(TODAY, -36), 1) })] }), 82.5, 'B', [['penalty', 'p1', -2.5]]],
    ['several penalties add up, newest first', facts({ penalties: [penalty('old', { decisionDate: addMonths(TODAY, -20) }), penalty('new', { severity: '轻微' })] }), 77, 'B', [['penalty', 'new', -3], ['penalty', 'old', -5]]],
    // accidents (生产安全事故)
    ['a 一般 accident without deaths', facts({ accidents: [accident('a1')] }), 70, 'C', [['accident', 'a1', -15]]],
    ['a 较大 accident with 2 deaths', facts({ accidents: [accident('a1', { level: '较大', deaths: 2 })] }), 49, 'D', [['accident', 'a1', -36]]],
    ['deaths are capped at -15', facts({ accidents: [accident('a1', { deaths: 10 })] }), 55, 'D', [['accident', 'a1', -30]]],
    ['a 重大 accident', facts({ accidents: [accident('a1', { level: '重大' })] }), 35, 'D', [['accident', 'a1', -50]]],
    ['a 特别重大 accident with 30 deaths goes to 0', facts({ accidents: [accident('a1', { level: '特别重大', deaths: 30 })] }), 0, 'D', [['accident', 'a1', -85]]],
    ['an accident of 13 months ago weighs half', facts({ accidents: [accident('a1', { date: addMonths(TODAY, -13) })] }), 77.5, 'B', [['accident', 'a1', -7.5]]],
    // a fatal accident (死亡事故) puts the tier at least one below the score's (scorecard.fatalAccident)
    ['a fatal 一般 accident, 一级 standardisation: 77 is B by score, C by the rule (was B)', facts({ standardisationGrade: '一级', accidents: [accident('a1', { deaths: 1 })] }), 77, 'C', [['standardisation', USCC, 10], ['accident', 'a1', -18], ['fatalAccident', 'a1', 0]]],
    ['a fatal 一般 accident: 67 is C by score, D by the rule', facts({ accidents: [accident('a1', { deaths: 1 })] }), 67, 'D', [['accident', 'a1', -18], ['fatalAccident', 'a1', 0]]],
    ['a fatal accident of 13 months ago: half its points, no tier drop', facts({ accidents: [accident('a1', { deaths: 1, date: addMonths(TODAY, -13) })] }), 76, 'B', [['accident', 'a1', -9]]],
    ['a fatal accident the day before 12 months ago still drops a tier', facts({ standardisationGrade: '一级', accidents: [accident('a1', { deaths: 1, date: addDays(oneYearAgo, 1) })] }), 77, 'C', [['standardisation', USCC, 10], ['accident', 'a1', -18], ['fatalAccident', 'a1', 0]]],
    ['a fatal accident exactly 12 months ago no longer drops a tier', facts({ standardisationGrade: '一级', accidents: [accident('a1', { deaths: 1, date: oneYearAgo })] }), 86, 'B', [['standardisation', USCC, 10], ['accident', 'a1', -9]]],
    ['a fatal accident dated after today does not drop a tier yet', facts({ standardisationGrade: '一级', accidents: [accident('a1', { deaths: 1, date: addDays(TODAY, 1) })] }), 77, 'B', [['standardisation', USCC, 10], ['accident', 'a1', -18]]],
    ['a fatal accident already at D: no change, no tier reason', facts({ accidents: [accident('a1', { level: '较大', deaths: 2 })] }), 49, 'D', [['accident', 'a1', -36]]],
    ['the latest of two fatal accidents is named', facts({ standardisationGrade: '一级', accidents: [accident('old', { deaths: 1, date: addDays(TODAY, -200) }), accident('new', { deaths: 1, date: addDays(TODAY, -10), level: '一般' })] }), 59, 'D', [['standardisation', USCC, 10], ['accident', 'new', -18], ['accident', 'old', -18]]],
    ['listed and a fatal accident: D by the listing, no tier reason', facts({ standardisationGrade: '一级', accidents: [accident('a1', { deaths: 1 })], listing: { active: true, listingId: 'L1', since: '2026-01-01', until: null } }), 47, 'D', [['standardisation', USCC, 10], ['listing', 'L1', -30], ['accident', 'a1', -18]]],
    // hidden hazards not rectified (事故隐患未整改)
    ['an open major hazard', facts({ hazards: [hazard('h1')] }), 70, 'C', [['hazard', 'h1', -15]]],
    ['an open general hazard', facts({ hazards: [hazard('h1', { major: false })] }), 82, 'B', [['hazard', 'h1', -3]]],
    ['a hazard rectified before today', facts({ hazards: [hazard('h1', { rectifiedDate: addDays(TODAY, -1) })] }), 85, 'B', []],
    ['a hazard rectified today', facts({ hazards: [hazard('h1', { rectifiedDate: TODAY })] }), 85, 'B', []],
    ['a hazard whose rectification is dated tomorrow is still open', facts({ hazards: [hazard('h1', { rectifiedDate: addDays(TODAY, 1) })] }), 70, 'C', [['hazard', 'h1', -15]]],
    ['a hazard found after today does not count yet', facts({ hazards: [hazard('h1', { foundDate: addDays(TODAY, 1) })] }), 85, 'B', []],
    // credit commitments (信用承诺)
    ['a commitment kept (term ended yesterday)', facts({ commitments: [commitment('c1')] }), 86, 'B', [['commitmentKept', 'c1', 1]]],
    ['a commitment whose term ends today is still running', facts({ commitments: [commitment('c1', { termEnd: TODAY })] }), 85, 'B', []],
    ['kept commitments are capped at +3', facts({ commitments: ['c1', 'c2', 'c3', 'c4', 'c5'].map((id) => commitment(id)) }), 88, 'B', [['commitmentKept', 'c1', 1], ['commitmentKept', 'c2', 1], ['commitmentKept', 'c3', 1]]],
    ['a kept commitment ended 13 months ago weighs half', facts({ commitments: [commitment('c1', { termEnd: addMonths(TODAY, -13) })] }), 85.5, 'B', [['commitmentKept', 'c1', 0.5]]],
    ['a broken commitment', facts({ commitments: [commitment('c1', { termEnd: '2027-06-01', breachDate: addDays(TODAY, -3) })] }), 75, 'B', [['commitmentBroken', 'c1', -10]]],
    ['a commitment broken after its term is broken, not kept', facts({ commitments: [commitment('c1', { breachDate: TODAY })] }), 75, 'B', [['commitmentBroken', 'c1', -10]]],
    ['a breach dated after today does not count yet', facts({ commitments: [commitment('c1', { termEnd: '2027-06-01', breachDate: addDays(TODAY, 2) })] }), 85, 'B', []],
    // valid permits
    ['a valid permit', facts({ permits: [permit('k1')] }), 86, 'B', [['permit', 'k1', 1]]],
    ['valid permits are capped at +3', facts({ permits: ['k1', 'k2', 'k3', 'k4'].map((id) => permit(id)) }), 88, 'B', [['permit', 'k1', 1], ['permit', 'k2', 1], ['permit', 'k3', 1]]],
    ['a permit valid until today counts', facts({ permits: [permit('k1', { validTo: TODAY })] }), 86, 'B', [['permit', 'k1', 1]]],
    ['a permit that expired yesterday does not', facts({ permits: [permit('k1', { validTo: addDays(TODAY, -1) })] }), 85, 'B', []],
    ['a permit with 当前状态 2 (无效) does not', facts({ permits: [permit('k1', { status: '2' })] }), 85, 'B', []],
    ['a revoked permit does not', facts({ permits: [permit('k1', { lifecycle: 'revoked' })] }), 85, 'B', []],
    ['a permit not yet in force does not', facts({ permits: [permit('k1', { validFrom: addDays(TODAY, 1) })] }), 85, 'B', []],
    // the serious-dishonesty list (严重失信主体名单) → tier D whatever the score
    ['listed: tier D even with a high score', facts({ standardisationGrade: '一级', listing: { active: true, listingId: 'L1', since: '2026-01-01', until: '2029-01-01' } }), 65, 'D', [['standardisation', USCC, 10], ['listing', 'L1', -30]]],
    ['listed until today: still D', facts({ listing: { active: true, listingId: 'L1', since: '2025-01-01', until: TODAY } }), 55, 'D', [['listing', 'L1', -30]]],
    ['a listing that ended yesterday does not count', facts({ listing: { active: true, listingId: 'L1', since: '2023-01-01', until: addDays(TODAY, -1) } }), 85, 'B', []],
    ['an inactive (removed) listing does not count', facts({ listing: { active: false, listingId: 'L1', since: '2026-01-01', until: null } }), 85, 'B', []],
    ['a listing starting tomorrow does not count yet', facts({ listing: { active: true, listingId: 'L1', since: addDays(TODAY, 1), until: null } }), 85, 'B', []],
    // tier boundaries
    ['exactly 90 is A', facts({ standardisationGrade: '三级', permits: [permit('k1'), permit('k2')] }), 90, 'A', [['standardisation', USCC, 3], ['permit', 'k1', 1], ['permit', 'k2', 1]]],
    ['89.5 is B', facts({ standardisationGrade: '三级', permits: [permit('k1')], commitments: [commitment('c1', { termEnd: addMonths(TODAY, -13) })] }), 89.5, 'B', [['standardisation', USCC, 3], ['commitmentKept', 'c1', 0.5], ['permit', 'k1', 1]]],
    ['exactly 75 is B', facts({ penalties: [penalty('p1')] }), 75, 'B', [['penalty', 'p1', -10]]],
    ['exactly 60 is C', facts({ penalties: [penalty('p1', { severity: '严重' })] }), 60, 'C', [['penalty', 'p1', -25]]],
    [
      '59.5 is D',
      facts({
        penalties: [penalty('p1', { severity: '严重' }), penalty('p2', { decisionDate: addMonths(TODAY, -30) })],
        commitments: [commitment('c1', { termEnd: addMonths(TODAY, -13) }), commitment('c2', { termEnd: addMonths(TODAY, -13) })],
        permits: [permit('k1')],
      }),
      59.5,
      'D',
      [['penalty', 'p1', -25], ['penalty', 'p2', -2.5], ['commitmentKept', 'c1', 0.5], ['commitmentKept', 'c2', 0.5], ['permit', 'k1', 1]],
    ],
    ['a quarter of a 轻微 penalty rounds half away from zero (-0.75 → -0.8)', facts({ penalties: [penalty('p1', { severity: '轻微', decisionDate: addMonths(TODAY, -30) })] }), 84.2, 'B', [['penalty', 'p1', -0.8]]],
    // bounds
    ['never above 100', facts({ standardisationGrade: '一级', permits: ['k1', 'k2', 'k3'].map((id) => permit(id)), commitments: ['c1', 'c2', 'c3'].map((id) => commitment(id)) }), 100, 'A', [['standardisation', USCC, 10], ['commitmentKept', 'c1', 1], ['commitmentKept', 'c2', 1], ['commitmentKept', 'c3', 1], ['permit', 'k1', 1], ['permit', 'k2', 1], ['permit', 'k3', 1], ['bounds', SC.version, -1]]],
    ['never below 0', facts({ penalties: ['p1', 'p2', 'p3', 'p4'].map((id) => penalty(id, { severity: '严重' })) }), 0, 'D', [['penalty', 'p1', -25], ['penalty', 'p2', -25], ['penalty', 'p3', -25], ['penalty', 'p4', -25], ['bounds', SC.version, 15]]],
  ];

  for (const [name, f, score, tier, expected] of cases) {
    it(`${name} → ${score} ${tier}`, () => {
      const r = grade(f, SC, TODAY);
      checkInvariants(r);
      expect(r.score, JSON.stringify(r.reasons)).to.equal(score);
      expect(r.tier).to.equal(tier);
      expect(r.reasons.slice(1).map((x) => [x.indicator, x.source.id, x.points])).to.deep.equal(expected);
    });
  }

  describe('the fatal-accident tier rule follows its configuration', () => {
    // Light accident weights so a fatal accident leaves an A score: 一级 (+10) and a 一般 accident with 1 death (-2) → 93.
    const light = (rule: Scorecard['fatalAccident']): Scorecard => ({ ...structuredClone(SC), accident: { level: { 一般: -1, 较大: -1, 重大: -1, 特别重大: -1 }, perDeath: -1, deathPointsMax: -5 }, fatalAccident: rule });
    const f = facts({ standardisationGrade: '一级', accidents: [accident('a1', { deaths: 1 })] });
    const table: [string, Scorecard['fatalAccident'], string][] = [
      ['one tier down (default): A → B', SC.fatalAccident, 'B'],
      ['two tiers down: A → C', { ...SC.fatalAccident!, tiersDown: 2 }, 'C'],
      ['three tiers down: A → D', { ...SC.fatalAccident!, tiersDown: 3 }, 'D'],
      ['zero tiers: no drop', { ...SC.fatalAccident!, tiersDown: 0 }, 'A'],
      ['no rule configured: no drop', undefined, 'A'],
    ];
    for (const [name, rule, tier] of table) {
      it(name, () => {
        const sc = light(rule);
        expect(scorecardSchema.validate(sc).error).to.equal(undefined);
        const r = grade(f, sc, TODAY);
        checkInvariants(r);
        expect(r.score).to.equal(93);
        expect(r.tier).to.equal(tier);
        const why = r.reasons.find((x) => x.indicator === 'fatalAccident');
        if (tier === 'A') expect(why).to.equal(undefined);
        else {
          expect(why).to.deep.include({ source: { type: 'accident', id: 'a1' }, points: 0 });
          expect(why!.detail).to.include(`由评分所得 A 降为 ${tier}`).and.include(rule!.source);
        }
      });
    }
    it('the shipped rule: one tier within 12 months, with its source', () => {
      expect(SC.fatalAccident).to.deep.include({ tiersDown: 1, windowMonths: 12 });
      expect(SC.fatalAccident!.source).to.match(CJK);
    });
  });

  it('each reason names the source record type', () => {
    const r = grade(
      facts({ penalties: [penalty('p1')], permits: [permit('k1')], accidents: [accident('a1')], hazards: [hazard('h1')], commitments: [commitment('c1'), commitment('c2', { termEnd: '2027-01-01', breachDate: TODAY })], listing: { active: true, listingId: 'L9', since: '2026-01-01', until: null } }),
      SC,
      TODAY,
    );
    checkInvariants(r);
    expect(r.reasons.map((x) => `${x.indicator}:${x.source.type}:${x.source.id}`)).to.deep.equal([
      `base:scorecard:${SC.version}`,
      'listing:listing:L9',
      'penalty:penalty:p1',
      'accident:accident:a1',
      'hazard:hazard:h1',
      'commitmentBroken:commitment:c2',
      'commitmentKept:commitment:c1',
      'permit:permit:k1',
    ]);
    expect(r.reasons[2].detail).to.include('深应急罚〔2026〕p1号');
  });

  it('is deterministic: the order of the facts does not matter', () => {
    const ps = ['p1', 'p2', 'p3'].map((id, i) => penalty(id, { decisionDate: addMonths(TODAY, -i * 7), amount: i * 5 }));
    const ks = ['k1', 'k2', 'k3', 'k4'].map((id, i) => permit(id, { validTo: addMonths(TODAY, i + 1) }));
    const a = grade(facts({ penalties: ps, permits: ks }), SC, TODAY);
    const b = grade(facts({ penalties: [...ps].reverse(), permits: [...ks].reverse() }), SC, TODAY);
    expect(b).to.deep.equal(a);
    // the permits closest to their end are not the ones counted first: the longest-valid ones are
    expect(a.reasons.filter((x) => x.indicator === 'permit').map((x) => x.source.id)).to.deep.equal(['k4', 'k3', 'k2']);
  });

  it('uses the day it is given, not the clock: the same penalty weighs less a year later', () => {
    const f = facts({ penalties: [penalty('p1', { decisionDate: '2026-01-10' })] });
    expect(grade(f, SC, '2026-06-01').score).to.equal(75);
    expect(grade(f, SC, '2027-01-10').score).to.equal(80);
    expect(grade(f, SC, '2028-01-10').score).to.equal(82.5);
    expect(grade(f, SC, '2029-01-10').score).to.equal(85);
  });

  it('follows the scorecard it is given (another version, other weights and thresholds)', () => {
    const sc2: Scorecard = { ...structuredClone(SC), version: 'TEST-2', baseScore: 80, tiers: { A: 95, B: 80, C: 50 }, penalty: { ...SC.penalty, severity: { 轻微: -1, 一般: -20, 严重: -40 } } };
    expect(scorecardSchema.validate(sc2).error).to.equal(undefined);
    const r = grade(facts({ penalties: [penalty('p1')] }), sc2, TODAY);
    expect(r.score).to.equal(60);
    expect(r.tier).to.equal('C');
    expect(r.reasons[0]).to.deep.include({ points: 80, source: { type: 'scorecard', id: 'TEST-2' } });
  });

  describe('helpers', () => {
    const bands = SC.ageBands;
    const table: [string, string, number][] = [
      ['2026-11-25', '2026-11-25', 1],
      ['2026-12-01', '2026-11-25', 1],
      ['2025-11-26', '2026-11-25', 1],
      ['2025-11-25', '2026-11-25', 0.5],
      ['2024-11-26', '2026-11-25', 0.5],
      ['2024-11-25', '2026-11-25', 0.25],
      ['2023-11-26', '2026-11-25', 0.25],
      ['2023-11-25', '2026-11-25', 0],
      ['2010-01-01', '2026-11-25', 0],
      // month ends: 2024-02-29 + 12 months = 2025-02-28
      ['2024-02-29', '2025-02-27', 1],
      ['2024-02-29', '2025-02-28', 0.5],
    ];
    for (const [date, today, factor] of table) {
      it(`ageFactor(${date}, ${today}) = ${factor}`, () => expect(ageFactor(date, today, bands)).to.equal(factor));
    }
    const tiers: [number, string][] = [[100, 'A'], [90, 'A'], [89.9, 'B'], [75, 'B'], [74.9, 'C'], [60, 'C'], [59.9, 'D'], [0, 'D']];
    for (const [score, tier] of tiers) it(`tierOfScore(${score}) = ${tier}`, () => expect(tierOfScore(score, SC)).to.equal(tier));
    it('round1 keeps one decimal and no negative zero', () => {
      expect(round1(-0.04)).to.equal(0);
      expect(Object.is(round1(-0.04), 0)).to.equal(true);
      expect(round1(2.25)).to.equal(2.3);
      expect(round1(-0.75)).to.equal(-0.8);
      expect(round1(0.75)).to.equal(0.8);
    });
  });

  describe('scorecard validation (an invalid file stops the service)', () => {
    const bad: [string, (s: Record<string, any>) => void, RegExp][] = [
      ['no version', (s) => delete s.version, /version/],
      ['tiers not descending', (s) => (s.tiers.B = 95), /B/],
      ['a positive penalty', (s) => (s.penalty.severity['一般'] = 5), /一般/],
      ['age bands out of order', (s) => (s.ageBands = [{ upToMonths: 24, factor: 1 }, { upToMonths: 12, factor: 0.5 }]), /ageBands/],
      ['a factor above 1', (s) => (s.ageBands[0].factor = 2), /factor/],
      ['a missing standardisation grade', (s) => delete s.standardisation['三级'], /三级/],
      ['an unknown listing tier', (s) => (s.listing.tier = 'E'), /tier/],
      ['an unknown field', (s) => (s.extra = 1), /extra/],
    ];
    for (const [name, change, path] of bad) {
      it(`rejects ${name}`, () => {
        const s = structuredClone(SC) as unknown as Record<string, any>;
        change(s);
        const { error } = scorecardSchema.validate(s, { abortEarly: false });
        expect(error, name).to.not.equal(undefined);
        expect(error!.details.map((d) => `${d.path.join('.')} ${d.message}`).join('\n')).to.match(path);
      });
    }
  });
});

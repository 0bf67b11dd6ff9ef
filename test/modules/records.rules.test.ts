import { expect } from 'chai';
import { addWorkdays } from '../../src/lib/calendar.js';
import { PENALTY_TYPES, type PenaltyType } from '../../src/modules/records/fields.js';
import {
  classifySeverity,
  creditRules,
  creditRulesSchema,
  derive,
  derivePenalty,
  derivePermit,
  permitExpired,
  publicityDeadline,
  publicityEnded,
  ruleVersionFor,
  type CreditRules,
  type PenaltyDerived,
  type PermitDerived,
  type SeverityInput,
  type Severity,
} from '../../src/modules/records/rules.js';

const RULE_527 = 'NDRC-527-2019';
const ORDER_58 = 'NDRC-58-2023';
const ORDER_36 = 'NDRC-36-2026';
const CJK = /[\u4e00-\u9fff]/;

/** A copy of the configured rules with some values changed (the configured object itself is cached: never mutate it). */
function rulesWith(change: (r: CreditRules) => void): CreditRules {
  const r = structuredClone(creditRules());
  change(r);
  const { error } = creditRulesSchema.validate(r);
  if (error) throw error;
  return r;
}

function expectChineseReasons(reasons: string[]): void {
  expect(reasons).to.be.an('array');
  expect(reasons.length).to.be.greaterThan(0);
  for (const r of reasons) {
    expect(r).to.be.a('string');
    expect(r.trim()).to.not.equal('');
    expect(r).to.match(CJK);
  }
}

const only = (t: PenaltyType, extra: Partial<SeverityInput> = {}): SeverityInput => ({ penaltyTypes: [t], ...extra });

describe('records/rules — pure rules of permits and penalties', () => {
  it('the defaults these tables rely on are the configured ones (config/credit-rules.json)', () => {
    const r = creditRules();
    expect(r.publicityWorkingDays).to.equal(7);
    expect(r.publishMinor).to.equal(false);
    expect(r.severity.floor).to.equal(null);
    expect(r.severity.severeFineFrom).to.equal(100);
    expect(r.severity.simplifiedMinorFineUpTo).to.equal(0.3);
    expect(r.ruleVersions.map((v) => [v.id, v.from, v.to])).to.deep.equal([
      [RULE_527, null, '2023-04-30'],
      [ORDER_58, '2023-05-01', '2026-03-31'],
      [ORDER_36, '2026-04-01', null],
    ]);
  });

  describe('classifySeverity (default rules)', () => {
    type Expected = { severity: Severity; reason?: RegExp };
    const single: [string, SeverityInput, Expected][] = [
      ['警告 alone', only('警告'), { severity: '轻微', reason: /仅为警告/ }],
      ['通报批评 alone', only('通报批评'), { severity: '轻微', reason: /仅为通报批评/ }],
      ['罚款 alone (5 万元)', only('罚款', { fineAmount: 5 }), { severity: '一般', reason: /罚款/ }],
      ['没收违法所得 alone', only('没收违法所得'), { severity: '一般', reason: /没收违法所得/ }],
      ['没收非法财物 alone', only('没收非法财物'), { severity: '一般', reason: /没收非法财物/ }],
      ['暂扣许可证件 alone', only('暂扣许可证件'), { severity: '一般', reason: /暂扣许可证件/ }],
      ['降低资质等级 alone', only('降低资质等级'), { severity: '一般', reason: /降低资质等级/ }],
      ['吊销许可证件 alone', only('吊销许可证件'), { severity: '严重', reason: /吊销许可证件/ }],
      ['限制开展生产经营活动 alone', only('限制开展生产经营活动'), { severity: '一般', reason: /限制开展生产经营活动/ }],
      ['责令停产停业 alone', only('责令停产停业'), { severity: '严重', reason: /责令停产停业/ }],
      ['责令关闭 alone', only('责令关闭'), { severity: '严重', reason: /责令关闭/ }],
      ['限制从业 alone', only('限制从业'), { severity: '严重', reason: /限制从业/ }],
      ['行政拘留 alone', only('行政拘留'), { severity: '一般', reason: /行政拘留/ }],
      ['其他 alone', only('其他'), { severity: '一般', reason: /其他/ }],
    ];
    const combinations: [string, SeverityInput, Expected][] = [
      ['警告 + 通报批评', { penaltyTypes: ['警告', '通报批评'] }, { severity: '轻微', reason: /警告、通报批评/ }],
      ['警告 + 罚款 (2 万元)', { penaltyTypes: ['警告', '罚款'], fineAmount: 2 }, { severity: '一般', reason: /罚款/ }],
      ['罚款 + 没收违法所得', { penaltyTypes: ['罚款', '没收违法所得'], fineAmount: 10 }, { severity: '一般', reason: /罚款、没收违法所得/ }],
      ['没收非法财物 + 暂扣许可证件', { penaltyTypes: ['没收非法财物', '暂扣许可证件'] }, { severity: '一般' }],
      ['罚款 + 责令停产停业', { penaltyTypes: ['罚款', '责令停产停业'], fineAmount: 5 }, { severity: '严重', reason: /责令停产停业/ }],
      ['警告 + 吊销许可证件', { penaltyTypes: ['警告', '吊销许可证件'] }, { severity: '严重', reason: /吊销许可证件/ }],
      ['罚款 + 限制从业 + 责令关闭 (names every severe type)', { penaltyTypes: ['罚款', '限制从业', '责令关闭'], fineAmount: 50 }, { severity: '严重', reason: /限制从业、责令关闭/ }],
      ['通报批评 + 行政拘留', { penaltyTypes: ['通报批评', '行政拘留'] }, { severity: '一般', reason: /行政拘留/ }],
      ['every category at once', { penaltyTypes: [...PENALTY_TYPES], fineAmount: 1 }, { severity: '严重' }],
    ];
    const fines: [string, SeverityInput, Expected][] = [
      ['罚款 0 万元 (ordinary procedure)', only('罚款', { fineAmount: 0 }), { severity: '一般' }],
      ['罚款 without an amount (ordinary procedure)', only('罚款'), { severity: '一般' }],
      ['罚款 99.999999 万元: just below 100', only('罚款', { fineAmount: 99.999999 }), { severity: '一般' }],
      ['罚款 100 万元: at the threshold', only('罚款', { fineAmount: 100 }), { severity: '严重', reason: /罚款金额 100 万元，达到 100 万元/ }],
      ['罚款 100.000001 万元: just above', only('罚款', { fineAmount: 100.000001 }), { severity: '严重', reason: /达到 100 万元/ }],
      ['罚款 500 万元', only('罚款', { fineAmount: 500 }), { severity: '严重' }],
      ['警告 + 罚款 100 万元', { penaltyTypes: ['警告', '罚款'], fineAmount: 100 }, { severity: '严重', reason: /罚款金额/ }],
      ['罚款 + 没收违法所得 120 万元', { penaltyTypes: ['罚款', '没收违法所得'], fineAmount: 120 }, { severity: '严重' }],
    ];
    const simplified: [string, SeverityInput, Expected][] = [
      ['简易程序 罚款 0.3 万元: at the limit', only('罚款', { fineAmount: 0.3, simplifiedProcedure: true }), { severity: '轻微', reason: /简易程序.*0\.3 万元/ }],
      ['简易程序 罚款 0.2 万元: under', only('罚款', { fineAmount: 0.2, simplifiedProcedure: true }), { severity: '轻微', reason: /简易程序/ }],
      ['简易程序 罚款 0.02 万元 (200 元)', only('罚款', { fineAmount: 0.02, simplifiedProcedure: true }), { severity: '轻微' }],
      ['简易程序 罚款 without an amount', only('罚款', { simplifiedProcedure: true }), { severity: '轻微' }],
      ['简易程序 罚款 0.300001 万元: just over', only('罚款', { fineAmount: 0.300001, simplifiedProcedure: true }), { severity: '一般', reason: /罚款/ }],
      ['简易程序 罚款 0.5 万元: over', only('罚款', { fineAmount: 0.5, simplifiedProcedure: true }), { severity: '一般' }],
      ['简易程序 警告 + 罚款 0.1 万元', { penaltyTypes: ['警告', '罚款'], fineAmount: 0.1, simplifiedProcedure: true }, { severity: '轻微' }],
      ['简易程序 警告 alone', only('警告', { simplifiedProcedure: true }), { severity: '轻微', reason: /仅为警告/ }],
      ['简易程序 with 没收违法所得 is not minor', { penaltyTypes: ['罚款', '没收违法所得'], fineAmount: 0.1, simplifiedProcedure: true }, { severity: '一般', reason: /没收违法所得/ }],
      ['简易程序 flag with a very large fine', only('罚款', { fineAmount: 150, simplifiedProcedure: true }), { severity: '严重' }],
      ['罚款 0.3 万元 without 简易程序', only('罚款', { fineAmount: 0.3 }), { severity: '一般' }],
      ['罚款 0.1 万元 with simplifiedProcedure false', only('罚款', { fineAmount: 0.1, simplifiedProcedure: false }), { severity: '一般' }],
    ];
    const listed: [string, SeverityInput, Expected][] = [
      ['listed, 警告', only('警告', { listed: true }), { severity: '严重', reason: /严重失信主体名单/ }],
      ['listed, 罚款 1 万元', only('罚款', { fineAmount: 1, listed: true }), { severity: '严重', reason: /严重失信主体名单/ }],
      ['listed, 简易程序 罚款 0.1 万元', only('罚款', { fineAmount: 0.1, simplifiedProcedure: true, listed: true }), { severity: '严重', reason: /严重失信主体名单/ }],
      ['listed, 吊销许可证件 (listing decides first)', only('吊销许可证件', { listed: true }), { severity: '严重', reason: /严重失信主体名单/ }],
      ['listed false, 警告', only('警告', { listed: false }), { severity: '轻微' }],
    ];
    const groups: [string, [string, SeverityInput, Expected][]][] = [
      ['each penalty category alone', single],
      ['combinations', combinations],
      ['fines around severeFineFrom (100 万元)', fines],
      ['simplified procedure (简易程序) and simplifiedMinorFineUpTo (0.3 万元)', simplified],
      ['serious-dishonesty listing', listed],
    ];
    it('the single-category table covers every category of the Administrative Penalty Law art. 9', () => {
      expect(single.map(([, input]) => input.penaltyTypes[0])).to.have.members([...PENALTY_TYPES]);
    });
    for (const [group, rows] of groups) {
      describe(group, () => {
        for (const [name, input, expected] of rows) {
          it(`${name} → ${expected.severity}`, () => {
            const { severity, reasons } = classifySeverity(input);
            expect(severity).to.equal(expected.severity);
            expectChineseReasons(reasons);
            if (expected.reason) expect(reasons.join('；')).to.match(expected.reason);
          });
        }
      });
    }
  });

  describe('classifySeverity with a configured floor (safety-production penalties at least …)', () => {
    const floorGeneral = rulesWith((r) => {
      r.severity.floor = '一般';
    });
    const floorSerious = rulesWith((r) => {
      r.severity.floor = '严重';
    });
    const floorMinor = rulesWith((r) => {
      r.severity.floor = '轻微';
    });
    const rows: [string, [SeverityInput, CreditRules], { severity: Severity; floorReason: boolean }][] = [
      ['floor 一般: 警告 is raised', [only('警告'), floorGeneral], { severity: '一般', floorReason: true }],
      ['floor 一般: 通报批评 is raised', [only('通报批评'), floorGeneral], { severity: '一般', floorReason: true }],
      ['floor 一般: 简易程序 罚款 0.1 is raised', [only('罚款', { fineAmount: 0.1, simplifiedProcedure: true }), floorGeneral], { severity: '一般', floorReason: true }],
      ['floor 一般: 罚款 5 stays 一般, no floor reason', [only('罚款', { fineAmount: 5 }), floorGeneral], { severity: '一般', floorReason: false }],
      ['floor 一般: 吊销许可证件 stays 严重', [only('吊销许可证件'), floorGeneral], { severity: '严重', floorReason: false }],
      ['floor 一般: listed stays 严重', [only('警告', { listed: true }), floorGeneral], { severity: '严重', floorReason: false }],
      ['floor 严重: 警告 is raised', [only('警告'), floorSerious], { severity: '严重', floorReason: true }],
      ['floor 严重: 罚款 5 is raised', [only('罚款', { fineAmount: 5 }), floorSerious], { severity: '严重', floorReason: true }],
      ['floor 严重: 责令关闭 stays, no floor reason', [only('责令关闭'), floorSerious], { severity: '严重', floorReason: false }],
      ['floor 轻微 changes nothing', [only('警告'), floorMinor], { severity: '轻微', floorReason: false }],
    ];
    for (const [name, [input, rules], expected] of rows) {
      it(`${name} → ${expected.severity}`, () => {
        const { severity, reasons } = classifySeverity(input, rules);
        expect(severity).to.equal(expected.severity);
        expectChineseReasons(reasons);
        const floorReasons = reasons.filter((r) => r.includes('本地规定'));
        expect(floorReasons, reasons.join('；')).to.have.length(expected.floorReason ? 1 : 0);
        if (expected.floorReason) {
          expect(reasons).to.have.length(2);
          expect(reasons[1]).to.include(`「${expected.severity}」`);
        }
      });
    }
    it('the configured rules are not changed by the copies', () => {
      expect(creditRules().severity.floor).to.equal(null);
      expect(classifySeverity(only('警告')).severity).to.equal('轻微');
    });
  });

  describe('classifySeverity with other configured thresholds', () => {
    const strict = rulesWith((r) => {
      r.severity.severeFineFrom = 50;
      r.severity.simplifiedMinorFineUpTo = 0.02;
      r.severity.severeTypes = [...r.severity.severeTypes, '降低资质等级'];
      r.severity.minorTypes = ['警告'];
    });
    const rows: [string, SeverityInput, Severity][] = [
      ['罚款 50 reaches a lower severeFineFrom', only('罚款', { fineAmount: 50 }), '严重'],
      ['罚款 49.99 stays below it', only('罚款', { fineAmount: 49.99 }), '一般'],
      ['简易程序 罚款 0.02 at a lower simplified limit', only('罚款', { fineAmount: 0.02, simplifiedProcedure: true }), '轻微'],
      ['简易程序 罚款 0.03 over a lower simplified limit', only('罚款', { fineAmount: 0.03, simplifiedProcedure: true }), '一般'],
      ['降低资质等级 configured as severe', only('降低资质等级'), '严重'],
      ['通报批评 no longer configured as minor', only('通报批评'), '一般'],
      ['警告 still minor', only('警告'), '轻微'],
    ];
    for (const [name, input, expected] of rows) {
      it(`${name} → ${expected}`, () => {
        const { severity, reasons } = classifySeverity(input, strict);
        expect(severity).to.equal(expected);
        expectChineseReasons(reasons);
      });
    }
  });

  describe('ruleVersionFor: the rule in force on the decision date', () => {
    const rows: [string, string, string][] = [
      ['2024 decision', '2024-05-15', ORDER_58],
      ['first day of Order 58', '2023-05-01', ORDER_58],
      ['last day of 527号 (the day before Order 58)', '2023-04-30', RULE_527],
      ['before Order 58 (527号, open start)', '2020-01-01', RULE_527],
      ['last day of Order 58', '2026-03-31', ORDER_58],
      ['first day of Order 36', '2026-04-01', ORDER_36],
      ['the day after', '2026-04-02', ORDER_36],
      ['far future', '2035-12-31', ORDER_36],
    ];
    for (const [name, date, expected] of rows) {
      it(`${name}: ${date} → ${expected}`, () => {
        expect(ruleVersionFor(date).id).to.equal(expected);
      });
    }
    it('a date outside every configured version falls back to the first version', () => {
      const gap = rulesWith((r) => {
        r.ruleVersions[0].from = '2020-01-01';
      });
      expect(ruleVersionFor('2019-12-31', gap).id).to.equal(RULE_527);
    });
  });

  describe('publicityDeadline: the 7th working day after the decision date', () => {
    const rows: [string, string, string][] = [
      ['domain example: Mon 2026-11-02', '2026-11-02', '2026-11-11'],
      ['last day of Order 58 (Qingming 2026 on the way)', '2026-03-31', '2026-04-10'],
      ['first day of Order 36', '2026-04-01', '2026-04-13'],
      ['2024 decision', '2024-05-15', '2024-05-24'],
      ['before Spring Festival 2026 (调休 02-14 and 02-28 count)', '2026-02-12', '2026-02-28'],
      ['Friday before Spring Festival 2026', '2026-02-13', '2026-03-02'],
      ['during Spring Festival 2026', '2026-02-17', '2026-03-03'],
      ['before Spring Festival 2025', '2025-01-24', '2025-02-10'],
      ['before National Day 2025 (调休 10-11 counts)', '2025-09-30', '2025-10-16'],
      ['before National Day 2026 (调休 10-10 counts)', '2026-09-30', '2026-10-15'],
      ['before Mid-Autumn + National Day 2026', '2026-09-24', '2026-10-12'],
      ['on National Day 2026', '2026-10-01', '2026-10-15'],
      ['before Labour Day 2026 (调休 05-09 counts)', '2026-04-30', '2026-05-13'],
      ['before New Year 2026 (调休 01-04 counts)', '2025-12-31', '2026-01-12'],
      ['on an ordinary Saturday', '2026-11-07', '2026-11-17'],
    ];
    for (const [name, date, expected] of rows) {
      it(`${name}: ${date} → ${expected}`, () => {
        expect(publicityDeadline(date)).to.equal(expected);
        expect(derivePermit({ decisionDate: date }).publicityDeadline).to.equal(expected);
        expect(addWorkdays(date, 7)).to.equal(expected);
      });
    }
    it('follows a configured number of working days', () => {
      const ten = rulesWith((r) => {
        r.publicityWorkingDays = 10;
      });
      expect(publicityDeadline('2026-11-02', ten)).to.equal('2026-11-16');
      expect(publicityDeadline('2026-09-30', ten)).to.equal('2026-10-20');
    });
  });

  describe('derivePenalty: everything derived from the decision', () => {
    const warning = (decisionDate: string) => ({ penaltyTypes: ['警告'] as PenaltyType[], decisionDate });
    const fine = (decisionDate: string) => ({ penaltyTypes: ['罚款'] as PenaltyType[], fineAmount: 5, decisionDate });
    const revocation = (decisionDate: string) => ({ penaltyTypes: ['吊销许可证件'] as PenaltyType[], decisionDate });
    type Expected = Omit<PenaltyDerived, 'severityReasons'>;
    const rows: [string, SeverityInput & { decisionDate: string }, Expected][] = [
      // the switch between Order 58 and Order 36
      ['Order 58, last day 2026-03-31, 一般', fine('2026-03-31'), { publicityDeadline: '2026-04-10', severity: '一般', published: true, repairEarliestDate: '2026-07-01', publicityEndDate: '2027-03-31', ruleVersion: ORDER_58 }],
      ['Order 36, first day 2026-04-01, 一般', fine('2026-04-01'), { publicityDeadline: '2026-04-13', severity: '一般', published: true, repairEarliestDate: '2026-07-02', publicityEndDate: '2027-04-01', ruleVersion: ORDER_36 }],
      ['Order 58, 2024 decision, 严重', revocation('2024-05-15'), { publicityDeadline: '2024-05-24', severity: '严重', published: true, repairEarliestDate: '2025-05-16', publicityEndDate: '2027-05-15', ruleVersion: ORDER_58 }],
      ['Order 58, last day, 轻微 (warning only: not published then either)', warning('2026-03-31'), { publicityDeadline: '2026-04-10', severity: '轻微', published: false, repairEarliestDate: '2026-03-31', publicityEndDate: '2026-06-30', ruleVersion: ORDER_58 }],
      ['Order 36, first day, 严重', revocation('2026-04-01'), { publicityDeadline: '2026-04-13', severity: '严重', published: true, repairEarliestDate: '2027-04-02', publicityEndDate: '2029-04-01', ruleVersion: ORDER_36 }],
      // each severity under Order 36
      ['Order 36 轻微: 0 / 3 months, not published', warning('2026-04-15'), { publicityDeadline: '2026-04-24', severity: '轻微', published: false, repairEarliestDate: '2026-04-15', publicityEndDate: '2026-07-15', ruleVersion: ORDER_36 }],
      ['Order 36 一般: 3 / 12 months', fine('2026-04-15'), { publicityDeadline: '2026-04-24', severity: '一般', published: true, repairEarliestDate: '2026-07-16', publicityEndDate: '2027-04-15', ruleVersion: ORDER_36 }],
      ['Order 36 严重: 12 / 36 months', revocation('2026-04-15'), { publicityDeadline: '2026-04-24', severity: '严重', published: true, repairEarliestDate: '2027-04-16', publicityEndDate: '2029-04-15', ruleVersion: ORDER_36 }],
      // each severity under Order 58
      ['Order 58 轻微: 0 / 3 months, not published', warning('2025-06-16'), { publicityDeadline: '2025-06-25', severity: '轻微', published: false, repairEarliestDate: '2025-06-16', publicityEndDate: '2025-09-16', ruleVersion: ORDER_58 }],
      ['Order 58 一般: 3 / 12 months', fine('2025-06-16'), { publicityDeadline: '2025-06-25', severity: '一般', published: true, repairEarliestDate: '2025-09-17', publicityEndDate: '2026-06-16', ruleVersion: ORDER_58 }],
      ['Order 58 严重: 12 / 36 months', revocation('2025-06-16'), { publicityDeadline: '2025-06-25', severity: '严重', published: true, repairEarliestDate: '2026-06-17', publicityEndDate: '2028-06-16', ruleVersion: ORDER_58 }],
      // month ends
      ['30 Nov 一般: minimum period ends 28 Feb (clamped), repair from 1 Mar; decision on a Sunday', fine('2025-11-30'), { publicityDeadline: '2025-12-09', severity: '一般', published: true, repairEarliestDate: '2026-03-01', publicityEndDate: '2026-11-30', ruleVersion: ORDER_58 }],
      ['31 Jan 一般: minimum period ends 30 Apr (clamped), repair from 1 May; decision on a Saturday', fine('2026-01-31'), { publicityDeadline: '2026-02-10', severity: '一般', published: true, repairEarliestDate: '2026-05-01', publicityEndDate: '2027-01-31', ruleVersion: ORDER_58 }],
      ['31 Aug 轻微: publicity ends 30 Nov (clamped)', warning('2026-08-31'), { publicityDeadline: '2026-09-09', severity: '轻微', published: false, repairEarliestDate: '2026-08-31', publicityEndDate: '2026-11-30', ruleVersion: ORDER_36 }],
      ['29 Feb 严重: periods end on 28 Feb, repair from 1 Mar', revocation('2024-02-29'), { publicityDeadline: '2024-03-11', severity: '严重', published: true, repairEarliestDate: '2025-03-01', publicityEndDate: '2027-02-28', ruleVersion: ORDER_58 }],
      ['31 May 严重 (2023)', revocation('2023-05-31'), { publicityDeadline: '2023-06-09', severity: '严重', published: true, repairEarliestDate: '2024-06-01', publicityEndDate: '2026-05-31', ruleVersion: ORDER_58 }],
      // the deadline across holidays
      ['before National Day 2026, 一般', fine('2026-09-30'), { publicityDeadline: '2026-10-15', severity: '一般', published: true, repairEarliestDate: '2026-12-31', publicityEndDate: '2027-09-30', ruleVersion: ORDER_36 }],
      ['before Spring Festival 2026, 简易程序 轻微', { penaltyTypes: ['罚款'], fineAmount: 0.2, simplifiedProcedure: true, decisionDate: '2026-02-12' }, { publicityDeadline: '2026-02-28', severity: '轻微', published: false, repairEarliestDate: '2026-02-12', publicityEndDate: '2026-05-12', ruleVersion: ORDER_58 }],
      ['listed, 罚款 1 万元 on National Day 2025', { penaltyTypes: ['罚款'], fineAmount: 1, listed: true, decisionDate: '2025-10-01' }, { publicityDeadline: '2025-10-16', severity: '严重', published: true, repairEarliestDate: '2026-10-02', publicityEndDate: '2028-10-01', ruleVersion: ORDER_58 }],
      ['罚款 100 万元 on 2026-04-01', { penaltyTypes: ['罚款'], fineAmount: 100, decisionDate: '2026-04-01' }, { publicityDeadline: '2026-04-13', severity: '严重', published: true, repairEarliestDate: '2027-04-02', publicityEndDate: '2029-04-01', ruleVersion: ORDER_36 }],
      // 民法典 arts. 201–203: the example — repair from the day after the minimum period, published through the maximum period's last day
      ['domain example: 一般 decided 2026-05-15', fine('2026-05-15'), { publicityDeadline: '2026-05-26', severity: '一般', published: true, repairEarliestDate: '2026-08-16', publicityEndDate: '2027-05-15', ruleVersion: ORDER_36 }],
      // a listing that ended does not downgrade its penalty
      ['formerly listed, 罚款 1 万元 (listing ended): stays 严重', { penaltyTypes: ['罚款'], fineAmount: 1, formerlyListed: true, decisionDate: '2026-05-15' }, { publicityDeadline: '2026-05-26', severity: '严重', published: true, repairEarliestDate: '2027-05-16', publicityEndDate: '2029-05-15', ruleVersion: ORDER_36 }],
      // decisions before 2023-05-01: 发改办财金〔2019〕527号 (一般 3 / 12 months, 严重 6 / 36 months)
      ['527号 一般: 3 / 12 months', fine('2022-08-31'), { publicityDeadline: '2022-09-09', severity: '一般', published: true, repairEarliestDate: '2022-12-01', publicityEndDate: '2023-08-31', ruleVersion: RULE_527 }],
      ['527号 严重: 6 / 36 months', revocation('2022-08-31'), { publicityDeadline: '2022-09-09', severity: '严重', published: true, repairEarliestDate: '2023-03-01', publicityEndDate: '2025-08-31', ruleVersion: RULE_527 }],
      ['527号 last day 2023-04-30, 严重', revocation('2023-04-30'), { publicityDeadline: '2023-05-11', severity: '严重', published: true, repairEarliestDate: '2023-10-31', publicityEndDate: '2026-04-30', ruleVersion: RULE_527 }],
      ['Order 58 first day 2023-05-01, 严重', revocation('2023-05-01'), { publicityDeadline: '2023-05-11', severity: '严重', published: true, repairEarliestDate: '2024-05-02', publicityEndDate: '2026-05-01', ruleVersion: ORDER_58 }],
    ];
    for (const [name, input, expected] of rows) {
      it(`${name}: ${input.decisionDate} → ${expected.severity}, ${expected.ruleVersion}`, () => {
        const got = derivePenalty(input);
        const { severityReasons, ...rest } = got;
        expect(rest).to.deep.equal(expected);
        expectChineseReasons(severityReasons);
        expect(severityReasons).to.deep.equal(classifySeverity(input).reasons);
        expect(derive('penalty', input as unknown as Record<string, unknown>)).to.deep.equal(got);
      });
    }

    describe('derive: listing marks and late entries', () => {
      const listed = { listingId: 'L1', decisionNumber: '应急失信〔2026〕1号', since: '2026-06-01', until: '2029-06-01' };
      const ground = { listingId: 'L1', decisionNumber: '应急失信〔2026〕1号' };
      type Row = [string, Record<string, unknown>, string | undefined, Partial<PenaltyDerived>];
      const rows: Row[] = [
        ['plain 一般, no today', { ...fine('2026-05-15') }, undefined, { severity: '一般', published: true, publicityEndDate: '2027-05-15' }],
        ['listed: 严重, published through the listing end', { ...fine('2026-05-15'), listedAsSeriouslyDishonest: listed }, undefined, { severity: '严重', published: true, publicityEndDate: '2029-06-01', repairEarliestDate: '2027-05-16' }],
        ['listing ended (ground mark only): stays 严重, 3 years from the decision', { ...fine('2026-05-15'), groundedSeriousDishonestyListing: ground }, undefined, { severity: '严重', published: true, publicityEndDate: '2029-05-15', repairEarliestDate: '2027-05-16' }],
        ['listing ended, entered while still within 3 years: published', { ...fine('2026-05-15'), groundedSeriousDishonestyListing: ground }, '2029-05-15', { severity: '严重', published: true }],
        ['listing ended, 3 years over: not published', { ...fine('2026-05-15'), groundedSeriousDishonestyListing: ground }, '2029-05-16', { severity: '严重', published: false }],
        ['late entry on the last day of publicity: published', { ...fine('2025-11-30') }, '2026-11-30', { published: true, publicityEndDate: '2026-11-30' }],
        ['late entry the day after publicity ended: never published', { ...fine('2025-11-30') }, '2026-12-01', { published: false, publicityEndDate: '2026-11-30' }],
        ['import of a 2021 decision (527号): never published', { ...revocation('2021-03-10') }, '2026-12-01', { published: false, publicityEndDate: '2024-03-10', ruleVersion: RULE_527 }],
        ['entered in time: published', { ...fine('2026-11-20') }, '2026-11-23', { published: true }],
        ['轻微 stays unpublished whatever the day', { ...warning('2026-11-20') }, '2026-11-23', { published: false }],
      ];
      for (const [name, data, today, expected] of rows) {
        it(name, () => {
          expect(derive('penalty', data, creditRules(), today)).to.include(expected);
        });
      }
      it('a permit is published whatever the day (no maximum publicity period)', () => {
        expect(derive('permit', { decisionDate: '2020-01-02' }, creditRules(), '2026-12-01')).to.include({ published: true });
      });
    });

    describe('publishMinor', () => {
      const publishMinor = rulesWith((r) => {
        r.publishMinor = true;
      });
      const pubRows: [string, [SeverityInput & { decisionDate: string }, CreditRules | undefined], boolean][] = [
        ['轻微, default rules → not published', [warning('2026-04-15'), undefined], false],
        ['轻微, publishMinor → published (at most 3 months)', [warning('2026-04-15'), publishMinor], true],
        ['轻微 under Order 58, publishMinor → published', [warning('2025-06-16'), publishMinor], true],
        ['一般, default rules → published', [fine('2026-04-15'), undefined], true],
        ['一般, publishMinor → published', [fine('2026-04-15'), publishMinor], true],
        ['严重, default rules → published', [revocation('2026-04-15'), undefined], true],
      ];
      for (const [name, [input, rules], expected] of pubRows) {
        it(name, () => {
          const d = derivePenalty(input, rules);
          expect(d.published).to.equal(expected);
          if (d.severity === '轻微') expect(d.publicityEndDate).to.equal(input.decisionDate === '2026-04-15' ? '2026-07-15' : '2025-09-16');
        });
      }
    });

    it('uses the periods of the version in force (rule versions with different periods)', () => {
      const differing = rulesWith((r) => {
        r.ruleVersions.find((v) => v.id === ORDER_58)!.periods.一般 = { minMonths: 6, maxMonths: 24 };
      });
      expect(derivePenalty(fine('2026-03-31'), differing)).to.include({ repairEarliestDate: '2026-10-01', publicityEndDate: '2028-03-31', ruleVersion: ORDER_58 });
      expect(derivePenalty(fine('2026-04-01'), differing)).to.include({ repairEarliestDate: '2026-07-02', publicityEndDate: '2027-04-01', ruleVersion: ORDER_36 });
    });
  });

  describe('derivePermit', () => {
    const rows: [string, string, PermitDerived][] = [
      ['2024 decision', '2024-05-15', { publicityDeadline: '2024-05-24', published: true }],
      ['last day of Order 58', '2026-03-31', { publicityDeadline: '2026-04-10', published: true }],
      ['first day of Order 36', '2026-04-01', { publicityDeadline: '2026-04-13', published: true }],
      ['before National Day 2026', '2026-09-30', { publicityDeadline: '2026-10-15', published: true }],
      ['domain example', '2026-11-02', { publicityDeadline: '2026-11-11', published: true }],
    ];
    for (const [name, date, expected] of rows) {
      it(`${name}: ${date} → ${expected.publicityDeadline}`, () => {
        expect(derivePermit({ decisionDate: date })).to.deep.equal(expected);
        expect(derive('permit', { decisionDate: date })).to.deep.equal(expected);
      });
    }
  });

  describe('permitExpired: valid through 有效期至, expired from the day after', () => {
    const rows: [string, [string | undefined, string], boolean][] = [
      ['the day before validTo', ['2026-06-30', '2026-06-29'], false],
      ['on validTo', ['2026-06-30', '2026-06-30'], false],
      ['the day after validTo', ['2026-06-30', '2026-07-01'], true],
      ['long after', ['2026-06-30', '2027-01-01'], true],
      ['year end: on 31 Dec', ['2026-12-31', '2026-12-31'], false],
      ['year end: on 1 Jan', ['2026-12-31', '2027-01-01'], true],
      ['leap day: on 29 Feb', ['2028-02-29', '2028-02-29'], false],
      ['leap day: on 1 Mar', ['2028-02-29', '2028-03-01'], true],
      ['no validTo (indefinite)', [undefined, '2099-12-31'], false],
    ];
    for (const [name, [validTo, today], expected] of rows) {
      it(`${name}: validTo ${validTo ?? '—'}, today ${today} → ${expected}`, () => {
        expect(permitExpired(validTo, today)).to.equal(expected);
      });
    }
  });

  describe('publicityEnded: published through publicityEndDate, ended from the day after', () => {
    const rows: [string, [string | undefined, string], boolean][] = [
      ['the day before the end date', ['2027-04-15', '2027-04-14'], false],
      ['on the end date', ['2027-04-15', '2027-04-15'], false],
      ['the day after the end date', ['2027-04-15', '2027-04-16'], true],
      ['month end: on 28 Feb', ['2027-02-28', '2027-02-28'], false],
      ['month end: on 1 Mar', ['2027-02-28', '2027-03-01'], true],
      ['year end: on 1 Jan', ['2026-12-31', '2027-01-01'], true],
      ['no end date', [undefined, '2099-12-31'], false],
    ];
    for (const [name, [end, today], expected] of rows) {
      it(`${name}: end ${end ?? '—'}, today ${today} → ${expected}`, () => {
        expect(publicityEnded(end, today)).to.equal(expected);
      });
    }

    const derived: [string, [SeverityInput & { decisionDate: string }, string], boolean][] = [
      ['一般 from 2026-04-15, on the first anniversary', [{ penaltyTypes: ['罚款'], fineAmount: 5, decisionDate: '2026-04-15' }, '2027-04-15'], false],
      ['一般 from 2026-04-15, the day after', [{ penaltyTypes: ['罚款'], fineAmount: 5, decisionDate: '2026-04-15' }, '2027-04-16'], true],
      ['严重 from 2024-02-29, on 2027-02-28', [{ penaltyTypes: ['责令关闭'], decisionDate: '2024-02-29' }, '2027-02-28'], false],
      ['严重 from 2024-02-29, on 2027-03-01', [{ penaltyTypes: ['责令关闭'], decisionDate: '2024-02-29' }, '2027-03-01'], true],
      ['轻微 from 2026-08-31, on 2026-11-30', [{ penaltyTypes: ['警告'], decisionDate: '2026-08-31' }, '2026-11-30'], false],
      ['轻微 from 2026-08-31, on 2026-12-01', [{ penaltyTypes: ['警告'], decisionDate: '2026-08-31' }, '2026-12-01'], true],
    ];
    for (const [name, [input, today], expected] of derived) {
      it(`derived end date — ${name} → ${expected}`, () => {
        expect(publicityEnded(derivePenalty(input).publicityEndDate, today)).to.equal(expected);
      });
    }
  });
});

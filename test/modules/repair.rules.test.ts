import { expect } from 'chai';
import { addDays } from '../../src/lib/calendar.js';
import { derivePenalty, type Severity } from '../../src/modules/records/index.js';
import {
  acceptanceDue,
  assessEligibility,
  currentStep,
  decisionDue,
  extendedDecisionDue,
  overdueStep,
  paymentRequired,
  reapplicationBarredUntil,
  repairConfig,
  repairConfigSchema,
  resultSharedDue,
  unrepairableRule,
  TRANSITIONS,
  type EligibilityInput,
  type FulfilmentFacts,
  type PenaltyFacts,
  type RepairConfig,
  type ReasonCode,
} from '../../src/modules/repair/rules.js';

const RULE_527 = 'NDRC-527-2019';
const ORDER_58 = 'NDRC-58-2023';
const ORDER_36 = 'NDRC-36-2026';
const CJK = /[\u4e00-\u9fff]/;

/** One penalty of each class, described as the clerk records it. */
const SEVERITY_INPUT: Record<Severity, { penaltyTypes: string[]; fineAmount?: number }> = {
  轻微: { penaltyTypes: ['警告'] },
  一般: { penaltyTypes: ['罚款'], fineAmount: 5 },
  严重: { penaltyTypes: ['罚款', '责令停产停业'], fineAmount: 50 },
};

/** Penalty facts exactly as the records module derives and stores them. */
function penalty(severity: Severity, decisionDate: string, over: Partial<PenaltyFacts> = {}): PenaltyFacts {
  const input = SEVERITY_INPUT[severity];
  const d = derivePenalty({ penaltyTypes: input.penaltyTypes as never, fineAmount: input.fineAmount, decisionDate });
  expect(d.severity, `fixture class for ${severity}`).to.equal(severity);
  return {
    lifecycle: 'active',
    withdrawReason: null,
    decisionDate,
    severity: d.severity,
    repairEarliestDate: d.repairEarliestDate,
    publicityEndDate: d.publicityEndDate,
    ruleVersion: d.ruleVersion,
    penaltyTypes: input.penaltyTypes,
    legalBasis: '《中华人民共和国安全生产法》第九十七条',
    violationType: '未按规定对从业人员进行安全生产教育和培训',
    ...over,
  };
}

const fulfilled = (date: string): FulfilmentFacts => ({ finePaidDate: date, correctionConfirmedDate: date });

function assess(p: PenaltyFacts, today: string, over: Partial<EligibilityInput> = {}, config?: RepairConfig) {
  return assessEligibility({ penalty: p, fulfilment: fulfilled(p.decisionDate), commitment: 'given', openApplication: { state: 'none' }, today, ...over }, config);
}

const codes = (r: { reasons: { code: ReasonCode }[] }) => r.reasons.map((x) => x.code);

describe('repair/rules — credit repair eligibility (pure)', () => {
  it('the defaults these tables rely on are the configured ones (config/repair.json)', () => {
    const c = repairConfig();
    expect(c.timeLimits).to.deep.equal({ acceptanceWorkdays: 3, decisionWorkdays: 7, extensionWorkdays: 7, resultSharedWorkdays: 3 });
    expect(c.files.maxBytes).to.equal(5 * 1024 * 1024);
    expect(c.files.types).to.have.members(['application/pdf', 'image/jpeg', 'image/png']);
    expect(c.unrepairable.map((u) => u.id)).to.deep.equal(['WSL-94-lifetime-ban']);
  });

  describe('minimum period boundaries: three classes × both rule versions (eligible ON the day the minimum period is reached)', () => {
    // decision date → expected first day of eligibility per class; hand-computed from domain.md (轻微 0, 一般 3 months, 严重 1 year;
    // 527号 before 2023-05-01: 严重 6 months) by 民法典 arts. 201–203: the day AFTER the minimum period's last day.
    const table: { version: string; decisionDate: string; minEnd: Record<Severity, string> }[] = [
      { version: RULE_527, decisionDate: '2022-08-31', minEnd: { 轻微: '2022-08-31', 一般: '2022-12-01', 严重: '2023-03-01' } },
      { version: RULE_527, decisionDate: '2023-04-30', minEnd: { 轻微: '2023-04-30', 一般: '2023-07-31', 严重: '2023-10-31' } },
      { version: ORDER_58, decisionDate: '2025-06-30', minEnd: { 轻微: '2025-06-30', 一般: '2025-10-01', 严重: '2026-07-01' } },
      { version: ORDER_58, decisionDate: '2025-11-30', minEnd: { 轻微: '2025-11-30', 一般: '2026-03-01', 严重: '2026-12-01' } },
      { version: ORDER_58, decisionDate: '2026-03-31', minEnd: { 轻微: '2026-03-31', 一般: '2026-07-01', 严重: '2027-04-01' } },
      { version: ORDER_36, decisionDate: '2026-04-01', minEnd: { 轻微: '2026-04-01', 一般: '2026-07-02', 严重: '2027-04-02' } },
      { version: ORDER_36, decisionDate: '2026-05-15', minEnd: { 轻微: '2026-05-15', 一般: '2026-08-16', 严重: '2027-05-16' } },
      { version: ORDER_36, decisionDate: '2026-08-31', minEnd: { 轻微: '2026-08-31', 一般: '2026-12-01', 严重: '2027-09-01' } },
      { version: ORDER_36, decisionDate: '2027-11-30', minEnd: { 轻微: '2027-11-30', 一般: '2028-03-01', 严重: '2028-12-01' } },
    ];
    for (const row of table) {
      for (const severity of ['轻微', '一般', '严重'] as Severity[]) {
        const minEnd = row.minEnd[severity];
        describe(`${row.version}, ${severity}, decided ${row.decisionDate}`, () => {
          const p = penalty(severity, row.decisionDate);

          it(`records rule version ${row.version} and minimum period end ${minEnd}`, () => {
            expect(p.ruleVersion).to.equal(row.version);
            expect(p.repairEarliestDate).to.equal(minEnd);
          });

          it(`the day before (${addDays(minEnd, -1)}): not eligible, minimum period not reached until ${minEnd}`, () => {
            const r = assess(p, addDays(minEnd, -1));
            expect(r.eligible).to.equal(false);
            const reason = r.reasons.find((x) => x.code === 'MIN_PERIOD_NOT_REACHED');
            expect(reason, JSON.stringify(r.reasons)).to.not.equal(undefined);
            expect(reason!.date).to.equal(minEnd);
            expect(reason!.message).to.include(minEnd).and.match(CJK);
            // Before the decision itself (轻微) the obligations cannot be fulfilled yet either; otherwise the period is the only reason.
            if (severity !== '轻微') expect(codes(r)).to.deep.equal(['MIN_PERIOD_NOT_REACHED']);
            expect(r.earliestDate).to.equal(minEnd);
            expect(r.ruleVersion).to.equal(row.version);
          });

          it(`the day itself (${minEnd}): eligible`, () => {
            const r = assess(p, minEnd);
            expect(r.reasons).to.deep.equal([]);
            expect(r.eligible).to.equal(true);
            expect(r.earliestDate).to.equal(minEnd);
            expect(r.conditions.every((c) => c.met)).to.equal(true);
          });
        });
      }
    }
  });

  describe('a penalty that grounds an active serious-dishonesty listing: apply for early removal instead', () => {
    const p = penalty('严重', '2025-06-30');
    const listing = { decisionNumber: '应急失信〔2025〕3号', since: '2025-08-01', until: '2028-08-01' };
    const short = { ...listing, until: '2027-06-01' };
    const rows: [string, PenaltyFacts['listing'], string, boolean][] = [
      ['not listed: eligible', null, '2026-08-01', true],
      ['listed, minimum period over, everything fulfilled: not eligible', listing, '2026-08-01', false],
      ['listed, on the listing\'s last day: not eligible', listing, '2028-08-01', false],
      ['listed, on the last day of a listing ending before the publicity: not eligible', short, '2027-06-01', false],
      ['the mark outlives its end date (removal job not run yet): the listing is over, eligibility as usual', short, '2027-06-02', true],
    ];
    for (const [name, l, today, eligible] of rows) {
      it(name, () => {
        const r = assess({ ...p, listing: l, publicityEndDate: l && l.until > p.publicityEndDate ? l.until : p.publicityEndDate }, today);
        expect(r.eligible).to.equal(eligible);
        const c = r.conditions.find((x) => x.code === 'NOT_LISTED')!;
        expect(c.met).to.equal(!(l && today <= l.until));
        if (!eligible) {
          expect(codes(r)).to.deep.equal(['LISTED_SERIOUSLY_DISHONEST']);
          expect(r.reasons[0].message).to.include('提前移出').and.include(l!.decisionNumber).and.include(l!.until);
          expect(r.earliestDate).to.equal(null);
        }
      });
    }
    it('listed and the minimum period not reached: both reasons', () => {
      const young = penalty('严重', '2026-05-15', { listing });
      expect(codes(assess(young, '2026-06-01'))).to.deep.equal(['LISTED_SERIOUSLY_DISHONEST', 'MIN_PERIOD_NOT_REACHED']);
    });
  });

  describe('轻微: repairable as soon as the obligations are fulfilled', () => {
    const p = penalty('轻微', '2026-05-11');
    it('on the decision day without fulfilment: only the correction is missing (no fine to pay, no minimum period)', () => {
      const r = assess(p, '2026-05-11', { fulfilment: null });
      expect(codes(r)).to.deep.equal(['CORRECTION_NOT_CONFIRMED']);
      expect(r.paymentRequired).to.equal(false);
      expect(r.earliestDate).to.equal('2026-05-11');
    });
    it('confirmed on 2026-05-20: not on the 19th, eligible on the 20th, earliest date the 20th', () => {
      const f = { finePaidDate: null, correctionConfirmedDate: '2026-05-20' };
      const before = assess(p, '2026-05-19', { fulfilment: f });
      expect(codes(before)).to.deep.equal(['CORRECTION_NOT_CONFIRMED']);
      expect(before.reasons[0].message).to.include('2026-05-20');
      const on = assess(p, '2026-05-20', { fulfilment: f });
      expect(on.eligible).to.equal(true);
      expect(on.earliestDate).to.equal('2026-05-20');
    });
    it('a 轻微 simplified-procedure fine needs the fine paid', () => {
      const d = derivePenalty({ penaltyTypes: ['罚款'], fineAmount: 0.2, simplifiedProcedure: true, decisionDate: '2026-05-11' });
      expect(d.severity).to.equal('轻微');
      const p2 = { ...p, penaltyTypes: ['罚款'] };
      expect(codes(assess(p2, '2026-05-12', { fulfilment: { finePaidDate: null, correctionConfirmedDate: '2026-05-11' } }))).to.deep.equal(['FINE_NOT_PAID']);
      expect(assess(p2, '2026-05-12', { fulfilment: fulfilled('2026-05-12') }).eligible).to.equal(true);
    });
  });

  describe('every reason, not only the first', () => {
    it('collects the pending application, the period, the fine, the correction and the commitment at once', () => {
      const p = penalty('一般', '2026-08-31');
      const r = assess(p, '2026-09-15', { fulfilment: null, commitment: 'missing', openApplication: { state: 'pending', number: 'XF2026-000007' } });
      expect(codes(r)).to.deep.equal(['APPLICATION_PENDING', 'MIN_PERIOD_NOT_REACHED', 'FINE_NOT_PAID', 'CORRECTION_NOT_CONFIRMED', 'NO_COMMITMENT']);
      expect(r.eligible).to.equal(false);
      for (const x of r.reasons) expect(x.message).to.match(CJK);
      expect(r.reasons.find((x) => x.code === 'APPLICATION_PENDING')!.message).to.include('XF2026-000007');
      expect(r.reasons.find((x) => x.code === 'NO_COMMITMENT')!.field).to.equal('commitmentAccepted');
      // Pending is not permanent: the earliest date is still known.
      expect(r.earliestDate).to.equal('2026-12-01');
      expect(r.conditions.filter((c) => !c.met).map((c) => c.code)).to.deep.equal(['MIN_PERIOD', 'FINE_PAID', 'CORRECTION', 'COMMITMENT']);
    });

    it('the earliest date is the latest of the minimum period end and the fulfilment dates', () => {
      const p = penalty('一般', '2026-04-01');
      expect(assess(p, '2026-09-01', { fulfilment: { finePaidDate: '2026-08-10', correctionConfirmedDate: '2026-05-05' } }).earliestDate).to.equal('2026-08-10');
      expect(assess(p, '2026-09-01', { fulfilment: { finePaidDate: '2026-04-10', correctionConfirmedDate: '2026-05-05' } }).earliestDate).to.equal('2026-07-02');
    });

    it('fulfilment dated after the assessed day does not count yet', () => {
      const p = penalty('一般', '2026-04-01');
      const r = assess(p, '2026-07-02', { fulfilment: { finePaidDate: '2026-07-03', correctionConfirmedDate: '2026-07-04' } });
      expect(codes(r)).to.deep.equal(['FINE_NOT_PAID', 'CORRECTION_NOT_CONFIRMED']);
      expect(r.earliestDate).to.equal('2026-07-04');
    });

    it('a commitment made with the application (asked before applying) is no reason', () => {
      const r = assess(penalty('一般', '2026-04-01'), '2026-07-02', { commitment: 'at-application' });
      expect(r.eligible).to.equal(true);
      expect(r.conditions.find((c) => c.code === 'COMMITMENT')!.note).to.include('随申请提交');
    });
  });

  describe('records that can never be repaired (earliest date null)', () => {
    const p = penalty('一般', '2026-04-01');
    it('revoked', () => {
      const r = assess({ ...p, lifecycle: 'revoked' }, '2026-08-01');
      expect(codes(r)).to.deep.equal(['RECORD_REVOKED']);
      expect(r.earliestDate).to.equal(null);
    });
    it('already repaired: withdrawn with reason 信用修复, or an approved application', () => {
      const a = assess({ ...p, lifecycle: 'withdrawn', withdrawReason: '信用修复' }, '2026-08-01');
      expect(codes(a)).to.deep.equal(['ALREADY_REPAIRED']);
      expect(a.earliestDate).to.equal(null);
      const b = assess(p, '2026-08-01', { openApplication: { state: 'approved', number: 'XF2026-000001' } });
      expect(codes(b)).to.deep.equal(['ALREADY_REPAIRED']);
      expect(b.reasons[0].message).to.include('XF2026-000001');
    });
    it('publicity ended: withdrawn 公示期满, or past the publicity end date (the day of it still counts)', () => {
      expect(codes(assess({ ...p, lifecycle: 'withdrawn', withdrawReason: '公示期满' }, '2027-04-02'))).to.deep.equal(['PUBLICITY_ENDED']);
      expect(p.publicityEndDate).to.equal('2027-04-01');
      expect(assess(p, '2027-04-01').eligible).to.equal(true);
      const after = assess(p, '2027-04-02');
      expect(codes(after)).to.deep.equal(['PUBLICITY_ENDED']);
      expect(after.earliestDate).to.equal(null);
    });
    it('not repairable by law: the configured list (default sample: Work Safety Law art. 94)', () => {
      const barred = { ...p, legalBasis: '《中华人民共和国安全生产法》第九十四条第二款' };
      const r = assess(barred, '2026-08-01');
      expect(codes(r)).to.deep.equal(['NOT_REPAIRABLE_BY_LAW']);
      expect(r.reasons[0].message).to.include('第九十四条');
      expect(r.earliestDate).to.equal(null);
      expect(r.conditions.find((c) => c.code === 'REPAIRABLE')!.met).to.equal(false);
    });
    it('a configured entry by violation type; every given field must match', () => {
      const config = structuredClone(repairConfig());
      config.unrepairable = [{ id: 'x', violationTypeContains: '瞒报', legalBasisContains: '第一百一十条', reason: '瞒报事故依法不予修复' }];
      expect(repairConfigSchema.validate(config).error).to.equal(undefined);
      const both = { ...p, violationType: '瞒报生产安全事故', legalBasis: '《安全生产法》第一百一十条' };
      expect(unrepairableRule(both, config)?.id).to.equal('x');
      expect(unrepairableRule({ ...both, legalBasis: '其他' }, config)).to.equal(undefined);
      expect(codes(assess(both, '2026-08-01', {}, config))).to.deep.equal(['NOT_REPAIRABLE_BY_LAW']);
    });
    it('the configuration is validated (an entry needs a field to match)', () => {
      const bad = { ...structuredClone(repairConfig()), unrepairable: [{ id: 'y', reason: '无' }] };
      expect(repairConfigSchema.validate(bad).error).to.not.equal(undefined);
    });
  });

  describe('撤销修复: a repair obtained with false materials bars a new application (config revocation.reapplyBarMonths)', () => {
    it('the configured bar is 36 months, with its source', () => {
      expect(repairConfig().revocation.reapplyBarMonths).to.equal(36);
      expect(repairConfig().revocation.source).to.match(CJK);
    });
    // revoked on → last barred day (民法典 arts. 201–203), with 36 and 12 months
    const rows: [string, number, string][] = [
      ['2026-12-01', 36, '2029-12-01'],
      ['2028-02-29', 36, '2031-02-28'],
      ['2026-01-31', 1, '2026-02-28'],
      ['2026-12-01', 12, '2027-12-01'],
      ['2026-12-01', 0, '2026-12-01'],
    ];
    for (const [revokedOn, months, until] of rows) {
      it(`revoked ${revokedOn}, ${months} months → refused through ${until}`, () => {
        const config = { ...structuredClone(repairConfig()), revocation: { reapplyBarMonths: months, source: '测试' } };
        expect(reapplicationBarredUntil(revokedOn, config)).to.equal(until);
      });
    }
    const p = penalty('一般', '2026-01-05');
    const bar = { number: 'XF2026-000009', until: '2029-12-01' };
    const eligibilityRows: [string, string, boolean][] = [
      ['on the revocation day', '2026-12-01', false],
      ['on the last barred day', '2029-12-01', false],
      ['the day after', '2029-12-02', true],
    ];
    for (const [name, today, eligible] of eligibilityRows) {
      it(`${name} (${today}): ${eligible ? 'eligible' : 'refused with the date it ends'}`, () => {
        const r = assess({ ...p, publicityEndDate: '2030-01-01' }, today, { bar });
        expect(r.eligible).to.equal(eligible);
        if (!eligible) {
          expect(codes(r)).to.deep.equal(['REAPPLICATION_BARRED']);
          expect(r.reasons[0]).to.include({ date: '2029-12-02' });
          expect(r.reasons[0].message).to.include('XF2026-000009').and.include('虚假材料');
          expect(r.earliestDate).to.equal('2029-12-02');
        }
      });
    }
  });

  it('money obligations: 罚款 and 没收违法所得 need paying; 没收非法财物, 警告, 停产停业 do not', () => {
    expect(paymentRequired(['罚款'])).to.equal(true);
    expect(paymentRequired(['没收违法所得'])).to.equal(true);
    expect(paymentRequired(['没收非法财物'])).to.equal(false);
    expect(paymentRequired(['警告', '责令停产停业'])).to.equal(false);
  });
});

describe('repair/rules — workflow and working-day time limits (pure)', () => {
  it('acceptance 3, decision 7, extension 7, result shared 3 working days, across the National Day holiday and a 调休 Saturday', () => {
    // 2026-09-30 → Oct 1–7 off → Oct 8 (1), Oct 9 (2), Sat Oct 10 working (3)
    expect(acceptanceDue('2026-09-30')).to.equal('2026-10-10');
    // Oct 12, 13, 14, 15, 16, 19, 20
    expect(decisionDue('2026-10-10')).to.equal('2026-10-20');
    // Oct 21, 22, 23, 26, 27, 28, 29
    expect(extendedDecisionDue('2026-10-20')).to.equal('2026-10-29');
    // Fri 2026-11-27 → Nov 30, Dec 1, Dec 2
    expect(resultSharedDue('2026-11-27')).to.equal('2026-12-02');
  });

  it('transitions: accept/refuse from submitted; extend/approve/deny from accepted', () => {
    expect(Object.fromEntries(Object.entries(TRANSITIONS).map(([a, t]) => [a, `${t.from}→${t.to}`]))).to.deep.equal({
      accept: 'submitted→accepted',
      refuse: 'submitted→refused-incomplete',
      extend: 'accepted→accepted',
      approve: 'accepted→approved',
      deny: 'accepted→denied',
      revoke: 'effected→revoked',
    });
  });

  it('a step is overdue the day after its due date; closed applications never are', () => {
    const due = { acceptance: '2026-10-10', decision: '2026-10-20', resultShared: '2026-10-23' };
    expect(overdueStep({ state: 'submitted', due }, '2026-10-10')).to.equal(null);
    expect(overdueStep({ state: 'submitted', due }, '2026-10-12')).to.deep.include({ step: 'acceptance', due: '2026-10-10', overdueWorkdays: 1 });
    expect(overdueStep({ state: 'accepted', due }, '2026-10-22')).to.deep.include({ step: 'decision', overdueWorkdays: 2 });
    expect(overdueStep({ state: 'approved', due }, '2026-10-24')).to.deep.include({ step: 'resultShared', overdueWorkdays: 1 });
    for (const state of ['refused-incomplete', 'denied', 'effected', 'revoked'] as const) {
      expect(currentStep(state)).to.equal(null);
      expect(overdueStep({ state, due }, '2027-01-01')).to.equal(null);
    }
  });
});

import { expect } from 'chai';
import {
  decisionProblem,
  dishonestyRules,
  earlyRemovalEligibility,
  listingPeriod,
  basisOutcome,
  earliestEarlyRemoval,
  measuresFor,
  objectionDeadline,
  objectionProblem,
  removalDecisionDeadline,
  rightsText,
  spanOn,
  type EarlyRemovalInput,
} from '../../src/modules/dishonesty/rules.js';
import { cellsOf, columnsFor, decodeEntry, encodeEntry, jsonLine, rowsOfEntry, type LedgerEntry } from '../../src/modules/dishonesty/rows.js';
import { esc } from '../../src/modules/dishonesty/documents.js';

describe('dishonesty rules (pure)', () => {
  const rules = dishonestyRules();

  describe('config/dishonesty.json', () => {
    it('holds the nine grounds (a)–(i), the measures, 5 working days, 3 years, 12 months and 20 working days', () => {
      expect(rules.grounds.map((g) => g.code)).to.deep.equal(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']);
      expect(rules.grounds.every((g) => /[\u4e00-\u9fa5]/.test(g.text))).to.equal(true);
      expect(rules).to.include({ objectionWorkingDays: 5, listingYears: 3, earlyRemovalMinMonths: 12, removalDecisionWorkingDays: 20 });
      expect(rules.measures.length).to.be.at.least(6);
      expect(rightsText(rules)[0]).to.include('5个工作日');
    });
    it('measures bind the unit, listed persons, or both', () => {
      const all = rules.measures.map((m) => m.code);
      expect(measuresFor(all, 'person', rules).map((m) => m.code)).to.deep.equal(['M05', 'M07']);
      expect(measuresFor(all, 'unit', rules).map((m) => m.code)).to.not.include('M07');
      expect(measuresFor(['M99'], 'unit', rules)).to.deep.equal([]);
    });
  });

  describe('procedure dates', () => {
    it('objection period: the 5th working day after service, across Golden Week and an adjusted working Saturday', () => {
      // 2026-09-29 Tue → 09-30 (1), 10-01…10-07 holiday, 10-08 (2), 10-09 (3), 10-10 Sat 调休 (4), 10-12 (5)
      expect(objectionDeadline('2026-09-29', rules)).to.equal('2026-10-12');
      // served on a Friday: Mon–Fri of the next week
      expect(objectionDeadline('2026-11-06', rules)).to.equal('2026-11-13');
    });
    // 民法典 arts. 201–203: the decision day is not counted; the last day is the corresponding day (or the month's last day).
    const periods: [string, string, string, string][] = [
      ['an ordinary day', '2026-11-10', '2029-11-10', '2027-11-11'],
      ['29 Feb: no corresponding day, the month\'s last day', '2028-02-29', '2031-02-28', '2029-03-01'],
      ['31 Dec: across the year end', '2026-12-31', '2029-12-31', '2028-01-01'],
      ['31 Jan', '2027-01-31', '2030-01-31', '2028-02-01'],
    ];
    for (const [name, start, end, early] of periods) {
      it(`listing period and early removal, ${name}: listed ${start} → last day ${end}, early removal from ${early}`, () => {
        expect(listingPeriod(start, rules)).to.deep.equal({ start, end });
        expect(earliestEarlyRemoval(start, rules)).to.equal(early);
      });
    }
    it('early-removal decision deadline: 20 working days after the application', () => {
      // 2026-09-21 Mon: 09-22…09-24 (3), 09-25…27 holiday, 09-28…30 (6), Golden Week, 10-08 (7), 10-09 (8), 10-10 Sat (9), 10-12…16 (14), 10-19…23 (19), 10-26 (20)
      expect(removalDecisionDeadline('2026-09-21', rules)).to.equal('2026-10-26');
    });
  });

  describe('who may act when', () => {
    const w = { servedOn: '2026-11-06', deadline: '2026-11-13' };
    it('statements: only after service, within the period, and not after a waiver', () => {
      expect(objectionProblem({}, '2026-11-06')).to.include('尚未送达');
      expect(objectionProblem(w, '2026-11-05')).to.include('不得早于');
      expect(objectionProblem(w, '2026-11-06')).to.equal(null);
      expect(objectionProblem(w, '2026-11-13')).to.equal(null);
      expect(objectionProblem(w, '2026-11-14')).to.include('已于 2026-11-13 届满');
      expect(objectionProblem({ ...w, waivedOn: '2026-11-07' }, '2026-11-08')).to.include('放弃');
    });
    it('decisions: not before the period ended, unless the subject waived it (then not before the waiver)', () => {
      expect(decisionProblem({}, '2026-11-20')).to.include('尚未送达');
      expect(decisionProblem(w, '2026-11-13')).to.include('届满后方可');
      expect(decisionProblem(w, '2026-11-14')).to.equal(null);
      expect(decisionProblem({ ...w, waivedOn: '2026-11-09' }, '2026-11-09')).to.equal(null);
      expect(decisionProblem({ ...w, waivedOn: '2026-11-09' }, '2026-11-08')).to.include('放弃陈述申辩的日期');
      expect(decisionProblem(w, '2026-11-05')).to.include('不得早于告知书送达日期');
    });
  });

  describe('early-removal eligibility (with reasons)', () => {
    const base: EarlyRemovalInput = { status: 'listed', listingStart: '2025-11-10', newProposals: [], newSeverePenalties: [], pendingApplication: false };
    const yes = { penaltyFulfilled: true, hazardRectified: true, commitment: true };

    it('12 months listed, nothing new, statements made: eligible', () => {
      const e = earlyRemovalEligibility({ ...base, statements: yes }, '2026-11-11', rules);
      expect(e).to.include({ canApply: true, eligible: true, earliestDate: '2026-11-11', ruleVersion: 'MEM-11-2023' });
      expect(e.conditions.every((c) => c.met === true && /[\u4e00-\u9fa5]/.test(c.reason))).to.equal(true);
    });
    it('on the last day of the 12 months: not yet, with the date it becomes possible (the day after)', () => {
      const e = earlyRemovalEligibility({ ...base, statements: yes }, '2026-11-10', rules);
      expect(e.canApply).to.equal(false);
      expect(e.conditions.find((c) => c.code === 'minPeriod')).to.deep.equal({ code: 'minPeriod', met: false, reason: '自 2025-11-10 列入未满 12 个月，2026-11-11 起方可申请提前移出' });
    });
    it('without statements: the system checks only; the statements are pending (null)', () => {
      const e = earlyRemovalEligibility(base, '2026-12-01', rules);
      expect(e).to.include({ canApply: true, eligible: false });
      expect(e.conditions.filter((c) => c.met === null).map((c) => c.code)).to.deep.equal(['penaltyFulfilled', 'hazardRectified', 'commitment']);
    });
    it('a new ground, a serious penalty since listing, a pending application or a false statement each block it', () => {
      const cases: [Partial<EarlyRemovalInput>, string][] = [
        [{ newProposals: [{ id: 'c2', proposedOn: '2026-03-01', ground: 'g' }] }, 'noNewGround'],
        [{ newSeverePenalties: [{ decisionNumber: '罚〔2026〕9号', decisionDate: '2026-05-01' }] }, 'noNewGround'],
        [{ pendingApplication: true }, 'noPending'],
        [{ status: 'removed' }, 'listed'],
        [{ statements: { ...yes, commitment: false } }, 'commitment'],
      ];
      for (const [over, code] of cases) {
        const e = earlyRemovalEligibility({ ...base, statements: yes, ...over }, '2026-12-01', rules);
        expect(e.eligible, code).to.equal(false);
        expect(e.conditions.filter((c) => c.met === false).map((c) => c.code), code).to.deep.equal([code]);
      }
      const news = earlyRemovalEligibility({ ...base, newSeverePenalties: [{ decisionNumber: '罚〔2026〕9号', decisionDate: '2026-05-01' }] }, '2026-12-01', rules);
      expect(news.conditions.find((c) => c.code === 'noNewGround')!.reason).to.include('罚〔2026〕9号');
    });
  });

  describe('membership on a date and the ledger rows', () => {
    const entry: LedgerEntry = {
      caseId: '6560a1b2c3d4e5f6a7b8c9d0',
      span: 0,
      from: '2026-01-10',
      to: '2026-06-30',
      start: '2026-01-10',
      groundCode: 'd',
      decisionNumber: '深应急失信决〔2026〕1号',
      decisionDate: '2026-01-10',
      authorityName: '深圳市应急管理局',
      authorityUscc: '11440300MB2C92050A',
      uscc: '914403001922038216',
      subjectName: '=SUM(A1)某公司',
      subjectType: '法人及非法人组织',
      persons: [{ role: 'principal', name: '张三', idNumber: '110105199001011232' }],
      measures: ['M01', 'M07'],
      events: [
        { type: 'listed', at: Date.parse('2026-01-10T02:00:00Z') },
        { type: 'removedEarly', at: Date.parse('2026-07-01T02:00:00Z') },
      ],
    };

    it('spans: both days included; an emptied stretch covers nothing', () => {
      const spans = [{ from: '2026-01-10', to: '2026-06-30' }, { from: '2026-08-01', to: '2026-07-31' }, { from: '2026-09-01', to: '2029-01-09' }];
      expect(spanOn(spans, '2026-01-09')).to.equal(undefined);
      expect(spanOn(spans, '2026-01-10')).to.equal(spans[0]);
      expect(spanOn(spans, '2026-06-30')).to.equal(spans[0]);
      expect(spanOn(spans, '2026-07-31')).to.equal(undefined);
      expect(spanOn(spans, '2026-09-01')).to.equal(spans[2]);
    });

    it('an entry round-trips through its compact encoding, and never holds a full ID number', () => {
      const encoded = encodeEntry(entry);
      expect(encoded).to.not.include('110105199001011232');
      const back = decodeEntry(encoded)!;
      expect(back).to.deep.equal({ ...entry, unitListed: true, persons: [{ role: 'principal', name: '张三', idNumber: '110105********1232' }] });
      expect(decodeEntry('')).to.equal(null);
      expect(() => decodeEntry('[9]')).to.throw(/format/);
    });

    it('asOf: the unit and its persons while the stretch covers the day; delta: one set of rows per event in the window', () => {
      expect(rowsOfEntry(entry, { asOf: '2026-07-01' }, rules)).to.deep.equal([]);
      const rows = rowsOfEntry(entry, { asOf: '2026-03-01' }, rules);
      expect(rows.map((r) => [r.role, r.subjectName, r.idNumber, r.measures.map((m) => m.code).join(',')])).to.deep.equal([
        ['单位', '=SUM(A1)某公司', '', 'M01'],
        ['主要负责人', '张三', '110105********1232', 'M07'],
      ]);
      const window = rowsOfEntry(entry, { since: new Date('2026-06-01T00:00:00Z'), until: new Date('2026-12-01T00:00:00Z') }, rules);
      expect(window.map((r) => [r.role, r.changeType, r.changeReason, r.changedAt])).to.deep.equal([
        ['单位', 'removal', 'removedEarly', '2026-07-01T02:00:00.000Z'],
        ['主要负责人', 'removal', 'removedEarly', '2026-07-01T02:00:00.000Z'],
      ]);
      expect(rowsOfEntry(entry, { since: new Date('2026-07-01T02:00:00Z'), until: new Date('2026-12-01T00:00:00Z') }, rules)).to.deep.equal([]);
    });

    it('table cells: measures joined in Chinese, change labels; delta columns only for deltas', () => {
      const q = { since: new Date(0), until: new Date('2030-01-01T00:00:00Z') };
      const [listed] = rowsOfEntry(entry, q, rules);
      const cols = columnsFor(q);
      const cells = cellsOf(listed, cols);
      expect(cols.map((c) => c.label).slice(-3)).to.deep.equal(['变更类型', '变更说明', '变更时间']);
      expect(cells.slice(-3)).to.deep.equal(['新增', '列入', '2026-01-10T02:00:00.000Z']);
      expect(cells[cols.findIndex((c) => c.key === 'measures')]).to.equal('加大执法检查频次，列为重点监管监察对象');
      expect(columnsFor({ asOf: '2026-01-01' }).some((c) => c.key === 'changeType')).to.equal(false);
    });

    it('a JSONL line is the row as JSON (measures included), for asOf and delta rows', () => {
      const rows = [...rowsOfEntry(entry, { asOf: '2026-03-01' }, rules), ...rowsOfEntry(entry, { since: new Date(0), until: new Date('2030-01-01T00:00:00Z') }, rules)];
      for (const r of rows) {
        const line = jsonLine(r);
        expect(JSON.parse(line)).to.deep.equal(r);
        expect(line).to.not.include('\n');
      }
    });

    it('documents escape every value', () => {
      expect(esc('<script>"x"&\'y\'</script>')).to.equal('&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;');
    });
  });
  describe('basisOutcome: a listing whose cited penalties were revoked', () => {
    const c = (id: string, revoked: boolean) => ({ id, revoked });
    const rows: [string, Parameters<typeof basisOutcome>[0], { id: string; revoked: boolean }[], string, string[], string[]][] = [
      ['listed, nothing revoked', 'listed', [c('p1', false), c('p2', false)], 'none', ['p1', 'p2'], []],
      ['listed, its only penalty revoked', 'listed', [c('p1', true)], 'revoke', [], ['p1']],
      ['listed, every cited penalty revoked', 'listed', [c('p1', true), c('p2', true)], 'revoke', [], ['p1', 'p2']],
      ['listed, one of two revoked: the reviewer decides', 'listed', [c('p1', true), c('p2', false)], 'suspend', ['p2'], ['p1']],
      ['suspended, the remaining one revoked too: nothing left to review', 'suspended', [c('p1', true), c('p2', true)], 'revoke', [], ['p1', 'p2']],
      ['suspended, one still standing: the review stays pending', 'suspended', [c('p1', true), c('p2', false)], 'none', ['p2'], ['p1']],
      ['removed (expired or early): history, not affected', 'removed', [c('p1', true)], 'none', [], ['p1']],
      ['still in procedure: the decision refuses revoked penalties itself', 'objection', [c('p1', true)], 'none', [], ['p1']],
      ['already revoked', 'revoked', [c('p1', true)], 'none', [], ['p1']],
    ];
    for (const [name, status, cited, outcome, remaining, revoked] of rows) {
      it(`${name} → ${outcome}`, () => {
        expect(basisOutcome(status, cited)).to.deep.equal({ outcome, remaining, revoked });
      });
    }
  });
});

import { expect } from 'chai';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { ID_LI, ID_ZHANG, daysAgo, enterpriseWithPenalty, listThroughHttp, type Keys } from '../support/dishonesty.js';
import { expectAudited } from '../support/audit.js';
import { enterpriseBody, penaltyBody } from '../support/fixtures.js';
import { addDays } from '../../src/lib/calendar.js';
import { EnterpriseModel } from '../../src/modules/enterprises/index.js';
import { defaultMeasuresFor, dishonestyRules, groundOf, measureApplies, measureOf, measureProblems, subjectProblems, type PersonRole } from '../../src/modules/dishonesty/rules.js';

const rules = dishonestyRules();
const principal = { role: 'principal' as PersonRole, name: '张三', idType: '身份证', idNumber: ID_ZHANG, position: '总经理' };
const responsible = { role: 'responsible' as PersonRole, name: '李四', idType: '身份证', idNumber: ID_LI, position: '安全总监' };

/** Issue 15 "MEM Order 11 as written": grounds with their articles and texts, who may be listed on each, measures per subject. */
describe('dishonesty — MEM Order 11 as written (issue 15)', () => {
  describe('grounds: article, text and who may be listed (config/dishonesty.json)', () => {
    const table: [string, string, boolean, PersonRole[]][] = [
      ['a', '第六条第（一）项', true, ['principal', 'responsible']],
      ['b', '第六条第（二）项', true, ['principal']],
      ['c', '第六条第（三）项', true, ['principal']],
      ['d', '第六条第（四）项', true, ['principal', 'responsible']],
      ['e', '第六条第（五）项', false, ['principal']],
      ['f', '第七条第（一）项', true, ['principal']],
      ['g', '第七条第（三）项', true, ['principal']],
      ['h', '第七条第（二）项', true, ['responsible']],
      ['i', '第七条第（四）项', true, ['principal', 'responsible']],
    ];
    for (const [code, article, unit, roles] of table) {
      it(`${code}: ${article}, unit ${unit ? 'listed' : 'not listed'}, persons ${roles.join('+')}`, () => {
        const g = groundOf(code, rules)!;
        expect(g).to.deep.include({ article, unit, personRoles: roles });
        expect(g.text).to.match(/[\u4e00-\u9fa5]/);
        if (g.verified) expect(g.textSource).to.match(/^https?:\/\//);
      });
    }
    it('the texts confirmed against a copy of the order say who is listed, as the order does', () => {
      expect(groundOf('a', rules)!.text).to.include('生产经营单位及其主要负责人').and.include('其他单位和人员');
      expect(groundOf('e', rules)!.text).to.match(/生产经营单位主要负责人$/);
      expect(groundOf('f', rules)!.text).to.match(/生产经营单位及其主要负责人$/);
      expect(groundOf('h', rules)!.text).to.include('机构及其直接责任人员');
      expect(rules.grounds.filter((g) => !g.verified).map((g) => g.code)).to.deep.equal(['g', 'i']);
    });
  });

  describe('subjectProblems(ground, persons)', () => {
    const P = principal;
    const R = responsible;
    const cases: [string, string, { role: PersonRole }[], string[]][] = [
      ['6(1) unit alone', 'a', [], []],
      ['6(1) unit + principal + responsible', 'a', [P, R], []],
      ['6(2) unit + principal', 'b', [P], []],
      ['6(2) refuses a responsible person', 'b', [P, R], ['persons.1.role']],
      ['6(3) refuses a responsible person', 'c', [R], ['persons.0.role']],
      ['6(4) unit + responsible persons', 'd', [R], []],
      ['6(5) the principal person only', 'e', [P], []],
      ['6(5) without the principal person', 'e', [], ['persons']],
      ['6(5) refuses a responsible person, and still needs the principal', 'e', [R], ['persons.0.role', 'persons']],
      ['7(1) unit + principal (was refused: ground f listed no person)', 'f', [P], []],
      ['7(1) refuses a responsible person', 'f', [R], ['persons.0.role']],
      ['institutions: directly responsible persons', 'h', [R], []],
      ['institutions: not as principal person', 'h', [P], ['persons.0.role']],
    ];
    for (const [name, code, persons, paths] of cases) {
      it(name, () => {
        const problems = subjectProblems(groundOf(code, rules)!, persons);
        expect(problems.map((p) => p.path)).to.deep.equal(paths);
        for (const p of problems) expect(p.message).to.include(groundOf(code, rules)!.article);
      });
    }
  });

  describe('measures per listed subject (a person-only measure never on a unit-only listing)', () => {
    const cases: [string, { unit: boolean; persons: boolean }, boolean, boolean, boolean][] = [
      // [name, subjects, M01 (unit), M05 (both), M07 (person)]
      ['unit only', { unit: true, persons: false }, true, true, false],
      ['unit and persons', { unit: true, persons: true }, true, true, true],
      ['principal person only (6(5))', { unit: false, persons: true }, false, true, true],
    ];
    for (const [name, s, m01, m05, m07] of cases) {
      it(name, () => {
        expect(measureApplies(measureOf('M01', rules)!, s)).to.equal(m01);
        expect(measureApplies(measureOf('M05', rules)!, s)).to.equal(m05);
        expect(measureApplies(measureOf('M07', rules)!, s)).to.equal(m07);
        const defaults = defaultMeasuresFor(s, rules);
        expect(defaults.includes('M07')).to.equal(m07);
        expect(defaults.includes('M01')).to.equal(m01);
        expect(measureProblems(defaults, s, 'measures', rules)).to.deep.equal([]);
      });
    }
    it('names each explicit measure that binds nobody', () => {
      expect(measureProblems(['M01', 'M07'], { unit: true, persons: false }, 'measures', rules).map((p) => p.path)).to.deep.equal(['measures.1']);
      expect(measureProblems(['M01', 'M05'], { unit: false, persons: true }, 'measures', rules).map((p) => p.path)).to.deep.equal(['measures.0']);
    });
  });

  describe('through HTTP', () => {
    let t: TestApp;
    const keys = {} as Keys;
    before(async () => {
      t = await startTestApp('dishonesty_legal');
      keys.clerk = await t.key(['clerk']);
      keys.reviewer = await t.key(['reviewer']);
      keys.regulator = await t.key(['regulator']);
      keys.partner = await t.key(['partner'], { name: '市人力资源社会保障局' });
    });
    after(() => t.close());
    const as = (key: string) => ({
      post: (path: string, body: object) => t.request.post(`/api/v1${path}`).set('X-API-Key', key).send(body),
      get: (path: string) => t.request.get(`/api/v1${path}`).set('X-API-Key', key),
    });

    it('7(1): lists the unit with its principal person (was refused); refuses a responsible person', async () => {
      const a = await enterpriseWithPenalty(t, keys, 701, 60);
      const bad = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: a.uscc, groundCode: 'f', penaltyIds: [a.penaltyId], facts: '未依法取得安全生产许可证擅自从事危险化学品经营。', persons: [principal, responsible] });
      expect(bad.status).to.equal(400);
      expectErrorShape(bad.body);
      expect(bad.body.error.details).to.deep.equal([{ path: 'persons.1.role', message: '列入事由（f，第七条第（一）项）不列入其他责任人员（可列入：主要负责人）' }]);
      const listed = await listThroughHttp(t, keys, a, 5, { ground: 'f', persons: [principal] });
      expect(listed.body.unitListed).to.equal(true);
      expect(listed.body.persons.map((p: { role: string }) => p.role)).to.deep.equal(['principal']);
      expect(listed.body.ground).to.deep.include({ code: 'f', article: '第七条第（一）项' });
    });

    it('6(5): lists the principal person without the unit, end to end — proposal, decision, check, comparison, export', async () => {
      // The enterprise, and a penalty of its principal person himself (行政相对人 自然人: Work Safety Law art. 110).
      const ent = enterpriseBody(702);
      expect((await as(keys.clerk).post('/enterprises', ent)).status).to.equal(201);
      const decisionDate = daysAgo(60);
      const own = await as(keys.clerk).post(
        '/penalties',
        penaltyBody(702, {
          subjectName: '张三',
          subjectType: '自然人',
          uscc: undefined,
          legalRepresentative: undefined,
          subjectIdType: '身份证',
          subjectIdNumber: ID_ZHANG,
          decisionNumber: '深应急罚〔2026〕702-1号',
          decisionDate,
          validUntil: addDays(decisionDate, 365),
          fineAmount: 20,
          content: '对主要负责人处上一年年收入百分之八十的罚款',
        }),
      );
      expect(own.status, JSON.stringify(own.body)).to.equal(201);
      const facts = '事故发生后主要负责人未立即组织抢救，并在事故调查处理期间擅离职守。';
      // Without the principal person: refused (6(5) lists the person only).
      const none = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: ent.uscc, groundCode: 'e', penaltyIds: [own.body.id], facts, persons: [] });
      expect(none.status).to.equal(400);
      expect(none.body.error.details.map((d: { path: string }) => d.path)).to.include('persons');
      // With him: the case lists him, not the unit; his own penalty is a valid citation.
      const listed = await listThroughHttp(t, keys, { uscc: ent.uscc, penaltyId: own.body.id }, 5, { ground: 'e', persons: [principal] });
      expect(listed.body.unitListed).to.equal(false);
      expect(listed.body.ground).to.deep.include({ code: 'e', article: '第六条第（五）项' });
      // Default measures bind the person only: no unit measure (M01 …), M07 (restriction on holding posts) included.
      const codes = listed.body.decision.measures.map((m: { code: string }) => m.code);
      expect(codes).to.include('M07').and.not.include('M01');
      await expectAudited('dishonesty.decide', listed.id);
      // The unit is not listed: no enterprise flag (grading does not force D), the unit check says not listed.
      const e = await EnterpriseModel.findOne({ uscc: ent.uscc }, { listing: 1 }).lean();
      expect(e?.listing ?? null).to.equal(null);
      const check = await as(keys.partner).get(`/dishonesty-list/check?uscc=${ent.uscc}`);
      expect(check.status).to.equal(200);
      expect(check.body.listed).to.equal(false);
      // The person is found by his ID number; the unit by its code is not listed.
      const cmp = await t.request.post('/api/v1/dishonesty-list/comparisons?answer=json').set('X-API-Key', keys.partner).set('Content-Type', 'text/csv').send(`${ent.uscc}\r\n${ID_ZHANG}\r\n`);
      expect(cmp.status, JSON.stringify(cmp.body)).to.equal(200);
      const [unit, person] = cmp.body.results;
      expect(unit.listed).to.equal(false);
      expect(person.listed).to.equal(true);
      const his = person.listings.find((l: { listingId: string }) => l.listingId === listed.id);
      expect(his).to.deep.include({ unitListed: false });
      expect(his.subject).to.deep.include({ role: '主要负责人', name: '张三' });
      expect(his.reason).to.include('将该单位主要负责人列入');
      // The export has the person's row only, no row for the unit.
      const exp = await t.request.get(`/api/v1/exports/dishonesty-list?format=jsonl&asOf=${daysAgo(1)}`).set('X-API-Key', keys.partner).buffer(true);
      expect(exp.status).to.equal(200);
      const rows = String(exp.text ?? exp.body).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>).filter((r) => r.listingId === listed.id);
      expect(rows.map((r) => r.role)).to.deep.equal(['主要负责人']);
      expect(rows[0]).to.deep.include({ subjectName: '张三', unitName: ent.name, idNumber: '110105********1232' });
      expect(rows[0].measures.map((m: { code: string }) => m.code)).to.include('M07');
    });

    it('6(5): a penalty of another person is not a valid citation', async () => {
      const a = await enterpriseWithPenalty(t, keys, 703, 60);
      const other = await as(keys.clerk).post('/penalties', penaltyBody(703, { subjectName: '王五', subjectType: '自然人', uscc: undefined, legalRepresentative: undefined, subjectIdType: '身份证', subjectIdNumber: ID_LI, decisionNumber: '深应急罚〔2026〕703-1号', decisionDate: daysAgo(50), validUntil: daysAgo(1) }));
      expect(other.status, JSON.stringify(other.body)).to.equal(201);
      const res = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: a.uscc, groundCode: 'e', penaltyIds: [other.body.id], facts: '事故发生后主要负责人逃匿，经调查属实。', persons: [principal] });
      expect(res.status).to.equal(400);
      expect(res.body.error.details).to.deep.equal([{ path: 'penaltyIds.0', message: `不是该单位（${a.uscc}）或所列主要负责人的行政处罚` }]);
    });

    it('a unit-only listing never carries M07: not by default, refused when named', async () => {
      const a = await enterpriseWithPenalty(t, keys, 704, 60);
      const p = await as(keys.clerk).post('/dishonesty-list/proposals', { uscc: a.uscc, groundCode: 'g', penaltyIds: [a.penaltyId], facts: '对重大事故隐患拒不整改，经查属实。', proposedOn: daysAgo(40), persons: [] });
      expect(p.status, JSON.stringify(p.body)).to.equal(201);
      const named = await as(keys.clerk).post(`/dishonesty-list/${p.body.id}/notice`, { number: '深应急失信告〔2026〕704号', issuedOn: daysAgo(39), measures: ['M01', 'M07'] });
      expect(named.status).to.equal(400);
      expect(named.body.error.details).to.deep.equal([{ path: 'measures.1', message: `惩戒措施 M07（${measureOf('M07', rules)!.text}）只适用于列入的人员，本案未列入人员` }]);
      const notice = await as(keys.clerk).post(`/dishonesty-list/${p.body.id}/notice`, { number: '深应急失信告〔2026〕704号', issuedOn: daysAgo(39) });
      expect(notice.status, JSON.stringify(notice.body)).to.equal(200);
      expect(notice.body.notice.measures.map((m: { code: string }) => m.code)).to.deep.equal(['M01', 'M02', 'M03', 'M04', 'M05', 'M06']);
    });
  });
});

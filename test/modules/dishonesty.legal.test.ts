import { expect } from 'chai';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { ID_LI, ID_ZHANG, daysAgo, enterpriseWithPenalty, listThroughHttp, type Keys } from '../support/dishonesty.js';
import { expectAudited } from '../support/audit.js';
import { enterpriseBody, penaltyBody } from '../support/fixtures.js';
import { addDays } from '../../src/lib/calendar.js';
import { EnterpriseModel } from '../../src/modules/enterprises/index.js';
import { authorityProblem, defaultMeasuresFor, dishonestyRules, dishonestyRulesSchema, groundOf, measureApplies, measureOf, measureProblems, subjectProblems, type PersonRole } from '../../src/modules/dishonesty/rules.js';
import { AUTHORITY_USCC, makeUscc } from '../support/fixtures.js';
import { runCli } from '../support/process.js';

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
    it('the config refuses a ground that lists neither the unit nor the principal person, or has no article', () => {
      const bad = (over: object) => dishonestyRulesSchema.validate({ ...rules, grounds: [{ ...groundOf('e', rules)!, ...over }] }).error?.message ?? null;
      expect(bad({})).to.equal(null);
      expect(bad({ personRoles: ['responsible'] })).to.match(/neither the unit nor the principal/);
      expect(bad({ article: '第六条' })).to.match(/article/);
    });

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

  describe('authorityProblem: "谁处罚、谁决定、谁负责" (art. 4)', () => {
    const own = { uscc: AUTHORITY_USCC, name: '深圳市应急管理局' };
    const other = makeUscc(31337, '440300');
    const cases: [string, { authorityUscc?: string; authorityName?: string }, 'whenBound' | 'required', boolean][] = [
      ['a key of the punishing authority', { authorityUscc: AUTHORITY_USCC, authorityName: '深圳市应急管理局' }, 'whenBound', true],
      ['a key of another authority', { authorityUscc: other, authorityName: '其他机关' }, 'whenBound', false],
      ['an unbound key while binding is whenBound (district scope decides)', {}, 'whenBound', true],
      ['an unbound key when binding is required', {}, 'required', false],
      ['the punishing authority when binding is required', { authorityUscc: AUTHORITY_USCC }, 'required', true],
      ['another authority when binding is required', { authorityUscc: other }, 'required', false],
    ];
    for (const [name, actor, binding, ok] of cases) {
      it(`${name} → ${ok ? 'may act' : 'refused'}`, () => {
        const problem = authorityProblem(actor, own, { ...rules, authority: { ...rules.authority, binding } });
        if (ok) expect(problem).to.equal(null);
        else expect(problem).to.include('谁处罚、谁决定、谁负责').and.include(rules.authority.article);
      });
    }
    it('the configured rule cites its article and source', () => {
      expect(rules.authority).to.deep.include({ article: '第四条第二款' });
      expect(rules.authority.text).to.include('由作出行政处罚决定的应急管理部门负责');
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
      // The decision document lists the person, not the unit, and cites the article.
      const doc = await as(keys.reviewer).get(`/dishonesty-list/${listed.id}/decision`);
      expect(doc.status).to.equal(200);
      expect(doc.text).to.include('本机关决定将上述主要负责人（不列入单位）列入').and.include('第六条第（五）项');
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

    it('only the authority that made the cited penalty proposes and decides ("谁处罚、谁决定")', async () => {
      const other = makeUscc(31337, '440300');
      const otherClerk = await t.key(['clerk'], { authorityUscc: other, authorityName: '其他区应急管理局' });
      const otherReviewer = await t.key(['reviewer'], { authorityUscc: other, authorityName: '其他区应急管理局' });
      const ownKeys: Keys = {
        ...keys,
        clerk: await t.key(['clerk'], { authorityUscc: AUTHORITY_USCC, authorityName: '深圳市应急管理局' }),
        reviewer: await t.key(['reviewer'], { authorityUscc: AUTHORITY_USCC, authorityName: '深圳市应急管理局' }),
      };
      const a = await enterpriseWithPenalty(t, keys, 705, 60);
      const facts = '对重大事故隐患拒不整改，经查属实。';
      const refused = await as(otherClerk).post('/dishonesty-list/proposals', { uscc: a.uscc, groundCode: 'g', penaltyIds: [a.penaltyId], facts });
      expect(refused.status).to.equal(403);
      expectErrorShape(refused.body);
      expect(refused.body.error.message).to.include('深圳市应急管理局').and.include('谁处罚、谁决定、谁负责');
      // The punishing authority's clerk proposes, notifies, serves; another authority's reviewer cannot decide, its own can.
      const p = await as(ownKeys.clerk).post('/dishonesty-list/proposals', { uscc: a.uscc, groundCode: 'g', penaltyIds: [a.penaltyId], facts, proposedOn: daysAgo(40) });
      expect(p.status, JSON.stringify(p.body)).to.equal(201);
      expect((await as(otherClerk).post(`/dishonesty-list/${p.body.id}/notice`, { number: '深应急失信告〔2026〕705号', issuedOn: daysAgo(39) })).status).to.equal(403);
      expect((await as(ownKeys.clerk).post(`/dishonesty-list/${p.body.id}/notice`, { number: '深应急失信告〔2026〕705号', issuedOn: daysAgo(39) })).status).to.equal(200);
      expect((await as(ownKeys.clerk).post(`/dishonesty-list/${p.body.id}/notice/service`, { servedOn: daysAgo(38), method: '直接送达', recipient: '办公室主任' })).status).to.equal(200);
      const decision = { outcome: 'list', decidedOn: daysAgo(5), reasons: '事实清楚，证据确凿，符合列入情形', decisionNumber: '深应急失信决〔2026〕705号' };
      const wrong = await as(otherReviewer).post(`/dishonesty-list/${p.body.id}/decision`, decision);
      expect(wrong.status).to.equal(403);
      const right = await as(ownKeys.reviewer).post(`/dishonesty-list/${p.body.id}/decision`, decision);
      expect(right.status, JSON.stringify(right.body)).to.equal(200);
      expect(right.body.status).to.equal('listed');
    });

    it('API keys: an authority binds clerk/reviewer keys only; full ID numbers are for partner keys only, and granting them is audited', async () => {
      const admin = await t.key(['admin']);
      const create = (body: object) => t.request.post('/api/v1/api-keys').set('X-API-Key', admin).send(body);
      const badAuthority = await create({ name: '协同部门', roles: ['partner'], authorityUscc: AUTHORITY_USCC, authorityName: '深圳市应急管理局' });
      expect(badAuthority.status).to.equal(400);
      expect(badAuthority.body.error.details[0].path).to.equal('authorityUscc');
      const badFull = await create({ name: '录入', roles: ['clerk'], fullIdNumbers: true });
      expect(badFull.status).to.equal(400);
      expect(badFull.body.error.details[0].path).to.equal('fullIdNumbers');
      const bound = await create({ name: '深圳市应急管理局 录入', roles: ['clerk'], authorityUscc: AUTHORITY_USCC, authorityName: '深圳市应急管理局' });
      expect(bound.status, JSON.stringify(bound.body)).to.equal(201);
      expect(bound.body).to.deep.include({ authorityUscc: AUTHORITY_USCC, authorityName: '深圳市应急管理局', fullIdNumbers: false });
      const me = await t.request.get('/api/v1/me').set('X-API-Key', bound.body.key);
      expect(me.body).to.deep.include({ authorityUscc: AUTHORITY_USCC });
      const full = await create({ name: '市人力资源社会保障局（数据共享协议）', roles: ['partner'], fullIdNumbers: true });
      expect(full.status, JSON.stringify(full.body)).to.equal(201);
      expect(full.body.fullIdNumbers).to.equal(true);
      await expectAudited('apiKey.fullIdNumbers.grant', full.body.id);
    });

    it('CLI: api-key create binds an authority and grants full ID numbers, with the same rules and audit as the API', async function () {
      this.timeout(120_000);
      const bound = await runCli(t.dbName, ['api-key', 'create', '--role', 'reviewer', '--name', '审核员', '--authority-uscc', AUTHORITY_USCC, '--authority-name', '深圳市应急管理局'], { ADMIN_API_KEY: undefined });
      expect(bound.code, bound.stderr).to.equal(0);
      expect(JSON.parse(bound.stdout)).to.deep.include({ authorityUscc: AUTHORITY_USCC, authorityName: '深圳市应急管理局', fullIdNumbers: false });
      const sharing = await runCli(t.dbName, ['api-key', 'create', '--role', 'partner', '--name', '市人社局', '--full-id-numbers'], { ADMIN_API_KEY: undefined });
      expect(sharing.code, sharing.stderr).to.equal(0);
      const created = JSON.parse(sharing.stdout);
      expect(created.fullIdNumbers).to.equal(true);
      await expectAudited('apiKey.fullIdNumbers.grant', created.id, { principalId: 'cli' });
      const refused = await runCli(t.dbName, ['api-key', 'create', '--role', 'clerk', '--name', 'x', '--full-id-numbers'], { ADMIN_API_KEY: undefined });
      expect(refused.code).to.equal(2);
      expect(refused.stderr).to.include('fullIdNumbers');
    });

    it('a partner under a data-sharing agreement gets full ID numbers in check, comparison and export (each audited); others stay masked', async () => {
      const a = await enterpriseWithPenalty(t, keys, 706, 60);
      const l = await listThroughHttp(t, keys, a, 5, { ground: 'd', persons: [principal, responsible] });
      const sharing = await t.key(['partner'], { name: '市人力资源社会保障局', fullIdNumbers: true });
      // Masked by default.
      const masked = await as(keys.partner).get(`/dishonesty-list/check?uscc=${a.uscc}`);
      expect(masked.body.listings[0].persons.map((p: { idNumber: string }) => p.idNumber)).to.deep.equal(['110105********1232', '440305********1233']);
      // Full for the sharing partner, audited.
      const check = await as(sharing).get(`/dishonesty-list/check?uscc=${a.uscc}`);
      expect(check.status).to.equal(200);
      expect(check.body.listings[0].persons.map((p: { idNumber: string }) => p.idNumber)).to.deep.equal([ID_ZHANG, ID_LI]);
      await expectAudited('dishonesty.check.fullIdNumbers', a.uscc);
      const cmp = await t.request.post('/api/v1/dishonesty-list/comparisons?answer=json').set('X-API-Key', sharing).set('Content-Type', 'text/csv').send(`${ID_LI}
`);
      expect(cmp.status).to.equal(200);
      const hit = cmp.body.results[0].listings.find((x: { listingId: string }) => x.listingId === l.id);
      expect(hit.subject.idNumber).to.equal(ID_LI);
      await expectAudited('dishonesty.compare.fullIdNumbers');
      const exp = await t.request.get(`/api/v1/exports/dishonesty-list?format=jsonl&asOf=${daysAgo(1)}`).set('X-API-Key', sharing).buffer(true);
      expect(exp.status).to.equal(200);
      const rows = String(exp.text).split('\n').filter(Boolean).map((x) => JSON.parse(x) as Record<string, string>).filter((r) => r.listingId === l.id);
      expect(rows.map((r) => r.idNumber)).to.deep.equal(['', ID_ZHANG, ID_LI]);
      const entry = await expectAudited('export.dishonestyList.fullIdNumbers', exp.headers['x-export-id']);
      expect((entry.detail as { unmasked: number }).unmasked).to.be.at.least(2);
      // An ordinary partner's export stays masked.
      const plain = await t.request.get(`/api/v1/exports/dishonesty-list?format=jsonl&asOf=${daysAgo(1)}`).set('X-API-Key', keys.partner).buffer(true);
      expect(String(plain.text)).to.not.include(ID_LI);
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

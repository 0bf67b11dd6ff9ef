import { expect } from 'chai';
import { startTestApp, expectErrorShape, type TestApp } from '../support/app.js';
import { enterpriseBody, penaltyBody, permitBody } from '../support/fixtures.js';
import { expectAudited } from '../support/audit.js';
import { AMOUNT_MESSAGES, amountProblems, creditRules, revocationVersion, type AmountInput } from '../../src/modules/records/rules.js';
import { RecordModel } from '../../src/modules/records/index.js';

/** Issue 15 "Records": amounts ⇔ categories, USCC division and all-zero codes, override enterprises, revoked permits. */
describe('records — legal rules (issue 15)', () => {
  describe('amountProblems: amounts ⇔ categories (双公示 standard CF_NR_FK "if 罚款", CF_NR_WFFF "if 没收")', () => {
    const F = AMOUNT_MESSAGES;
    const cases: [string, AmountInput, [string, string][]][] = [
      ['罚款 with a fine', { penaltyTypes: ['罚款'], fineAmount: 3.5 }, []],
      ['罚款 without a fine', { penaltyTypes: ['罚款'] }, [['fineAmount', F.fineRequired]]],
      ['罚款 with a zero fine', { penaltyTypes: ['罚款'], fineAmount: 0 }, [['fineAmount', F.fineRequired]]],
      ['罚款 with a null fine', { penaltyTypes: ['罚款'], fineAmount: null }, [['fineAmount', F.fineRequired]]],
      ['警告 with a fine (the reported case: 150 万元)', { penaltyTypes: ['警告'], fineAmount: 150 }, [['fineAmount', F.fineForbidden]]],
      ['警告 alone', { penaltyTypes: ['警告'] }, []],
      ['没收违法所得 with an amount', { penaltyTypes: ['没收违法所得'], confiscationAmount: 1.2 }, []],
      ['没收非法财物 with a zero amount', { penaltyTypes: ['没收非法财物'], confiscationAmount: 0 }, []],
      ['没收违法所得 without an amount', { penaltyTypes: ['没收违法所得'] }, [['confiscationAmount', F.confiscationRequired]]],
      ['罚款 with a confiscation amount', { penaltyTypes: ['罚款'], fineAmount: 1, confiscationAmount: 2 }, [['confiscationAmount', F.confiscationForbidden]]],
      ['罚款 + 没收违法所得 with both', { penaltyTypes: ['罚款', '没收违法所得'], fineAmount: 1, confiscationAmount: 2 }, []],
      ['罚款 + 没收违法所得 with neither', { penaltyTypes: ['罚款', '没收违法所得'] }, [['fineAmount', F.fineRequired], ['confiscationAmount', F.confiscationRequired]]],
      ['责令停产停业 with both amounts', { penaltyTypes: ['责令停产停业'], fineAmount: 1, confiscationAmount: 2 }, [['fineAmount', F.fineForbidden], ['confiscationAmount', F.confiscationForbidden]]],
      ['no categories, no amounts', {}, []],
    ];
    for (const [name, input, expected] of cases) {
      it(name, () => expect(amountProblems(input).map((p) => [p.path, p.message])).to.deep.equal(expected));
    }
  });

  describe('revocationVersion: what a revoked record publishes', () => {
    const rules = creditRules();
    const data = { decisionNumber: 'x', status: '1' };
    const cases: [string, 'permit' | 'penalty', boolean, { status: string; withdraw: '撤销' | null }][] = [
      ['a permit stays published as 无效 (default)', 'permit', true, { status: '2', withdraw: null }],
      ['a permit is withdrawn when configured so', 'permit', false, { status: '1', withdraw: '撤销' }],
      ['a penalty is withdrawn', 'penalty', true, { status: '1', withdraw: '撤销' }],
      ['a penalty is withdrawn either way', 'penalty', false, { status: '1', withdraw: '撤销' }],
    ];
    for (const [name, kind, stays, expected] of cases) {
      it(name, () => {
        const v = revocationVersion(kind, data, { ...rules, permitRevocation: { ...rules.permitRevocation, staysPublished: stays } });
        expect({ status: v.data.status, withdraw: v.withdraw }).to.deep.equal(expected);
      });
    }
    it('the default config cites its source', () => expect(rules.permitRevocation.source).to.match(/XK_ZT/));
  });

  describe('through HTTP', () => {
    let t: TestApp;
    let clerk: string;
    before(async () => {
      t = await startTestApp('records-legal');
      clerk = await t.key(['clerk']);
    });
    after(() => t.close());
    const post = (path: string, body: unknown) => t.request.post(`/api/v1/${path}`).set('X-API-Key', clerk).send(body as object);

    it('refuses ["警告"] with a fine of 150 (was accepted and classed 严重)', async () => {
      const res = await post('penalties', penaltyBody(1, { penaltyTypes: ['警告'], fineAmount: 150, content: '警告' }));
      expect(res.status).to.equal(400);
      expectErrorShape(res.body);
      expect(res.body.error.details).to.deep.equal([{ path: 'fineAmount', message: AMOUNT_MESSAGES.fineForbidden }]);
    });

    it('refuses a confiscation amount without 没收, and 没收 without its amount, in a batch (one result per record)', async () => {
      const res = await post('penalties/batch', {
        records: [
          penaltyBody(2, { confiscationAmount: 1 }),
          penaltyBody(3, { penaltyTypes: ['没收违法所得'], fineAmount: undefined }),
          penaltyBody(4, { penaltyTypes: ['罚款', '没收违法所得'], confiscationAmount: 0.5 }),
        ],
      });
      expect(res.status, JSON.stringify(res.body)).to.be.oneOf([200, 207]);
      const [a, b, c] = res.body.results;
      expect(a.status).to.equal('error');
      expect(a.details).to.deep.equal([{ path: 'confiscationAmount', message: AMOUNT_MESSAGES.confiscationForbidden }]);
      expect(b.status).to.equal('error');
      expect(b.details).to.deep.equal([{ path: 'confiscationAmount', message: AMOUNT_MESSAGES.confiscationRequired }]);
      expect(c.status).to.equal('created');
    });

    it('refuses a correction that drops 罚款 but keeps the fine', async () => {
      const created = await post('penalties', penaltyBody(5));
      expect(created.status).to.equal(201);
      const res = await t.request.patch(`/api/v1/penalties/${created.body.id}`).set('X-API-Key', clerk).send({ action: 'correct', reason: '处罚类别更正', changes: { penaltyTypes: ['警告'] } });
      expect(res.status).to.equal(400);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.include('fineAmount');
    });

    it('refuses a USCC whose positions 3–8 are not a division code, and an all-zero code', async () => {
      const letters = await post('penalties', penaltyBody(6, { uscc: '91AB0000100006194G' }));
      expect(letters.status).to.equal(400);
      expect(letters.body.error.details).to.deep.equal([{ path: 'uscc', message: '统一社会信用代码第 3–8 位应为登记管理机关行政区划码（6 位数字）' }]);
      const zero = await post('penalties', penaltyBody(7, { uscc: '000000000000000000' }));
      expect(zero.status).to.equal(400);
      expect(zero.body.error.details).to.deep.equal([{ path: 'uscc', message: '统一社会信用代码不能全为 0' }]);
      const ent = await post('enterprises', enterpriseBody(8, { uscc: '000000000000000000' }));
      expect(ent.status).to.equal(400);
      // The override accepts a failing check character only, never a malformed division code.
      const override = await post('enterprises', { ...enterpriseBody(8), uscc: '91AB0000100006194H', usccOverride: { reason: '早期试点地区代码，经核实合法' } });
      expect(override.status).to.equal(400);
      expect(override.body.error.details[0].message).to.match(/行政区划码/);
    });

    it('still accepts the documented placeholder for a 个体工商户 without a USCC', async () => {
      const res = await post('penalties', penaltyBody(9, { subjectType: '个体工商户', uscc: '00000000000000000X', registrationNumber: '440301000000001', legalRepresentative: undefined }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    });

    it('files records against an enterprise admitted with an audited USCC override (were refused); others with that fault stay refused', async () => {
      const code = '914403001922038217';
      const ent = await post('enterprises', { ...enterpriseBody(10), uscc: code, usccOverride: { reason: '早期试点地区代码，经核实合法' } });
      expect(ent.status, JSON.stringify(ent.body)).to.equal(201);
      await expectAudited('enterprise.create.usccOverride', code);
      const res = await post('penalties', penaltyBody(10, { uscc: code }));
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.body.uscc).to.equal(code);
      const other = await post('penalties', penaltyBody(11, { uscc: '91110000100006194H' }));
      expect(other.status).to.equal(400);
      expect(other.body.error.details).to.deep.equal([{ path: 'uscc', message: '统一社会信用代码校验位错误' }]);
      // Refused for other fields too: the code's reason is listed beside theirs (every bad field at once).
      const both = await post('penalties', penaltyBody(912, { uscc: '91110000100006194H', decisionDate: '2099-01-01' }));
      expect(both.status).to.equal(400);
      expect(both.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['uscc', 'decisionDate']);
      // A batch row of the admitted enterprise is accepted; another with the same fault is that row's error.
      const batch = await post('penalties/batch', { records: [penaltyBody(913, { uscc: code }), penaltyBody(914, { uscc: '91110000100006194H' })] });
      expect(batch.body.results.map((r: { status: string }) => r.status)).to.deep.equal(['created', 'error']);
    });

    it('a revoked permit stays published with 当前状态 2 (无效): an upsert, not a withdrawal', async () => {
      const created = await post('permits', permitBody(12));
      expect(created.status).to.equal(201);
      const res = await t.request
        .patch(`/api/v1/permits/${created.body.id}`)
        .set('X-API-Key', clerk)
        .send({ action: 'revoke', revocation: { decisionNumber: '深应急撤许〔2026〕1号', decisionDate: '2026-11-20', reason: '以欺骗手段取得许可，依法撤销' } });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.lifecycle).to.equal('revoked');
      expect(res.body.status).to.equal('2');
      const stored = await RecordModel.findById(created.body.id).lean();
      const last = stored!.versions[stored!.versions.length - 1];
      expect(last.op).to.equal('upsert');
      expect(last.withdrawReason).to.equal(null);
      expect(stored!.delivery.municipal.state).to.equal('pending');
      await expectAudited('permit.revoke', created.body.id);
    });

    it('a revoked penalty is still withdrawn (reason 撤销)', async () => {
      const created = await post('penalties', penaltyBody(13));
      const res = await t.request
        .patch(`/api/v1/penalties/${created.body.id}`)
        .set('X-API-Key', clerk)
        .send({ action: 'revoke', revocation: { decisionNumber: '深应急撤〔2026〕2号', decisionDate: '2026-11-20', reason: '复议撤销' } });
      expect(res.status).to.equal(200);
      const stored = await RecordModel.findById(created.body.id).lean();
      const last = stored!.versions[stored!.versions.length - 1];
      expect(last.op).to.equal('withdraw');
      expect(last.withdrawReason).to.equal('撤销');
    });
  });
});

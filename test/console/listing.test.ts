import type { Server } from 'node:http';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { penaltyBody } from '../support/fixtures.js';
import { daysAgo, enterpriseWithPenalty, ID_ZHANG, listThroughHttp, proposeThroughHttp, type Keys } from '../support/dishonesty.js';
import { closeConsole, type ConsolePage, DESKTOP, ensureConsoleBuilt, expectLayoutOk, openConsole, PHONE, screenshot, signedIn } from '../support/browser.js';
import { addDays, todayInShanghai } from '../../src/lib/calendar.js';
import { runGradeSweep } from '../../src/modules/grading/index.js';

/** Ground f of config/dishonesty.json, as the console must show it (article and text, never the bare letter). */
const GROUND_F = '第七条第（一）项：未依法取得安全生产相关许可或者许可被暂扣、吊销期间从事相关生产经营活动的生产经营单位及其主要负责人';
const STATEMENT = '我单位已于事发后补办安全生产许可证，违法行为持续时间短，请求不予列入。';

describe('web console: the serious-dishonesty list (严重失信主体名单) — staff procedure and the listed enterprise', function () {
  this.timeout(240_000);
  let t: TestApp;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;
  const today = todayInShanghai();
  const keys = {} as Keys & { enterpriseListed: string; enterpriseNotified: string; clerkReviewer: string };
  /** The unit the staff take through the whole procedure in the browser. */
  let staffSubject: { uscc: string; name: string; penaltyId: string };
  /** Listed 420 days ago: may apply for early removal. */
  let listed: { uscc: string; name: string; caseId: string };
  /** Two cases of one unit: notice served today (objection open), and served 30 days ago (period over, undecided). */
  let notified: { uscc: string; name: string; openCase: string; closedCase: string };
  let staffCaseId = '';
  let fourEyesCase = '';

  before(async function () {
    ensureConsoleBuilt();
    t = await startTestApp('console_listing');
    keys.clerk = await t.key(['clerk'], { name: '录入员 王芳' });
    keys.reviewer = await t.key(['reviewer'], { name: '审核员 陈静' });
    keys.regulator = await t.key(['regulator'], { name: '监管员 刘强' });
    keys.partner = await t.key(['partner'], { name: '协同部门' });
    staffSubject = await enterpriseWithPenalty(t, keys, 93_001, 480);

    const l = await enterpriseWithPenalty(t, keys, 93_002, 460);
    const listedCase = await listThroughHttp(t, keys, l, 420);
    listed = { uscc: l.uscc, name: l.name, caseId: listedCase.id };

    const n = await enterpriseWithPenalty(t, keys, 93_003, 90);
    const second = await t.request
      .post('/api/v1/penalties')
      .set('X-API-Key', keys.clerk)
      .send(penaltyBody(93_003, { uscc: n.uscc, subjectName: n.name, decisionNumber: '深应急罚〔2026〕93003-2号', decisionDate: daysAgo(60), validUntil: addDays(daysAgo(60), 365), fineAmount: 20 }));
    expect(second.status, JSON.stringify(second.body)).to.equal(201);
    const open = await proposeThroughHttp(t, keys, n, -30); // served today
    const closed = await proposeThroughHttp(t, keys, { uscc: n.uscc, penaltyId: second.body.id }, 0); // served 30 days ago
    notified = { uscc: n.uscc, name: n.name, openCase: open.id, closedCase: closed.id };

    // Four eyes: a key that may both propose and decide proposes this one; it may not decide it.
    keys.clerkReviewer = await t.key(['clerk', 'reviewer'], { name: '科长 周八' });
    const own = await enterpriseWithPenalty(t, keys, 93_004, 90);
    const ownCase = await proposeThroughHttp(t, { clerk: keys.clerkReviewer }, own, 0);
    const refused = await ownCase.decide(keys.clerkReviewer);
    expect(refused.status, JSON.stringify(refused.body)).to.equal(403);
    fourEyesCase = ownCase.id;

    keys.enterpriseListed = await t.key(['enterprise'], { uscc: listed.uscc, name: '企业经办人 赵六' });
    keys.enterpriseNotified = await t.key(['enterprise'], { uscc: notified.uscc, name: '企业经办人 孙七' });
    // Graded, so the enterprise's home page (where it lands on sign-in) has its grade.
    expect((await runGradeSweep()).ran).to.equal(true);
    ({ server, baseUrl, browser } = await openConsole(t.app));
  });

  after(async () => {
    await closeConsole({ browser, server });
    await t?.close();
  });

  /** The success message of the step just taken. */
  async function success(page: Page, text: string | RegExp): Promise<string> {
    const box = page.locator('[data-testid="success"]', { hasText: text });
    await box.waitFor();
    return box.innerText();
  }

  const caseStatus = (page: Page) => page.locator('[data-testid="case-status"]').getAttribute('data-status');

  /** Only the deliberate 400s (the API's field messages) may show as failed requests. */
  const problemsBut400 = (c: ConsolePage) => c.problems.filter((p) => !p.includes('status of 400'));

  it('the API answers a listing period as start/end (the console reads exactly these) and the enterprise resource carries no listing flag', async () => {
    const list = await t.request.get('/api/v1/dishonesty-list').query({ uscc: listed.uscc }).set('X-API-Key', keys.regulator);
    expect(list.status).to.equal(200);
    const period = list.body.items[0].listing;
    expect(period).to.include.keys('start', 'end', 'removedOn');
    expect(period.start).to.equal(daysAgo(420));
    expect(period).to.not.have.keys('since', 'until');
    const ent = await t.request.get(`/api/v1/enterprises/${listed.uscc}`).set('X-API-Key', keys.regulator);
    expect(ent.body).to.not.have.property('listing');
  });

  it('clerk and reviewer (1366×768): propose from the enterprise page, notice, service, statement, decision answering it, early removal, its revocation — each step re-rendered with a message', async () => {
    const clerk = await signedIn(browser, baseUrl, keys.clerk, DESKTOP);
    let page = clerk.page;
    // From the enterprise's page: 提请列入.
    await page.goto(`${baseUrl}/console/#/enterprises/${staffSubject.uscc}`);
    await page.getByRole('heading', { name: staffSubject.name }).waitFor();
    await page.locator('#listing').getByRole('link', { name: '提请列入' }).click();
    await page.getByRole('heading', { name: '提请列入严重失信主体名单' }).waitFor();
    // Grounds are offered with their article and text.
    expect(await page.locator('#propose fieldset').first().innerText()).to.include(GROUND_F.split('：')[1]);
    // Sent empty: the API's messages under the fields.
    await page.getByRole('button', { name: '提请列入' }).click();
    await page.locator('.field-error[data-path="groundCode"]').waitFor();
    await page.locator('.field-error[data-path="penaltyIds"]').waitFor();
    await page.locator('.field-error[data-path="facts"]').waitFor();
    await page.locator('input[name="groundCode"][value="f"]').check();
    await page.getByLabel(`深应急罚〔2026〕93001号`).check();
    await page.getByLabel('列入的事实和理由').fill('该单位在安全生产许可证被暂扣期间擅自组织生产，经责令停产后仍继续生产。');
    await page.getByLabel('提请日期').fill(daysAgo(470));
    await page.getByRole('button', { name: '添加人员' }).click();
    await page.getByLabel('姓名').fill('张三');
    await page.getByLabel('身份证号码').fill(ID_ZHANG);
    await page.getByLabel('职务').fill('总经理');
    await expectLayoutOk(page, 'proposal form 1366×768');
    await screenshot(page, 'listing-01-clerk-propose');
    await page.getByRole('button', { name: '提请列入' }).click();
    await success(page, '已提请列入严重失信主体名单');
    staffCaseId = page.url().split('/listing/')[1];
    expect(staffCaseId).to.match(/^[0-9a-f]{24}$/);
    expect(await caseStatus(page)).to.equal('proposed');
    expect(await page.locator('[data-testid="ground"]').innerText()).to.equal(GROUND_F);
    expect(await page.locator('main').innerText(), 'no bare ground letter').to.not.match(/（[a-i]）/);
    expect(await page.locator('#case-summary').innerText()).to.include('主要负责人：张三');

    // 告知书.
    await page.locator('#next-step h2', { hasText: '制发告知书' }).waitFor();
    await page.getByLabel('告知书文号').fill('深应急失信告〔2026〕1号');
    await page.getByLabel('告知书日期').fill(daysAgo(469));
    expect(await page.locator('#notice').innerText()).to.include('依法限制担任生产经营单位主要负责人'); // M07: a person is listed
    await page.getByRole('button', { name: '制发告知书' }).click();
    await success(page, '已制发告知书（深应急失信告〔2026〕1号）');
    expect(await caseStatus(page)).to.equal('notified');
    expect(await page.locator('#notice').count(), 'the notice is not offered again').to.equal(0);

    // 送达.
    await page.locator('#next-step h2', { hasText: '登记告知书送达' }).waitFor();
    await page.getByLabel('送达日期').fill(daysAgo(468));
    await page.getByLabel('送达方式').selectOption('直接送达');
    await page.getByLabel('签收人').fill('办公室主任 李明');
    await page.getByRole('button', { name: '登记送达' }).click();
    const served = await success(page, '已登记送达');
    expect(served).to.match(/陈述申辩期至 \d{4}-\d{2}-\d{2}/);
    expect(await caseStatus(page)).to.equal('objection');
    expect(await page.locator('#service').count()).to.equal(0);

    // 陈述申辩, recorded by the clerk on the enterprise's behalf, dated within the period.
    await page.locator('#next-step h2', { hasText: '记录陈述申辩' }).waitFor();
    await page.getByLabel('提出日期').fill(daysAgo(467));
    await page.getByRole('textbox', { name: '陈述、申辩意见' }).fill(STATEMENT);
    await page.getByLabel('证据材料（名称、份数）').fill('许可证补办材料 1 份');
    await page.getByRole('button', { name: '记录陈述申辩' }).click();
    await success(page, '已记录陈述申辩意见');
    expect(await page.locator('#notice-card [data-testid="statement"]').innerText()).to.include(STATEMENT).and.include('由录入人员代为登记');
    await expectLayoutOk(page, 'case page (clerk) 1366×768');
    await screenshot(page, 'listing-02-clerk-statement-recorded');
    expect(problemsBut400(clerk)).to.deep.equal([]);

    // The reviewer finds the case in the work queue and decides it, answering the statement shown on the decision screen.
    const reviewer = await signedIn(browser, baseUrl, keys.reviewer, DESKTOP);
    page = reviewer.page;
    await page.getByRole('link', { name: '修复与名单待办' }).first().click();
    const row = page.locator(`#listings tr[data-case-id="${staffCaseId}"]`);
    await row.waitFor();
    expect(await row.innerText()).to.include(GROUND_F).and.include('办理：作出决定');
    await expectLayoutOk(page, 'work queue 1366×768');
    await row.getByRole('link', { name: /办理/ }).click();
    await page.locator('#next-step h2', { hasText: '作出决定' }).waitFor();
    expect(await page.locator('#decision [data-testid="statement"]').innerText()).to.include(STATEMENT);
    await page.locator('#decision-decidedOn').fill(daysAgo(440));
    await page.getByLabel('列入决定书文号').fill('深应急失信决〔2026〕1号');
    await page.getByLabel('决定理由').fill('事实清楚，证据确凿，符合列入情形。');
    // Without an answer to the statement: the API's message under that field.
    await page.getByRole('button', { name: '提交决定' }).click();
    await page.locator('.field-error[data-path="objectionResponse"]').waitFor();
    await page.getByLabel('对陈述申辩意见的采纳情况及理由').fill('补办许可不改变许可暂扣期间生产的事实，不予采纳。');
    await screenshot(page, 'listing-03-reviewer-decision');
    await page.getByRole('button', { name: '提交决定' }).click();
    const decided = await success(page, '已作出列入决定（深应急失信决〔2026〕1号）');
    const start = daysAgo(440);
    expect(decided).to.include(`列入期间 ${start} 至 `);
    expect(await caseStatus(page)).to.equal('listed');
    expect(await page.locator('#decision').count(), 'no second decision offered').to.equal(0);
    expect(await page.locator('[data-testid="listing-period"]').innerText()).to.match(new RegExp(`^${start} 至 \\d{4}-\\d{2}-\\d{2}$`));
    // The decision letter, as the API renders it.
    await page.locator('#decision-card').getByRole('button', { name: '查看决定书' }).click();
    await page.frameLocator('#decision-card iframe').locator('h1', { hasText: '安全生产严重失信主体名单列入决定书' }).waitFor();
    await page.locator('#removal [data-testid="eligibility"]', { hasText: '可以申请提前移出' }).waitFor();
    await expectLayoutOk(page, 'case page listed 1366×768');
    await screenshot(page, 'listing-04-reviewer-listed');

    // The clerk registers an early-removal application on the enterprise's behalf (listed more than 12 months ago).
    page = clerk.page;
    await page.reload();
    await page.locator('#next-step h2', { hasText: '申请提前移出' }).waitFor();
    expect(await page.locator('#removal [data-testid="conditions"] li[data-met="false"]').count()).to.equal(0);
    for (const label of ['已履行行政处罚决定规定的义务', '已纠正失信行为、完成重大事故隐患整改', '作出信用承诺']) await page.getByLabel(label).check();
    await page.getByLabel('信用承诺书内容').fill('本单位承诺依法依规生产经营，不再发生失信行为，如有虚假愿承担相应责任。');
    await page.getByLabel('证明材料（名称、份数）').fill('罚款缴纳凭证 1 份、整改报告 1 份');
    await page.getByRole('button', { name: '登记提前移出申请' }).click();
    await success(page, /提前移出申请已提交，决定机关应于 \d{4}-\d{2}-\d{2}/);
    await page.locator('[data-app-status="pending"]').waitFor();
    expect(await page.locator('#application').count(), 'no second application while one waits').to.equal(0);
    expect(problemsBut400(clerk)).to.deep.equal([]);
    await clerk.close();

    // The reviewer approves it (提前移出), then revokes the removal (false statements): listed again up to the original end.
    page = reviewer.page;
    await page.getByRole('link', { name: '修复与名单待办' }).first().click();
    const removalRow = page.locator(`#listings tr[data-case-id="${staffCaseId}"]`);
    await removalRow.getByRole('link', { name: /办理.*提前移出决定/ }).click();
    await page.locator('#next-step h2', { hasText: '提前移出决定' }).waitFor();
    expect(await page.locator('#next-step').innerText()).to.include('本单位承诺依法依规生产经营');
    await page.getByLabel('准予提前移出').check();
    await page.locator('#removal-decision-reasons').fill('已履行义务并完成整改，列入满 12 个月，准予提前移出。');
    await page.getByRole('button', { name: '提交决定' }).click();
    await success(page, `已准予提前移出，自 ${today} 起移出名单`);
    expect(await caseStatus(page)).to.equal('removed');
    expect(await page.locator('[data-app-status="approved"]').count()).to.equal(1);
    expect(await page.locator('[data-testid="listing-period"]').innerText()).to.include(`（${today} 起提前移出）`);
    await page.locator('#next-step h2', { hasText: '撤销提前移出决定' }).waitFor();
    await page.getByLabel('撤销理由').fill('经查，申请所附整改报告系伪造，以虚假材料取得移出。');
    await page.getByRole('button', { name: '撤销移出决定' }).click();
    await success(page, '已撤销提前移出决定，恢复列入至');
    expect(await caseStatus(page)).to.equal('listed');
    expect(await page.locator('[data-app-status="revoked"]').count()).to.equal(1);
    expect(await page.locator('#revocation').count()).to.equal(0);
    // The whole history, step by step, in words.
    const events = await page.locator('#history [data-testid="event"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')));
    expect(events).to.deep.equal(['proposed', 'notice_issued', 'notice_served', 'objection', 'listed', 'removal_applied', 'removed_early', 'restored']);
    const history = await page.locator('#history').innerText();
    for (const label of ['提请列入', '制发告知书', '告知书送达', '陈述申辩', '决定列入', '申请提前移出', '准予提前移出', '撤销移出决定，恢复列入']) expect(history).to.include(label);
    expect(await page.locator('main').innerText()).to.not.match(/（[a-i]）/);
    await expectLayoutOk(page, 'case page history 1366×768');
    await screenshot(page, 'listing-05-reviewer-history');

    // The enterprise page shows the case with its ground and period.
    await page.goto(`${baseUrl}/console/#/enterprises/${staffSubject.uscc}`);
    const caseRow = page.locator(`#listing tr[data-case-id="${staffCaseId}"]`);
    await caseRow.waitFor();
    expect(await caseRow.innerText()).to.include(GROUND_F);
    expect(await caseRow.locator('[data-testid="listing-period"]').innerText()).to.match(new RegExp(`^${start} 至 \\d{4}-\\d{2}-\\d{2}$`));
    expect(problemsBut400(reviewer)).to.deep.equal([]);
    await reviewer.close();
  });

  it('four eyes: whoever proposed a case is not offered its decision, and is told why', async () => {
    const c = await signedIn(browser, baseUrl, keys.clerkReviewer, DESKTOP);
    const { page } = c;
    await page.goto(`${baseUrl}/console/#/listing/${fourEyesCase}`);
    await page.locator('[data-testid="next-info"]', { hasText: '提出列入建议的人员不能对同一案件作出决定（职责分离）' }).waitFor();
    expect(await page.locator('#decision').count()).to.equal(0);
    await expectLayoutOk(page, 'four eyes 1366×768');
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });

  it('enterprise (390×844): reads its 告知书, states its case within the period; the closed period offers no form and tells the date', async () => {
    const c = await signedIn(browser, baseUrl, keys.enterpriseNotified, PHONE);
    const { page } = c;
    await page.getByRole('button', { name: '菜单' }).click();
    await page.getByRole('link', { name: '严重失信名单' }).click();
    await page.getByRole('heading', { name: '严重失信主体名单案件' }).waitFor();
    const open = page.locator(`[data-testid="my-case"][data-case-id="${notified.openCase}"]`);
    const closed = page.locator(`[data-testid="my-case"][data-case-id="${notified.closedCase}"]`);
    await open.waitFor();
    expect(await open.innerText()).to.match(/可于 \d{4}-\d{2}-\d{2}.* 前提出陈述申辩/);
    expect(await closed.innerText()).to.match(/陈述申辩期已于 \d{4}-\d{2}-\d{2}.* 届满/);
    expect(await page.locator('main').innerText()).to.not.match(/（[a-i]）/);
    await expectLayoutOk(page, 'enterprise cases 390×844');
    await screenshot(page, 'listing-06-enterprise-cases-phone');

    await open.getByRole('link', { name: '查看案件' }).click();
    await page.locator('#next-step h2', { hasText: '陈述申辩' }).waitFor();
    const deadline = await page.locator('[data-testid="objection-deadline"]').innerText();
    expect(await page.locator('#next-step').innerText()).to.include(`请于 ${deadline} 前提出陈述、申辩意见`);
    await page.locator('#notice-card').getByRole('button', { name: '查看告知书' }).click();
    await page.frameLocator('#notice-card iframe').locator('h1', { hasText: '安全生产严重失信主体名单列入告知书' }).waitFor();
    await page.getByRole('textbox', { name: '陈述、申辩意见' }).fill(STATEMENT);
    await page.getByLabel('证据材料（名称、份数）').fill('安全生产许可证复印件 1 份');
    await expectLayoutOk(page, 'objection form 390×844');
    await screenshot(page, 'listing-07-enterprise-objection-phone');
    await page.getByRole('button', { name: '提交陈述申辩' }).click();
    await success(page, '陈述申辩意见已提交');
    expect(await page.locator('#notice-card [data-testid="statement"]').innerText()).to.include(STATEMENT).and.include('当事人提出');
    await expectLayoutOk(page, 'objection submitted 390×844');

    // The other case: the period is over — no form, and the date it ended.
    await page.goto(`${baseUrl}/console/#/listing/${notified.closedCase}`);
    await page.locator('[data-testid="next-info"]', { hasText: '陈述申辩期已于' }).waitFor();
    const closedDeadline = await page.locator('[data-testid="objection-deadline"]').innerText();
    expect(await page.locator('[data-testid="next-info"]').innerText()).to.include(`陈述申辩期已于 ${closedDeadline} 届满，不能再提出陈述申辩`);
    expect(await page.locator('#objection').count()).to.equal(0);
    await expectLayoutOk(page, 'closed period 390×844');
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });

  it('enterprise (390×844): reads its 决定书, sees the early-removal conditions, applies, and follows the application; then no second application is offered', async () => {
    const c = await signedIn(browser, baseUrl, keys.enterpriseListed, PHONE);
    const { page } = c;
    await page.goto(`${baseUrl}/console/#/listing/${listed.caseId}`);
    await page.locator('#removal [data-testid="eligibility"]', { hasText: '可以申请提前移出' }).waitFor();
    const conditions = await page.locator('#removal [data-testid="conditions"]').innerText();
    expect(conditions).to.include('列入已满 12 个月').and.include('列入期间未发生新的应当列入的情形').and.include('须在申请中声明');
    await page.locator('#decision-card').getByRole('button', { name: '查看决定书' }).click();
    await page.frameLocator('#decision-card iframe').locator('h1', { hasText: '列入决定书' }).waitFor();
    await page.locator('#next-step h2', { hasText: '申请提前移出' }).waitFor();
    for (const label of ['已履行行政处罚决定规定的义务', '已纠正失信行为、完成重大事故隐患整改', '作出信用承诺']) await page.getByLabel(label).check();
    await page.getByLabel('信用承诺书内容').fill('本单位承诺依法依规生产经营，不再发生失信行为。');
    await page.getByLabel('证明材料（名称、份数）').fill('整改验收意见 1 份');
    await expectLayoutOk(page, 'application form 390×844');
    await screenshot(page, 'listing-08-enterprise-apply-phone');
    await page.getByRole('button', { name: '提交提前移出申请' }).click();
    await success(page, /提前移出申请已提交，决定机关应于/);
    await page.locator('[data-app-status="pending"]', { hasText: '待决定' }).waitFor();
    expect(await page.locator('#next-step').innerText()).to.include('第 1 次提前移出申请已于').and.include('前作出决定');
    // Not eligible now (an application waits): the reason is shown and no button is offered.
    await page.locator('#removal [data-testid="eligibility"]', { hasText: '暂不能申请提前移出' }).waitFor();
    expect(await page.locator('#removal li[data-met="false"]').innerText()).to.include('已有待决定的提前移出申请');
    expect(await page.getByRole('button', { name: '提交提前移出申请' }).count()).to.equal(0);
    await expectLayoutOk(page, 'application pending 390×844');
    await screenshot(page, 'listing-09-enterprise-application-phone');
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });

  it('enterprise (1366×768): the case page, documents and application status lay out on a desktop too', async () => {
    const c = await signedIn(browser, baseUrl, keys.enterpriseListed, DESKTOP);
    const { page } = c;
    await page.getByRole('link', { name: '严重失信名单' }).click();
    await page.locator(`[data-testid="my-case"][data-case-id="${listed.caseId}"]`).getByRole('link', { name: '查看案件' }).click();
    await page.locator('[data-app-status="pending"]').waitFor();
    await page.locator('#decision-card').getByRole('button', { name: '查看决定书' }).click();
    await page.frameLocator('#decision-card iframe').locator('h1').waitFor();
    await expectLayoutOk(page, 'enterprise case page 1366×768');
    await screenshot(page, 'listing-10-enterprise-desktop');
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });
});

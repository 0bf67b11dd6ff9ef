import type { Server } from 'node:http';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { enterpriseBody, penaltyBody, permitBody } from '../support/fixtures.js';
import { closeConsole, DESKTOP, ensureConsoleBuilt, expectNoClippedText, expectNoHorizontalOverflow, openConsole, PHONE, screenshot, signedIn } from '../support/browser.js';
import { addMonths, todayInShanghai } from '../../src/lib/calendar.js';
import { runGradeSweep } from '../../src/modules/grading/index.js';

/** A real 1×1 PNG: the evidence uploaded through the browser. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

describe('web console (网页控制台) in a real browser: regulator, enterprise, reviewer', function () {
  this.timeout(180_000);
  let t: TestApp;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;
  const keys = {} as Record<'clerk' | 'regulator' | 'reviewer' | 'enterprise', string>;
  const today = todayInShanghai();
  /** The enterprise that applies for repair, and its penalty. */
  const applicant = enterpriseBody(91_002, { standardisationGrade: undefined });
  const penalty = penaltyBody(91_002, { decisionNumber: '深应急罚〔2026〕控制台1号', decisionDate: addMonths(today, -4), validUntil: addMonths(today, 8) });
  let penaltyId = '';
  let applicationNumber = '';

  before(async function () {
    ensureConsoleBuilt();
    t = await startTestApp('console');
    keys.clerk = await t.key(['clerk'], { name: '录入员 王芳' });
    keys.regulator = await t.key(['regulator'], { name: '监管员 刘强' });
    keys.reviewer = await t.key(['reviewer'], { name: '审核员 陈静' });
    keys.enterprise = await t.key(['enterprise'], { uscc: applicant.uscc, name: '企业经办人 李四' });
    const post = async (path: string, body: object) => {
      const res = await t.request.post(`/api/v1${path}`).set('X-API-Key', keys.clerk).send(body);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 201]);
      return res.body as { id: string };
    };
    // Four enterprises in two districts and three industries, one per tier.
    await post('/enterprises', enterpriseBody(91_001, { standardisationGrade: '一级' }));
    await post('/permits', permitBody(91_001));
    await post('/enterprises', applicant);
    await post('/enterprises', enterpriseBody(91_003, { districtCode: '440306', industryCode: 'C2619', standardisationGrade: '三级' }));
    await post('/enterprises', enterpriseBody(91_004, { districtCode: '440306', industryCode: 'G5430', standardisationGrade: undefined }));
    await post('/penalties', penaltyBody(91_004, { uscc: enterpriseBody(91_004, { districtCode: '440306' }).uscc, decisionNumber: '深应急罚〔2026〕控制台2号', decisionDate: addMonths(today, -2), validUntil: addMonths(today, 10), penaltyTypes: ['罚款', '责令停产停业'], fineAmount: 60, content: '罚款六十万元，责令停产停业整顿' }));
    // The applicant's penalty: a 一般 penalty of 4 months ago, fine paid and correction confirmed → repairable.
    penaltyId = (await post('/penalties', penalty)).id;
    await post(`/penalties/${penaltyId}/fulfilment`, { finePaidDate: addMonths(today, -3), correctionConfirmedDate: addMonths(today, -3), evidence: '缴款书及整改复查意见书' });
    expect((await runGradeSweep()).ran).to.equal(true);
    ({ server, baseUrl, browser } = await openConsole(t.app));
  });

  after(async () => {
    await closeConsole({ browser, server });
    await t?.close();
  });

  it('serves the built console under /console/ with the CSP, / redirecting there', async () => {
    const root = await fetch(`${baseUrl}/`, { redirect: 'manual' });
    expect(root.status).to.equal(302);
    expect(root.headers.get('location')).to.equal('/console/');
    const index = await fetch(`${baseUrl}/console/`);
    expect(index.status).to.equal(200);
    expect(index.headers.get('content-security-policy')).to.include("script-src 'self'");
    const html = await index.text();
    expect(html).to.include('lang="zh-CN"').and.match(/<script type="module" crossorigin src="\/console\/assets\/[^"]+\.js">/);
    expect(html, 'no inline script').to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  it('regulator: signs in, sees the tier charts and delivery health, opens an enterprise and its grade reasons', async () => {
    const c = await signedIn(browser, baseUrl, keys.regulator, DESKTOP);
    const { page } = c;
    await page.getByRole('heading', { name: '监管概览' }).waitFor();
    await page.locator('#tiers-district canvas').waitFor();
    await page.locator('#tiers-industry canvas').waitFor();
    const totals = page.locator('[data-testid="tier-totals"]');
    await expect(await totals.innerText()).to.match(/已评级企业/);
    // The chart's data (the same numbers as the canvas): both districts, with their tier counts.
    await page.locator('#tiers-district summary').click();
    const rows = await page.locator('#tiers-district details tbody tr').allInnerTexts();
    // Districts by name (GB/T 2260 table), with their codes beside.
    expect(rows.map((r) => r.split('\t').slice(0, 2))).to.deep.equal([
      ['南山区', '440305'],
      ['宝安区', '440306'],
    ]);
    expect(rows.map((r) => Number(r.split('\t').at(-1)))).to.deep.equal([2, 2]);
    const box = await page.locator('#tiers-district canvas').boundingBox();
    expect(box!.width).to.be.greaterThan(200);
    expect(box!.height).to.be.greaterThan(150);
    await page.locator('#delivery tbody tr').first().waitFor();
    expect(await page.locator('#delivery tbody').innerText()).to.include('市级信用平台').and.include('国家平台');
    await page.locator('#timeliness canvas').waitFor();
    await page.locator('#tiers-district summary').click();
    await expectNoHorizontalOverflow(page, 'dashboard 1366×768');
    await expectNoClippedText(page, 'dashboard');
    await screenshot(page, '01-regulator-dashboard');

    // Open the applicant's enterprise page from the search.
    await page.getByRole('link', { name: '企业查询' }).first().click();
    await page.getByRole('link', { name: applicant.name }).click();
    await page.getByRole('heading', { name: applicant.name }).waitFor();
    await page.locator('[data-testid="grade-reason"]').first().waitFor();
    const reasons = await page.locator('[data-testid="grade-reason"]').allInnerTexts();
    expect(reasons.join('\n')).to.include('基础分').and.include(penalty.decisionNumber);
    expect(await page.locator('[data-testid="grade-score"]').innerText()).to.match(/^\d+$/);
    await page.locator('#grade-history canvas').waitFor();
    const record = page.locator(`#records tr[data-record-id="${penaltyId}"]`);
    expect(await record.locator('[data-testid="publicity-state"]').innerText()).to.include('公示中');
    expect(await record.innerText()).to.include('待报送');
    await expectNoHorizontalOverflow(page, 'enterprise page 1366×768');
    await expectNoClippedText(page, 'enterprise page');
    await screenshot(page, '02-regulator-enterprise');
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });

  it('enterprise (phone width): sees its grade and records, applies for repair with a file, with the API’s field messages', async () => {
    const c = await signedIn(browser, baseUrl, keys.enterprise, PHONE);
    const { page } = c;
    await page.getByRole('heading', { name: applicant.name }).waitFor();
    await page.locator('[data-testid="grade-reason"]').first().waitFor();
    const record = page.locator(`#records tr[data-record-id="${penaltyId}"]`);
    await record.waitFor();
    expect(await record.innerText()).to.include(penalty.decisionNumber);
    await expectNoHorizontalOverflow(page, 'enterprise home 390×844');
    await expectNoClippedText(page, 'enterprise home');
    await screenshot(page, '03-enterprise-home-phone');

    await record.getByRole('link', { name: `为 ${penalty.decisionNumber} 申请信用修复` }).click();
    await page.getByRole('heading', { name: '申请信用修复' }).waitFor();
    await page.locator('#eligibility').getByText('符合申请条件').waitFor();
    // Submitted without a contact: the API's messages appear under the fields they name.
    await page.getByLabel('本单位已阅读并同意上述信用承诺').check();
    await page.getByRole('button', { name: '提交申请' }).click();
    await page.locator('.field-error[data-path="contactName"]').waitFor();
    await page.locator('.field-error[data-path="contactPhone"]').waitFor();
    expect(await page.locator('#repair-contactPhone').getAttribute('aria-invalid')).to.equal('true');
    // Keyboard: the first invalid field has the focus.
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.getAttribute("name")')).to.equal('contactName');
    await page.keyboard.type('李四');
    await page.getByLabel('联系电话').fill('13800138000');
    await page.getByLabel('申请说明').fill('已缴清罚款并完成整改，复查合格。');
    await page.getByLabel('证明材料').setInputFiles({ name: '缴款凭证.png', mimeType: 'image/png', buffer: PNG });
    await expectNoHorizontalOverflow(page, 'repair form 390×844');
    await screenshot(page, '04-enterprise-repair-form-phone');
    await page.getByRole('button', { name: '提交申请' }).click();
    await page.locator('[data-state="submitted"]').waitFor();
    const heading = await page.getByRole('heading', { level: 1 }).innerText();
    applicationNumber = heading.replace('信用修复申请', '').trim();
    expect(applicationNumber).to.match(/^XF\d{4}-\d{6}$/);
    expect(await page.locator('#files').innerText()).to.include('缴款凭证.png');
    await screenshot(page, '05-enterprise-application-phone');
    // The one failed request is the deliberate 400 above.
    expect(c.problems.filter((p) => !p.includes('status of 400'))).to.deep.equal([]);
    await c.close();
  });

  it('reviewer: finds the application in the work queue, accepts and approves it, and sees the publicity end', async () => {
    expect(applicationNumber, 'the enterprise test applied').to.not.equal('');
    const c = await signedIn(browser, baseUrl, keys.reviewer, DESKTOP);
    const { page } = c;
    await page.getByRole('link', { name: '修复与名单待办' }).first().click();
    await page.getByRole('heading', { name: '修复与名单待办' }).waitFor();
    const row = page.locator('#repair-queue tr', { hasText: applicationNumber });
    await row.waitFor();
    expect(await row.innerText()).to.include('受理期限');
    await expectNoHorizontalOverflow(page, 'work queue 1366×768');
    await screenshot(page, '06-reviewer-queue');
    await row.getByRole('link', { name: applicationNumber }).click();
    await page.locator('[data-state="submitted"]').waitFor();
    expect(await page.locator('[data-testid="record-publicity"]').innerText()).to.include('公示中');

    await page.getByLabel('受理', { exact: true }).check();
    await page.getByRole('button', { name: '确认：受理' }).click();
    await page.locator('[data-state="accepted"]').waitFor();
    await page.getByLabel('准予信用修复').check();
    await page.getByLabel('审核意见').fill('经核查，已履行义务并完成整改。');
    await page.getByRole('button', { name: '确认：准予信用修复' }).click();
    await page.locator('[data-state="effected"]').waitFor();
    await page.locator('[data-testid="record-publicity"]', { hasText: '已停止公示' }).waitFor();
    expect(await page.locator('[data-testid="record-publicity"]').innerText()).to.equal('已停止公示（信用修复）');
    expect(await page.locator('#history').innerText()).to.include('准予信用修复').and.include('执行完毕');
    await expectNoClippedText(page, 'application page');
    await screenshot(page, '07-reviewer-approved');

    // The enterprise page shows the record no longer published, and the repaired penalty out of the reasons.
    await page.goto(`${baseUrl}/console/#/enterprises/${applicant.uscc}`);
    const record = page.locator(`#records tr[data-record-id="${penaltyId}"]`);
    await record.locator('[data-testid="publicity-state"]', { hasText: '已停止公示' }).waitFor();
    await page.locator('[data-testid="grade-reason"]').first().waitFor();
    expect((await page.locator('[data-testid="grade-reason"]').allInnerTexts()).join('\n')).to.not.include(penalty.decisionNumber);
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });

  it('clerk: the record form shows the API’s messages by field; an import uploads with progress and offers the row error report', async () => {
    const c = await signedIn(browser, baseUrl, keys.clerk, DESKTOP);
    const { page } = c;
    await page.getByRole('link', { name: '录入记录' }).click();
    await page.getByRole('heading', { name: '录入行政许可 / 行政处罚' }).waitFor();
    await page.locator('#record-uscc').fill('91440300192203821X');
    await page.locator('#record-decisionDate').fill('2099-01-01');
    await page.getByRole('button', { name: '提交录入' }).click();
    await page.locator('.field-error[data-path="uscc"]', { hasText: '统一社会信用代码校验位错误' }).waitFor();
    expect(await page.locator('.field-error[data-path="decisionDate"]').innerText()).to.include('不得晚于今天');
    expect(await page.locator('.field-error[data-path="penaltyTypes"]').count()).to.equal(1);
    await expectNoHorizontalOverflow(page, 'record form 1366×768');
    await screenshot(page, '08-clerk-record-form-errors');

    await page.getByRole('link', { name: '批量导入' }).click();
    const csv = Buffer.from(`行政处罚决定书文号,行政相对人名称\n深应急罚〔导入〕1号,测试企业\n`, 'utf8');
    await page.locator('#import-file').setInputFiles({ name: '处罚.csv', mimeType: 'text/csv', buffer: csv });
    await page.getByRole('button', { name: '开始导入' }).click();
    await page.locator('[data-testid="import-status"][data-status="done"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-testid="import-status"]').innerText()).to.match(/失败\s*1/);
    await page.getByRole('button', { name: '下载逐行错误报告（CSV）' }).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载逐行错误报告（CSV）' }).click()]);
    expect(download.suggestedFilename()).to.match(/\.csv$/);
    await screenshot(page, '09-clerk-import');
    expect(c.problems.filter((p) => !p.includes('status of 400'))).to.deep.equal([]);
    await c.close();
  });

  it('regulator: generates a supervision plan and sees its draw', async () => {
    const c = await signedIn(browser, baseUrl, keys.regulator, DESKTOP);
    const { page } = c;
    await page.getByRole('link', { name: '检查计划' }).click();
    await page.getByLabel('行政区划代码（6 位）').fill('440306');
    await page.getByLabel('随机种子').fill('20261126');
    await page.getByLabel('执法人员（每行：编号,姓名）').fill('ZF001,张执法\nZF002,李执法\nZF003,王执法');
    await page.getByRole('button', { name: '编制并抽取' }).click();
    await page.locator('#plan-items tbody tr').first().waitFor();
    const items = await page.locator('#plan-items tbody').innerText();
    expect(items).to.include('测试安全生产企业91004有限公司');
    expect(await page.locator('#plan-info').innerText()).to.include('20261126');
    await screenshot(page, '10-regulator-plan');
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });
});

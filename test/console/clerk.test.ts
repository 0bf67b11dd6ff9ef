import type { Server } from 'node:http';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { enterpriseBody, makeUscc, penaltyBody } from '../support/fixtures.js';
import { closeConsole, DESKTOP, ensureConsoleBuilt, expectLayoutOk, openConsole, PHONE, screenshot, signedIn } from '../support/browser.js';
import { addMonths, todayInShanghai } from '../../src/lib/calendar.js';
import { runGradeSweep } from '../../src/modules/grading/index.js';

/** A real 1×1 PNG: the evidence uploaded through the browser. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');


describe('web console (网页控制台), the clerk (录入员): enterprises, roster import, revocation, 履行登记, and the repair dead ends', function () {
  this.timeout(240_000);
  let t: TestApp;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;
  const keys = {} as Record<'clerk' | 'reviewer' | 'enterprise', string>;
  const today = todayInShanghai();
  /** Registered in the browser, then edited. */
  const registered = enterpriseBody(92_001, { name: '深圳市登记测试化工有限公司', standardisationGrade: '三级' });
  /** Created implicitly by a penalty (no industry): completed in the browser. */
  const implicit = penaltyBody(92_002, { decisionNumber: '深应急罚〔2026〕录入1号', subjectName: '深圳市隐式建立五金有限公司' });
  /** Its penalty is revoked in the browser. */
  const revokedOwner = enterpriseBody(92_004);
  const toRevoke = penaltyBody(92_004, { decisionNumber: '深应急罚〔2026〕录入2号' });
  /** The enterprise whose repair waits on the authority until the clerk registers the fulfilment. */
  const applicant = enterpriseBody(92_005);
  const applicantPenalty = penaltyBody(92_005, { decisionNumber: '深应急罚〔2026〕录入3号', decisionDate: addMonths(today, -4), validUntil: addMonths(today, 8) });
  let revokeId = '';
  let applicantPenaltyId = '';
  let repairId = '';

  before(async function () {
    ensureConsoleBuilt();
    t = await startTestApp('console_clerk');
    keys.clerk = await t.key(['clerk'], { name: '录入员 赵敏' });
    keys.reviewer = await t.key(['reviewer'], { name: '审核员 孙丽' });
    keys.enterprise = await t.key(['enterprise'], { uscc: applicant.uscc, name: '企业经办人 周伟' });
    const post = async (path: string, body: object) => {
      const res = await t.request.post(`/api/v1${path}`).set('X-API-Key', keys.clerk).send(body);
      expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.be.oneOf([200, 201]);
      return res.body as { id: string };
    };
    await post('/penalties', implicit);
    await post('/enterprises', revokedOwner);
    revokeId = (await post('/penalties', toRevoke)).id;
    await post('/enterprises', applicant);
    applicantPenaltyId = (await post('/penalties', applicantPenalty)).id;
    // Graded, so their pages show a grade (an ungraded enterprise's grade answers 404: 尚未评级).
    expect((await runGradeSweep()).ran).to.equal(true);
    ({ server, baseUrl, browser } = await openConsole(t.app));
  });

  after(async () => {
    await closeConsole({ browser, server });
    await t?.close();
  });

  it('clerk (desktop): registers and edits an enterprise, completes one created by a record, imports a roster with a bad row, downloads a template, revokes a record', async () => {
    const c = await signedIn(browser, baseUrl, keys.clerk, DESKTOP);
    const { page } = c;

    // Register: a missing required field first (the API's message under it), then the whole form.
    await page.getByRole('navigation').getByRole('link', { name: '登记企业' }).click();
    await page.getByRole('heading', { name: '登记企业' }).waitFor();
    await page.locator('#enterprise-uscc').fill(registered.uscc);
    await page.locator('#enterprise-name').fill(registered.name);
    await page.getByRole('button', { name: '登记', exact: true }).click();
    await page.locator('.field-error[data-path="legalRepresentative"]').waitFor();
    await page.locator('.field-error[data-path="industryCode"]').waitFor();
    await page.locator('#enterprise-legalRepresentative').fill(registered.legalRepresentative);
    await page.locator('#enterprise-districtCode').fill(registered.districtCode);
    await page.locator('#enterprise-industryCode').fill(registered.industryCode);
    await page.locator('#enterprise-address').fill(registered.address);
    await page.locator('#enterprise-standardisationGrade').selectOption(registered.standardisationGrade);
    await page.locator('#enterprise-supervisingAuthority').fill(registered.supervisingAuthority);
    await expectLayoutOk(page, 'register form 1366×768');
    await page.getByRole('button', { name: '登记', exact: true }).click();
    const registeredDone = page.locator('[data-testid="enterprise-done"]');
    await registeredDone.waitFor();
    expect(await registeredDone.innerText()).to.include(`已登记${registered.name}`).and.include(registered.uscc);
    await screenshot(page, 'clerk-01-registered');
    expect((await runGradeSweep()).ran).to.equal(true);

    // Edit it from its page: the standardisation grade and the address.
    await registeredDone.getByRole('link', { name: '查看企业' }).click();
    await page.getByRole('heading', { name: registered.name }).waitFor();
    await page.getByRole('link', { name: '修改企业信息' }).click();
    await page.getByRole('heading', { name: `修改企业信息：${registered.name}` }).waitFor();
    expect(await page.locator('#enterprise-uscc').getAttribute('readonly')).to.not.equal(null);
    await page.locator('#enterprise-standardisationGrade').selectOption('一级');
    await page.locator('#enterprise-address').fill('深圳市南山区粤海街道科技南路 8 号');
    await page.getByRole('button', { name: '保存' }).click();
    await page.locator('[data-testid="enterprise-done"]', { hasText: `已保存${registered.name}的企业信息` }).waitFor();
    expect(await page.locator('#enterprise-standardisationGrade').inputValue()).to.equal('一级');
    const saved = await t.request.get(`/api/v1/enterprises/${registered.uscc}`).set('X-API-Key', keys.clerk);
    expect([saved.body.standardisationGrade, saved.body.address]).to.deep.equal(['一级', '深圳市南山区粤海街道科技南路 8 号']);

    // 待补全企业: the enterprise its penalty created, with the industry marked missing; completed, it leaves the list.
    await page.getByRole('navigation').getByRole('link', { name: '待补全企业' }).click();
    await page.getByRole('heading', { name: '待补全企业' }).waitFor();
    const row = page.locator(`#incomplete tr[data-uscc="${implicit.uscc}"]`);
    await row.waitFor();
    expect(await row.innerText()).to.include(implicit.subjectName).and.include('国民经济行业代码');
    await expectLayoutOk(page, 'incomplete list 1366×768');
    await screenshot(page, 'clerk-02-incomplete');
    await row.getByRole('link', { name: `补全 ${implicit.subjectName}` }).click();
    await page.getByRole('heading', { name: `补全企业信息：${implicit.subjectName}` }).waitFor();
    expect(await page.locator('[data-testid="missing-fields"]').innerText()).to.include('国民经济行业代码');
    expect(await page.locator('[data-missing="true"] #enterprise-industryCode').count(), 'the missing field is marked').to.equal(1);
    expect(await page.locator('[data-missing="true"]').count(), 'only the missing field').to.equal(1);
    await page.locator('#enterprise-industryCode').fill('C3311');
    await screenshot(page, 'clerk-03-complete-form');
    await page.getByRole('button', { name: '保存' }).click();
    await page.locator('[data-testid="enterprise-done"]', { hasText: '已补全' }).waitFor();
    expect(await page.locator('[data-testid="missing-fields"]').count()).to.equal(0);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).to.equal(`修改企业信息：${implicit.subjectName}`);
    await page.getByRole('navigation').getByRole('link', { name: '待补全企业' }).click();
    await page.locator('#incomplete tbody').waitFor();
    await page.locator('#incomplete td', { hasText: '暂无数据' }).waitFor();

    // The roster (企业名录) import: one good row, one with two bad cells, each reason shown on the page.
    await page.goto(`${baseUrl}/console/#/imports?kind=enterprises`);
    await page.getByRole('heading', { name: '批量导入' }).waitFor();
    expect(await page.locator('#import-kind').inputValue()).to.equal('enterprises');
    const good = enterpriseBody(92_003, { name: '深圳市名录导入电子有限公司' });
    const bad = makeUscc(92_006, '440305');
    const csv = [
      '统一社会信用代码,企业名称,法定代表人,行政区划代码,国民经济行业代码,住所',
      `${good.uscc},${good.name},李雷,440305,C3971,深圳市南山区`,
      `${bad},深圳市名录错误样例有限公司,韩梅梅,4403,2614,深圳市南山区`,
    ].join('\n');
    await page.locator('#import-file').setInputFiles({ name: '企业名录.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.getByRole('button', { name: '开始导入' }).click();
    await page.locator('[data-testid="import-status"][data-status="done"]').waitFor({ timeout: 60_000 });
    const status = await page.locator('[data-testid="import-status"]').innerText();
    expect(status).to.include('企业名录').and.match(/新建\s*1/).and.match(/失败\s*1/);
    const errors = page.locator('[data-testid="import-error"]');
    await errors.first().waitFor();
    const lines = await errors.allInnerTexts();
    expect(lines, 'one line per bad cell').to.have.length(2);
    expect(lines.every((l) => l.startsWith('3'))).to.equal(true);
    const district = lines.find((l) => l.includes('行政区划代码'))!;
    const industry = lines.find((l) => l.includes('国民经济行业代码'))!;
    expect(district).to.include('4403').and.include('6 位数字');
    expect(industry).to.include('2614').and.include('GB/T 4754');
    expect(lines.join('\n'), 'no internal field names').to.not.match(/districtCode|industryCode/);
    await expectLayoutOk(page, 'import errors 1366×768');
    await screenshot(page, 'clerk-04-import-errors');

    // A template for each kind; the roster's CSV downloads with the credential.
    for (const label of ['行政处罚', '行政许可', '企业名录']) {
      await page.getByRole('button', { name: `下载${label}模板（CSV）` }).waitFor();
      await page.getByRole('button', { name: `下载${label}模板（XLSX）` }).waitFor();
    }
    const [template] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载企业名录模板（CSV）' }).click()]);
    expect(template.suggestedFilename()).to.equal('企业名录导入模板.csv');
    const templatePath = await template.path();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(templatePath, 'utf8')).to.include('统一社会信用代码').and.include('国民经济行业代码');

    // Revoke a penalty from its enterprise's page: a reason, a confirmation, a message, and 已撤销.
    await page.goto(`${baseUrl}/console/#/enterprises/${revokedOwner.uscc}`);
    const record = page.locator(`#records tr[data-record-id="${revokeId}"]`);
    await record.waitFor();
    await record.getByRole('button', { name: `撤销 ${toRevoke.decisionNumber}` }).click();
    await page.locator('#revoke-panel').waitFor();
    await page.locator('#revoke-decisionNumber').fill('深应急撤〔2026〕1号');
    await page.locator('#revoke-decisionDate').fill(today);
    await page.locator('#revoke-basis').selectOption('行政复议');
    await page.locator('#revoke-reason').fill('经行政复议，原处罚决定认定事实不清，予以撤销');
    await page.getByRole('button', { name: '撤销…' }).click();
    const confirm = page.locator('[data-testid="revoke-confirm"]');
    await confirm.waitFor();
    expect(await confirm.innerText()).to.include(toRevoke.decisionNumber).and.include('不可恢复');
    await expectLayoutOk(page, 'revoke confirmation 1366×768');
    await screenshot(page, 'clerk-05-revoke-confirm');
    await confirm.getByRole('button', { name: '确认撤销' }).click();
    await page.locator('[data-testid="record-done"]', { hasText: `已撤销 ${toRevoke.decisionNumber}` }).waitFor();
    await record.locator('[data-testid="publicity-state"]', { hasText: '已撤销' }).waitFor();
    expect(await record.getByRole('button', { name: `撤销 ${toRevoke.decisionNumber}` }).count(), 'no second revocation offered').to.equal(0);
    await screenshot(page, 'clerk-06-revoked');
    // The one failed request is the deliberate 400 of the incomplete registration.
    expect(c.problems.filter((p) => !p.includes('status of 400'))).to.deep.equal([]);
    expect(c.problems).to.have.length(1);
    await c.close();
  });

  it('enterprise (phone): a repair waiting on the authority shows whom to contact, and no 申请修复', async () => {
    const c = await signedIn(browser, baseUrl, keys.enterprise, PHONE);
    const { page } = c;
    await page.getByRole('heading', { name: applicant.name }).waitFor();
    const record = page.locator(`#records tr[data-record-id="${applicantPenaltyId}"]`);
    const contact = record.locator('[data-testid="authority-contact"]');
    await contact.waitFor();
    expect(await contact.innerText()).to.include('深圳市应急管理局').and.include('12345').and.include('罚没款缴清');
    expect(await record.getByRole('link', { name: /申请信用修复/ }).count()).to.equal(0);
    await expectLayoutOk(page, 'enterprise home, ineligible, 390×844');
    await screenshot(page, 'enterprise-01-contact-phone');
    // The application form itself is not offered either (a bookmarked link).
    await page.goto(`${baseUrl}/console/#/repair/${applicantPenaltyId}`);
    await page.locator('#eligibility').getByText('暂不符合申请条件').waitFor();
    await page.locator('#eligibility [data-testid="authority-contact"]').waitFor();
    await page.locator('#apply', { hasText: '暂不能提交申请' }).waitFor();
    expect(await page.getByRole('button', { name: '提交申请' }).count()).to.equal(0);
    await expectLayoutOk(page, 'repair page, ineligible, 390×844');
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });

  it('clerk (desktop, then phone): registers the fulfilment from the record; the eligibility turns yes', async () => {
    const c = await signedIn(browser, baseUrl, keys.clerk, DESKTOP);
    const { page } = c;
    await page.goto(`${baseUrl}/console/#/enterprises/${applicant.uscc}`);
    const record = page.locator(`#records tr[data-record-id="${applicantPenaltyId}"]`);
    await record.getByRole('link', { name: `${applicantPenalty.decisionNumber} 履行登记` }).click();
    await page.getByRole('heading', { name: '履行登记' }).waitFor();
    await page.locator('[data-testid="fulfilment-eligibility"]', { hasText: '暂不符合' }).waitFor();
    await page.locator('#fulfilment-finePaidDate').fill(addMonths(today, -3));
    await page.locator('#fulfilment-correctionConfirmedDate').fill(addMonths(today, -3));
    await page.locator('#fulfilment-evidence').fill('缴款书 4403-2026-0917；整改复查意见书 深应急复查〔2026〕12号');
    await page.getByRole('button', { name: '登记', exact: true }).click();
    await page.locator('[data-testid="fulfilment-done"]', { hasText: '企业现在可以申请信用修复' }).waitFor();
    await page.locator('[data-testid="fulfilment-eligibility"]', { hasText: '符合信用修复申请条件' }).waitFor();
    expect(await page.locator('#recorded').innerText()).to.include('整改复查意见书');
    await expectLayoutOk(page, 'fulfilment 1366×768');
    await screenshot(page, 'clerk-07-fulfilment');
    expect(c.problems).to.deep.equal([]);
    await c.close();

    // The clerk's screens at phone width.
    const p = await signedIn(browser, baseUrl, keys.clerk, PHONE);
    for (const [hash, heading] of [
      ['#/register', '登记企业'],
      ['#/incomplete', '待补全企业'],
      [`#/enterprises/${registered.uscc}/edit`, `修改企业信息：${registered.name}`],
      ['#/imports?kind=enterprises', '批量导入'],
      [`#/penalties/${applicantPenaltyId}/fulfilment`, '履行登记'],
      [`#/enterprises/${revokedOwner.uscc}`, revokedOwner.name],
    ] as const) {
      await p.page.goto(`${baseUrl}/console/${hash}`);
      await p.page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await p.page.waitForLoadState('networkidle');
      await expectLayoutOk(p.page, `${hash} 390×844`);
    }
    await p.page.goto(`${baseUrl}/console/#/imports`);
    await p.page.getByRole('heading', { name: '批量导入' }).waitFor();
    await p.page.getByRole('button', { name: '查看错误' }).first().click();
    await p.page.locator('[data-testid="import-error"]').first().waitFor();
    await expectLayoutOk(p.page, 'import errors 390×844');
    await screenshot(p.page, 'clerk-08-import-errors-phone');
    expect(p.problems).to.deep.equal([]);
    await p.close();
  });

  it('enterprise (phone): after the fulfilment, 申请修复 is offered and the application goes in', async () => {
    const c = await signedIn(browser, baseUrl, keys.enterprise, PHONE);
    const { page } = c;
    const record = page.locator(`#records tr[data-record-id="${applicantPenaltyId}"]`);
    const apply = record.getByRole('link', { name: `为 ${applicantPenalty.decisionNumber} 申请信用修复` });
    await apply.waitFor();
    expect(await record.locator('[data-testid="authority-contact"]').count()).to.equal(0);
    await expectLayoutOk(page, 'enterprise home, eligible, 390×844');
    await apply.click();
    await page.locator('#eligibility').getByText('符合申请条件').waitFor();
    await page.getByLabel('本单位已阅读并同意上述信用承诺').check();
    await page.getByLabel('联系人').fill('周伟');
    await page.getByLabel('联系电话').fill('13900139000');
    await page.getByLabel('证明材料').setInputFiles({ name: '缴款凭证.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: '提交申请' }).click();
    await page.locator('[data-state="submitted"]').waitFor();
    repairId = page.url().split('/repairs/')[1];
    expect(repairId).to.match(/^[0-9a-f]{24}$/);
    await screenshot(page, 'enterprise-02-applied-phone');
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });

  it('reviewer (desktop): accepts; the form then offers only what comes next, and a stale 受理 answers in Chinese', async () => {
    expect(repairId, 'the enterprise applied').to.not.equal('');
    const c = await signedIn(browser, baseUrl, keys.reviewer, DESKTOP);
    const { page } = c;
    await page.goto(`${baseUrl}/console/#/repairs/${repairId}`);
    await page.locator('[data-state="submitted"]').waitFor();
    await page.getByLabel('受理', { exact: true }).check();
    await page.getByRole('button', { name: '确认：受理' }).click();
    await page.locator('[data-state="accepted"]').waitFor();
    await page.locator('[data-testid="decision-done"]', { hasText: '已受理' }).waitFor();
    expect(await page.locator('[data-testid="decision-done"]').innerText()).to.include('已受理，审查中').and.not.include('accepted');
    // The form moved on: the actions of 已受理 only, the first one chosen.
    await page.getByRole('button', { name: '确认：准予信用修复' }).waitFor();
    expect(await page.getByRole('button', { name: '确认：受理' }).count()).to.equal(0);
    expect(await page.getByLabel('受理', { exact: true }).count()).to.equal(0);
    expect(await page.getByLabel('准予信用修复').isChecked()).to.equal(true);
    await expectLayoutOk(page, 'accepted application 1366×768');
    await screenshot(page, 'reviewer-01-accepted');
    // Accepting again (a second tab, say) is refused in the reviewer's words, never with a state code.
    const again = await t.request.post(`/api/v1/repairs/${repairId}/accept`).set('X-API-Key', keys.reviewer).send({});
    expect(again.status).to.equal(409);
    expect(again.body.error.message).to.include('已受理，审查中').and.include('不能受理');
    expect(JSON.stringify(again.body.error)).to.not.match(/accepted|submitted|state/);
    expect(c.problems).to.deep.equal([]);
    await c.close();

    const p = await signedIn(browser, baseUrl, keys.reviewer, PHONE);
    await p.page.goto(`${baseUrl}/console/#/repairs/${repairId}`);
    await p.page.locator('[data-state="accepted"]').waitFor();
    await p.page.getByRole('button', { name: '确认：准予信用修复' }).waitFor();
    await expectLayoutOk(p.page, 'accepted application 390×844');
    expect(p.problems).to.deep.equal([]);
    await p.close();
  });
});

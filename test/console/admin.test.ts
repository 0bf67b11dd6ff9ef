import type { Server } from 'node:http';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { closeConsole, DESKTOP, ensureConsoleBuilt, expectLayoutOk, openConsole, PHONE, screenshot, signedIn } from '../support/browser.js';

/** Failed requests the test provokes on purpose: the refused role mix (400), the revoked key (401). */
const expected = (p: string) => /status of (400|401)/.test(p);

describe('web console: 系统管理员 (admin) — API keys and the audit trail', function () {
  this.timeout(180_000);
  let t: TestApp;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;
  let admin: string;
  let secret = '';
  let keyId = '';

  before(async () => {
    ensureConsoleBuilt();
    t = await startTestApp('console_admin');
    admin = await t.key(['admin'], { name: '系统管理员 赵敏' });
    // More key creations than one page of the audit search (20): 加载更多 has something to load.
    for (let i = 1; i <= 21; i++) {
      const res = await t.request.post('/api/v1/api-keys').set('X-API-Key', admin).send({ name: `批量密钥 ${i}`, roles: ['regulator'], scope: ['440305'] });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
    }
    ({ server, baseUrl, browser } = await openConsole(t.app));
  });

  after(async () => {
    await closeConsole({ browser, server });
    await t?.close();
  });

  it('creates a key (secret shown once, gone after navigation) that signs in; revokes it after a confirmation and it is refused; the audit search finds both', async () => {
    const c = await signedIn(browser, baseUrl, admin, DESKTOP);
    const { page } = c;
    await page.getByRole('link', { name: 'API 密钥', exact: true }).click();
    await page.getByRole('heading', { name: 'API 密钥', exact: true }).waitFor();
    await page.locator('#keys tbody tr', { hasText: '批量密钥 21' }).waitFor();
    expect(await page.locator('#keys tbody tr', { hasText: '批量密钥 21' }).innerText()).to.include('监管查询人员').and.include('从未使用').and.include('有效');

    // Separation of duties: enterprise + clerk is refused, the API's reason under the roles.
    await page.getByLabel('名称（使用人或系统）').fill('混合角色');
    await page.getByLabel('企业用户').check();
    await page.getByLabel('录入人员').check();
    await page.getByLabel('企业统一社会信用代码').fill('91440300192203821X');
    await page.getByRole('button', { name: '创建密钥' }).click();
    const rolesError = page.locator('.field-error[data-path="roles"]');
    await rolesError.waitFor();
    expect(await rolesError.innerText()).to.include('企业用户角色不能与监管人员角色（录入人员）授予同一凭据（职责分离）');
    await expectLayoutOk(page, 'keys refused');
    await screenshot(page, 'admin-1-separation-of-duties');

    // A regulator key for one district: the secret once, with the warning and a copy button.
    await page.getByLabel('企业用户').uncheck();
    await page.getByLabel('录入人员').uncheck();
    await page.getByLabel('监管查询人员').check();
    await page.getByLabel('名称（使用人或系统）').fill('监管员 孙丽');
    await page.getByLabel('辖区（行政区划代码）').fill('440305');
    await page.getByRole('button', { name: '创建密钥' }).click();
    const shown = page.locator('[data-testid="new-key"]');
    await shown.waitFor();
    secret = (await page.locator('[data-testid="new-key-secret"]').innerText()).trim();
    expect(secret).to.match(/^csk_/);
    expect(await shown.innerText()).to.include('只显示这一次').and.include('离开本页后无法再次查看');
    await shown.getByRole('button', { name: '复制密钥' }).click();
    await shown.getByRole('status').waitFor();
    const row = page.locator('#keys tbody tr', { hasText: '监管员 孙丽' });
    await row.waitFor();
    keyId = (await row.getAttribute('data-key-id'))!;
    expect(await row.innerText()).to.include('监管查询人员').and.include('辖区 南山区（440305）').and.include('从未使用');
    await expectLayoutOk(page, 'key created');
    await screenshot(page, 'admin-2-key-created-once');

    // Gone after navigation: another screen and back, the secret is nowhere.
    await page.getByRole('link', { name: '审计日志' }).click();
    await page.getByRole('heading', { name: '审计日志' }).waitFor();
    await page.getByRole('link', { name: 'API 密钥', exact: true }).click();
    await page.locator('#keys tbody tr', { hasText: '监管员 孙丽' }).waitFor();
    expect(await page.locator('[data-testid="new-key"]').count()).to.equal(0);
    expect(await page.content()).to.not.include(secret);

    // The new key signs in (as the regulator it is).
    const r = await signedIn(browser, baseUrl, secret, DESKTOP);
    await r.page.getByRole('heading', { name: '监管概览' }).waitFor();
    expect(await r.page.locator('[data-testid="who"]').innerText()).to.include('监管员 孙丽');
    await r.close();

    // Its last use shows; revoke after a confirmation.
    await page.reload();
    const used = page.locator(`#keys tr[data-key-id="${keyId}"]`);
    await used.waitFor();
    expect(await used.innerText()).to.not.include('从未使用');
    await used.getByRole('button', { name: '吊销 监管员 孙丽' }).click();
    const confirm = used.getByRole('group', { name: '确认吊销 监管员 孙丽' });
    expect(await confirm.innerText()).to.include('无法恢复');
    await confirm.getByRole('button', { name: '取消' }).click();
    expect(await used.getAttribute('data-revoked')).to.equal('false');
    await used.getByRole('button', { name: '吊销 监管员 孙丽' }).click();
    await used.getByRole('button', { name: '确认吊销' }).click();
    await page.locator('[data-testid="keys-message"]', { hasText: '已吊销密钥「监管员 孙丽」' }).waitFor();
    await page.locator(`#keys tr[data-key-id="${keyId}"][data-revoked="true"]`).waitFor();
    expect(await used.innerText()).to.include('已吊销');
    await expectLayoutOk(page, 'key revoked');

    // The revoked key is refused: at the sign-in screen, and by the API.
    const context = await browser.newContext({ viewport: DESKTOP, locale: 'zh-CN' });
    const signin = await context.newPage();
    await signin.goto(`${baseUrl}/console/`);
    await signin.getByRole('textbox', { name: 'API 密钥' }).fill(secret);
    await signin.getByRole('button', { name: '登录' }).click();
    await signin.locator('.alert-error').waitFor();
    expect(await signin.locator('[data-testid="who"]').count()).to.equal(0);
    await context.close();
    expect((await fetch(`${baseUrl}/api/v1/me`, { headers: { 'X-API-Key': secret } })).status).to.equal(401);

    // The audit trail: key creations (20 a page, 加载更多), and the new key's creation and revocation by its id.
    await page.getByRole('link', { name: '审计日志' }).click();
    await page.getByLabel('操作', { exact: true }).selectOption('apiKey.create');
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await page.locator('#audit-results tbody tr').first().waitFor();
    expect(await page.locator('#audit-results tbody tr').count()).to.equal(20);
    const created = page.locator(`#audit-results tr[data-action="apiKey.create"][data-resource-id="${keyId}"]`);
    expect(await created.innerText()).to.include('创建 API 密钥').and.include('系统管理员 赵敏').and.include('成功').and.include('API 密钥');
    await page.getByRole('button', { name: '加载更多' }).click();
    await page.locator('[data-testid="audit-count"]', { hasText: '已显示 22 条，已全部显示' }).waitFor();
    expect(await page.getByRole('button', { name: '加载更多' }).count()).to.equal(0);
    await expectLayoutOk(page, 'audit search');
    await screenshot(page, 'admin-3-audit-search');

    // From the key list: that key's own entries, searched at once.
    await page.getByRole('link', { name: 'API 密钥', exact: true }).click();
    expect(await page.locator('#keys tbody tr', { hasText: '系统管理员 赵敏' }).innerText()).to.include('当前登录');
    await page.getByRole('link', { name: '监管员 孙丽 的审计记录' }).click();
    await page.locator('[data-testid="audit-count"]', { hasText: '已显示 2 条' }).waitFor();
    expect(await page.getByLabel('对象标识').inputValue()).to.equal(keyId);
    const day = new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    await page.getByLabel('起始日期').fill(day);
    await page.getByLabel('结束日期').fill(day);
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await page.locator('[data-testid="audit-count"]', { hasText: '已显示 2 条' }).waitFor();
    expect(await page.locator('#audit-results tbody').innerText()).to.include('吊销 API 密钥').and.include('创建 API 密钥');
    // A range the wrong way round: the API's message under the field.
    await page.getByLabel('起始日期').fill('2030-01-02');
    await page.getByLabel('结束日期').fill('2030-01-01');
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await page.locator('.field-error[data-path="to"]', { hasText: '结束时间不得早于起始时间' }).waitFor();

    expect(c.problems.filter((p) => !expected(p))).to.deep.equal([]);
    await c.close();
    await expectAudited('apiKey.create', keyId, { principalName: '系统管理员 赵敏' });
    await expectAudited('apiKey.revoke', keyId);
  });

  it('phone (390×844): the key list and the audit search fit without sideways scrolling or clipped text', async () => {
    const c = await signedIn(browser, baseUrl, admin, PHONE);
    const { page } = c;
    await page.getByRole('button', { name: '菜单' }).click();
    await page.getByRole('link', { name: 'API 密钥', exact: true }).click();
    await page.locator('#keys tbody tr').first().waitFor();
    await expectLayoutOk(page, 'keys phone');
    await screenshot(page, 'admin-4-keys-phone');
    await page.getByRole('button', { name: '菜单' }).click();
    await page.getByRole('link', { name: '审计日志' }).click();
    await page.getByRole('button', { name: '查询', exact: true }).click();
    await page.locator('#audit-results tbody tr').first().waitFor();
    await expectLayoutOk(page, 'audit phone');
    await screenshot(page, 'admin-5-audit-phone');
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });
});

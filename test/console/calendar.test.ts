import type { Server } from 'node:http';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { closeConsole, DESKTOP, ensureConsoleBuilt, expectNoHorizontalOverflow, openConsole, screenshot, signedIn } from '../support/browser.js';
import { setLoadedSchedules } from '../../src/lib/calendar.js';
import { expectAudited } from '../support/audit.js';

describe('web console: 节假日安排 (admin loads a year’s schedule; staff see the status)', function () {
  this.timeout(180_000);
  let t: TestApp;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;
  let admin: string;
  let regulator: string;

  before(async () => {
    ensureConsoleBuilt();
    setLoadedSchedules([]);
    t = await startTestApp('console_calendar');
    admin = await t.key(['admin'], { name: '系统管理员 赵敏' });
    regulator = await t.key(['regulator'], { name: '监管员 刘强' });
    ({ server, baseUrl, browser } = await openConsole(t.app));
  });
  after(async () => {
    setLoadedSchedules([]);
    await closeConsole({ browser, server });
    await t?.close();
  });

  it('admin: sees 2027 as 暂定, gets the API’s message under the field for a bad schedule, loads a valid one and sees the recompute counts', async () => {
    const c = await signedIn(browser, baseUrl, admin, DESKTOP);
    const { page } = c;
    await page.getByRole('heading', { name: '节假日安排（工作日计算）' }).waitFor();
    const row2027 = page.locator('#calendar-years tr[data-year="2027"]');
    await row2027.waitFor();
    expect(await row2027.innerText()).to.include('暂定');

    await page.getByRole('textbox', { name: '年度', exact: true }).fill('2027');
    await page.getByRole('textbox', { name: '依据（通知文号）' }).fill('国办发明电〔2026〕测试号');
    await page.getByRole('textbox', { name: '放假日期' }).fill('2027-01-01..2027-01-03\n2027-02-05..2027-02-12\n2027-04-03..2027-04-05\n2027-05-01..2027-05-05\n2027-06-09 2027-09-15\n2027-10-01..2027-10-07');
    await page.getByRole('textbox', { name: '调休上班日期（周六、周日）' }).fill('2027-02-22');
    await page.getByRole('button', { name: '导入并重算期限' }).click();
    const error = page.locator('.field-error[data-path="workdays"]');
    await error.waitFor();
    expect(await error.innerText()).to.include('不是周六或周日');

    await page.getByRole('textbox', { name: '调休上班日期（周六、周日）' }).fill('2027-02-20, 2027-10-09');
    await page.getByRole('button', { name: '导入并重算期限' }).click();
    const result = page.locator('[data-testid="load-result"]');
    await result.waitFor();
    expect(await result.innerText()).to.match(/2027 年放假安排已导入（第 1 次）/);
    expect(await result.innerText()).to.match(/公示期限 \d+\/\d+/);
    await page.locator('#calendar-years tr[data-year="2027"]', { hasText: '正式' }).waitFor();
    expect(await row2027.innerText()).to.include('国办发明电〔2026〕测试号');
    await expectNoHorizontalOverflow(page, 'calendar');
    await screenshot(page, '11-admin-calendar');
    expect(c.problems.filter((p) => !p.includes('status of 400'))).to.deep.equal([]); // the refused schedule
    await c.close();
    await expectAudited('calendar.load', '2027', { principalName: '系统管理员 赵敏' });
  });

  it('regulator: sees the status of each year from the navigation, without the load form', async () => {
    const c = await signedIn(browser, baseUrl, regulator, DESKTOP);
    const { page } = c;
    await page.getByRole('link', { name: '节假日安排' }).click();
    await page.locator('#calendar-years tr[data-year="2026"]').waitFor();
    expect(await page.locator('#calendar-years tr[data-year="2026"]').innerText()).to.include('正式');
    expect(await page.locator('#load-schedule').count()).to.equal(0);
    expect(c.problems).to.deep.equal([]);
    await c.close();
  });
});

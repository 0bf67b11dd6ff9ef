import type { Server } from 'node:http';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { parse as parseCsv } from 'csv-parse/sync';
import { startTestApp, type TestApp } from '../support/app.js';
import { enterpriseBody } from '../support/fixtures.js';
import { ID_ZHANG, enterpriseWithPenalty, listThroughHttp, type Keys } from '../support/dishonesty.js';
import { closeConsole, DESKTOP, ensureConsoleBuilt, expectLayoutOk, openConsole, PHONE, screenshot, signedIn } from '../support/browser.js';
import { todayInShanghai } from '../../src/lib/calendar.js';

/** Browser-reported failed requests the test provokes on purpose (a refused USCC, a feedback recorded twice). */
const expected = (p: string) => /status of (400|409)/.test(p);

describe('web console: 联合惩戒协同部门 (partner) — check, batch comparison, exports with manifest, feedback', function () {
  this.timeout(240_000);
  let t: TestApp;
  let server: Server;
  let baseUrl: string;
  let browser: Browser;
  const keys = {} as Keys;
  /** A unit listed 10 days ago with its principal person 张三; a unit listed 20 days ago on the default measures. */
  let unit: { uscc: string; name: string; id: string; decisionNumber: string };
  let other: { uscc: string; name: string; id: string };
  const today = todayInShanghai();
  const badUscc = () => unit.uscc.slice(0, 17) + (unit.uscc[17] === '0' ? '1' : '0');
  const badId = ID_ZHANG.slice(0, 17) + (ID_ZHANG[17] === '0' ? '1' : '0');

  before(async () => {
    ensureConsoleBuilt();
    t = await startTestApp('console_partner');
    keys.clerk = await t.key(['clerk'], { name: '录入员 王芳' });
    keys.reviewer = await t.key(['reviewer'], { name: '审核员 陈静' });
    keys.regulator = await t.key(['regulator'], { name: '监管员 刘强' });
    keys.partner = await t.key(['partner'], { name: '市发展改革委' });
    const a = await enterpriseWithPenalty(t, keys, 93_001, 60);
    const la = await listThroughHttp(t, keys, a, 10, { ground: 'd', measures: ['M01', 'M03', 'M05', 'M07'], persons: [{ role: 'principal', name: '张三', idType: '身份证', idNumber: ID_ZHANG, position: '总经理' }] });
    unit = { uscc: a.uscc, name: a.name, id: la.id, decisionNumber: la.body.decision.decisionNumber };
    const b = await enterpriseWithPenalty(t, keys, 93_002, 70);
    const lb = await listThroughHttp(t, keys, b, 20);
    other = { uscc: b.uscc, name: b.name, id: lb.id };
    ({ server, baseUrl, browser } = await openConsole(t.app));
  });

  after(async () => {
    await closeConsole({ browser, server });
    await t?.close();
  });

  async function check(page: Page, subject: string) {
    await page.getByRole('textbox', { name: '统一社会信用代码或身份证号码' }).fill(subject);
    await page.getByRole('button', { name: '查询', exact: true }).click();
  }

  /** The whole job at one screen size; `measure` is the one fed back (each run its own). */
  async function journey(viewport: typeof DESKTOP, tag: string, measure: { code: string; text: string }) {
    const c = await signedIn(browser, baseUrl, keys.partner, viewport);
    const { page } = c;
    const nav = async (name: string) => {
      if (viewport === PHONE) await page.getByRole('button', { name: '菜单' }).click();
      await page.getByRole('link', { name, exact: true }).click();
    };

    // 1. One subject: the listed unit by its code, in words, with the listing's ground, decision, period and measures.
    await page.getByRole('heading', { name: '严重失信主体名单查询' }).waitFor();
    await check(page, unit.uscc);
    const answer = page.locator('[data-testid="check-answer"][data-result="listed"]');
    await answer.waitFor();
    expect(await answer.innerText()).to.include(`${unit.name} ${today} 在安全生产严重失信主体名单内`);
    const listing = page.locator(`[data-testid="listing"][data-listing-id="${unit.id}"]`);
    expect(await listing.innerText())
      .to.include(unit.decisionNumber)
      .and.include('瞒报、谎报生产安全事故')
      .and.include('依法限制参加政府采购活动')
      .and.include('主要负责人 张三（110105********1232）');
    await expectLayoutOk(page, `check listed ${tag}`);
    await screenshot(page, `partner-${tag}-1-check-listed`);
    // … a person by ID number (masked in the answer) …
    await check(page, ID_ZHANG);
    await page.locator('[data-testid="check-answer"][data-result="listed"]', { hasText: '张三' }).waitFor();
    expect(await page.locator('[data-testid="listing"]').first().innerText()).to.include('列入人员').and.include('主要负责人 张三（110105********1232）');
    expect(await page.locator('main').innerText()).to.not.include(ID_ZHANG);
    // … a mistyped ID number is 格式无效, never "not listed" …
    await check(page, badId);
    const invalid = page.locator('[data-testid="check-answer"][data-result="invalid"]');
    await invalid.waitFor();
    expect(await invalid.innerText()).to.include('格式无效').and.include('身份证号码校验不通过');
    // … a mistyped USCC: the API's message under the field.
    await check(page, badUscc());
    const fieldError = page.locator('.field-error[data-path="uscc"]');
    await fieldError.waitFor();
    expect(await fieldError.innerText()).to.include('校验位');
    await expectLayoutOk(page, `check invalid ${tag}`);
    // … a unit never listed.
    await check(page, enterpriseCode(93_099));
    await page.locator('[data-testid="check-answer"][data-result="not_listed"]', { hasText: '不在安全生产严重失信主体名单内' }).waitFor();

    // 2. Batch comparison: a CSV with codes, a name, an ID number and malformed codes; the answer file downloads.
    await nav('批量比对');
    await page.getByRole('heading', { name: '批量比对' }).waitFor();
    const rows = ['统一社会信用代码或名称', unit.uscc, other.name, '某不存在的公司', ID_ZHANG, badUscc(), `${unit.uscc.slice(0, 8)}-${unit.uscc.slice(8, 12)}`];
    await page.getByLabel('比对文件').setInputFiles({ name: '待比对名单.csv', mimeType: 'text/csv', buffer: Buffer.from(`\uFEFF${rows.join('\r\n')}\r\n`) });
    await page.getByRole('button', { name: '开始比对' }).click();
    const summary = page.locator('[data-testid="compare-summary"]');
    await summary.waitFor();
    expect(await summary.innerText()).to.include('共 6 个主体，在名单内 3 个，不在名单内 1 个，格式无效 2 个');
    const resultOf = (row: number) => page.locator(`#compare-result tr[data-row="${row}"]`);
    expect(await resultOf(2).getAttribute('data-result')).to.equal('listed');
    expect(await resultOf(3).innerText()).to.include('在名单内').and.include('单位名称');
    expect(await resultOf(4).innerText()).to.include('不在名单内');
    expect(await resultOf(5).innerText()).to.include('110105********1232').and.include('证件号码');
    expect(await resultOf(6).innerText()).to.include('格式无效').and.include('统一社会信用代码校验位错误');
    expect(await resultOf(7).innerText()).to.include('格式无效').and.include('应为 18 位');
    await expectLayoutOk(page, `comparison ${tag}`);
    await screenshot(page, `partner-${tag}-2-comparison`);
    const [answerFile] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载比对结果（CSV）' }).click()]);
    expect(answerFile.suggestedFilename()).to.equal(`comparison-${today}.csv`);
    const csv = readFileSync((await answerFile.path())!, 'utf8');
    expect(csv.charCodeAt(0)).to.equal(0xfeff);
    const answerRows = parseCsv(csv, { bom: true, columns: true }) as Record<string, string>[];
    expect(answerRows.map((r) => r['是否在名单内'])).to.deep.equal(['是', '是', '否', '是', '无效', '无效']);
    expect(answerRows[4]['识别方式']).to.equal('格式无效');
    await page.locator('[data-testid="compare-saved"]').waitFor();

    // 3. Export: today's list as CSV, its manifest's sha256 that of the bytes received; then a delta as XLSX.
    await nav('名单导出');
    await page.getByRole('heading', { name: '名单导出' }).waitFor();
    const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出并下载' }).click()]);
    expect(file.suggestedFilename()).to.equal(`dishonesty-list_asof-${today}.csv`);
    const bytes = readFileSync((await file.path())!);
    expect(bytes.toString('utf8')).to.include(unit.name).and.include(other.name);
    const done = page.locator('[data-testid="export-done"]');
    await done.waitFor();
    expect(await done.locator('[data-testid="manifest-sha256"]').innerText()).to.equal(createHash('sha256').update(bytes).digest('hex'));
    expect(Number(await done.locator('[data-testid="manifest-rows"]').innerText())).to.equal(3); // two units and one person
    expect(await done.innerText()).to.include('已完成').and.include('时点名单').and.include(`${today} 在名单内`).and.include('市发展改革委（在线导出）');
    await page.locator('#exports tbody tr').first().waitFor();
    await expectLayoutOk(page, `export ${tag}`);
    await screenshot(page, `partner-${tag}-3-export-manifest`);
    await page.getByLabel('文件格式').selectOption('xlsx');
    await page.getByLabel('增量：某时刻以来的新增、移出和变更').check();
    await page.getByLabel('起始时间（北京时间）').fill(`${todayMinus(40)}T08:00`);
    const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出并下载' }).click()]);
    expect(xlsx.suggestedFilename()).to.match(/^dishonesty-list_delta_.*\.xlsx$/);
    expect(readFileSync((await xlsx.path())!).subarray(0, 2).toString()).to.equal('PK');
    await page.locator('[data-testid="export-done"]', { hasText: '增量变更' }).waitFor();
    expect(await page.locator('[data-testid="export-done"]').innerText()).to.include('XLSX');
    // Earlier exports keep their manifests: the CSV one, opened from the list.
    const csvRow = page.locator('#exports tbody tr', { hasText: `${today} 在名单内` }).first();
    await csvRow.getByRole('button', { name: '查看清单' }).click();
    expect(await page.locator('[data-testid="manifest-shown"] [data-testid="manifest-sha256"]').innerText()).to.equal(createHash('sha256').update(bytes).digest('hex'));

    // 4. Feedback: from the check answer to the listing's form; the measure recorded, as the API answers it.
    await nav('名单查询');
    await check(page, unit.uscc);
    await page.locator(`[data-testid="listing"][data-listing-id="${unit.id}"]`).getByRole('link', { name: '登记惩戒措施反馈' }).click();
    await page.getByRole('heading', { name: '联合惩戒措施反馈' }).waitFor();
    const form = page.locator(`#listing-${unit.id} [data-testid="feedback-form"]`);
    await form.waitFor();
    await form.getByLabel('实施的惩戒措施').selectOption(measure.code);
    await form.getByLabel('本部门案件编号或文书号').fill(`发改信用〔2026〕${tag}号`);
    await form.getByLabel('说明').fill('已取消其政府采购投标资格');
    await expectLayoutOk(page, `feedback form ${tag}`);
    await form.getByRole('button', { name: '登记反馈' }).click();
    const saved = page.locator('[data-testid="feedback-saved"]');
    await saved.waitFor();
    expect(await saved.innerText()).to.include('惩戒措施反馈已登记').and.include(measure.text).and.include(`发改信用〔2026〕${tag}号`).and.include('市发展改革委').and.include(today);
    await expectLayoutOk(page, `feedback saved ${tag}`);
    await screenshot(page, `partner-${tag}-4-feedback`);
    const problems = c.problems;
    await c.close();
    return { problems };
  }

  const enterpriseCode = (n: number) => enterpriseBody(n).uscc;
  const todayMinus = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

  it('desktop: checks a unit and a person, compares a file and downloads the answer, exports with its manifest, feeds back a measure (twice: refused)', async () => {
    const { problems } = await journeyWithDuplicate(DESKTOP, 'desktop', { code: 'M03', text: '依法限制参加政府采购活动' });
    expect(problems.filter((p) => !expected(p))).to.deep.equal([]);
    // Staff see the feedback.
    const fb = await t.request.get(`/api/v1/dishonesty-list/measures?caseId=${unit.id}`).set('X-API-Key', keys.regulator);
    expect(fb.body.items.map((f: { measure: { code: string }; partner: { name: string } }) => `${f.partner.name}:${f.measure.code}`)).to.include('市发展改革委:M03');
  });

  it('phone (390×844): the same job, every screen without sideways scrolling or clipped text', async () => {
    const { problems } = await journey(PHONE, 'phone', { code: 'M01', text: '加大执法检查频次，列为重点监管监察对象' });
    expect(problems.filter((p) => !expected(p))).to.deep.equal([]);
  });

  /** The desktop journey, then the same feedback sent again: the API's 409 message in the form. */
  async function journeyWithDuplicate(viewport: typeof DESKTOP, tag: string, measure: { code: string; text: string }) {
    const out = await journey(viewport, tag, measure);
    const c = await signedIn(browser, baseUrl, keys.partner, viewport);
    const { page } = c;
    await page.goto(`${baseUrl}/console/#/feedback?uscc=${unit.uscc}&listing=${unit.id}`);
    const form = page.locator(`#listing-${unit.id} [data-testid="feedback-form"]`);
    await form.waitFor();
    await form.getByLabel('实施的惩戒措施').selectOption(measure.code);
    await form.getByLabel('本部门案件编号或文书号').fill(`发改信用〔2026〕${tag}号`);
    await form.getByRole('button', { name: '登记反馈' }).click();
    await form.locator('.alert-error', { hasText: '本部门已登记过该案件的这项惩戒措施' }).waitFor();
    const problems = [...out.problems, ...c.problems];
    await c.close();
    return { problems };
  }
});

/**
 * Browser tests of the web console: Debian's chromium (installed by scripts/setup-browser.mjs) driven by
 * playwright-core, against the real app listening on a free port. Screenshots go to artifacts/screenshots/.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Express } from 'express';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = resolve('artifacts', 'screenshots');
const WEB_SRC = resolve('web');
const WEB_DIST = resolve('dist', 'web');

/** Newest modification time under a folder. */
function newest(dir: string): number {
  let t = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

/** Builds the console (as `npm run build:web` does) when dist/web is missing or older than web/. */
export function ensureConsoleBuilt(): void {
  const index = join(WEB_DIST, 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newest(WEB_SRC)) return;
  const r = spawnSync(process.execPath, [resolve('node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: the web console tests need Debian's chromium (npm install runs scripts/setup-browser.mjs; or apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  // Without the background-networking switches chromium keeps reaching out and misbehaves on a closed network.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--lang=zh-CN', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** Serves the app on 127.0.0.1 and a free port. */
export async function listen(app: Express): Promise<{ server: Server; baseUrl: string }> {
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

export const DESKTOP = { width: 1366, height: 768 };
export const PHONE = { width: 390, height: 844 };

export interface ConsolePage {
  page: Page;
  /** Console errors and uncaught exceptions seen so far (a CSP violation shows up here). */
  problems: string[];
  close(): Promise<void>;
}

/** A fresh browser context (its own sessionStorage) signed in with an API key. */
export async function signedIn(browser: Browser, baseUrl: string, apiKey: string, viewport = DESKTOP): Promise<ConsolePage> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', acceptDownloads: true });
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  await page.goto(`${baseUrl}/`);
  await page.waitForURL(/\/console\/$/);
  await page.getByRole('textbox', { name: 'API 密钥' }).fill(apiKey);
  await page.getByRole('button', { name: '登录' }).click();
  await page.locator('[data-testid="who"]').waitFor();
  return { page, problems, close: () => context.close() };
}

/** The page does not scroll sideways (tables scroll inside their cards). */
export async function expectNoHorizontalOverflow(page: Page, what: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate<{ scrollWidth: number; innerWidth: number }>('({ scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth })');
  expect(scrollWidth, `${what}: page wider than the ${innerWidth}px viewport`).to.be.at.most(innerWidth);
}

/** No text clipped: no element whose text overflows a box that hides it (overflow hidden / ellipsis). */
export async function expectNoClippedText(page: Page, what: string): Promise<void> {
  // Runs in the page (a string: the project's type-check has no DOM library).
  const clipped = await page.evaluate<string[]>(`(() => {
    const out = [];
    for (const el of document.querySelectorAll('main *, header *')) {
      if (!el.textContent.trim() || el.closest('.sr-only, .table-wrap, .skip')) continue;
      const cs = getComputedStyle(el);
      const hides = cs.overflowX === 'hidden' || cs.overflowY === 'hidden' || cs.textOverflow === 'ellipsis';
      if (hides && (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1)) out.push(el.textContent.trim().slice(0, 40));
    }
    return out;
  })()`);
  expect(clipped, `${what}: clipped text`).to.deep.equal([]);
}

/** Both checks of a screen's layout at its width: no sideways scrolling, no clipped text. */
export async function expectLayoutOk(page: Page, what: string): Promise<void> {
  await expectNoHorizontalOverflow(page, what);
  await expectNoClippedText(page, what);
}

/** The app on a free port and a browser for it: what every console test starts with. */
export async function openConsole(app: Express): Promise<{ server: Server; baseUrl: string; browser: Browser }> {
  const { server, baseUrl } = await listen(app);
  return { server, baseUrl, browser: await launchChromium() };
}

/** Closes what openConsole opened (either may be missing when a before hook failed). */
export async function closeConsole(c: { browser?: Browser; server?: Server }): Promise<void> {
  await c.browser?.close();
  await new Promise((r) => (c.server ? c.server.close(r) : r(undefined)));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

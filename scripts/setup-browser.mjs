#!/usr/bin/env node
// Installs the browser the web console's end-to-end tests drive: Debian's `chromium` package
// (playwright-core is the driver; it downloads no browser of its own), and a small Chinese font
// (`fonts-wqy-microhei`: without one, Chinese text renders as empty boxes in the screenshots).
// Idempotent: skips what is there (/usr/bin/chromium, or CHROMIUM_PATH; any font for zh).
//
// As root (the developers' machines and CI) it runs `apt-get install -y --no-install-recommends
// <missing packages>`, with `apt-get update` first when the package lists are missing or do not know
// chromium. Not root and no browser: it says how to install one and carries on (the service itself
// does not need it); CI=true or SETUP_BROWSER_REQUIRED=1 make that a failure instead.
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const browser = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const required = process.env.CI === 'true' || process.env.SETUP_BROWSER_REQUIRED === '1';

function log(msg) {
  process.stdout.write(`[setup-browser] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[setup-browser] ERROR: ${msg}\n`);
  process.exit(1);
}

function run(cmd, args) {
  log(`$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (r.error) return { ok: false, why: r.error.message };
  return { ok: r.status === 0, why: `exit code ${r.status}` };
}

function version() {
  const r = spawnSync(browser, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function aptKnowsChromium() {
  const r = spawnSync('apt-cache', ['policy', 'chromium'], { encoding: 'utf8' });
  return r.status === 0 && /Candidate:\s*(?!\(none\))\S+/.test(r.stdout);
}

function aptListsPresent() {
  try {
    return readdirSync('/var/lib/apt/lists').some((f) => f.endsWith('_Packages') || f.includes('_Packages.'));
  } catch {
    return false;
  }
}

if (process.env.SKIP_BROWSER_SETUP === '1') {
  log('SKIP_BROWSER_SETUP=1: not checking for chromium (the web console tests will not run without it).');
  process.exit(0);
}

function hasChineseFont() {
  const r = spawnSync('fc-list', [':lang=zh'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

const missing = [];
if (!existsSync(browser)) missing.push('chromium');
if (!hasChineseFont()) missing.push('fonts-wqy-microhei');
if (missing.length === 0) {
  log(`chromium present at ${browser}: ${version() ?? 'version unknown'}; a Chinese font is installed; skipping.`);
  process.exit(0);
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('apt-get', ['--version'], { encoding: 'utf8' }).status === 0;
if (!isRoot || !hasApt) {
  const how = `install them (sudo apt-get install --no-install-recommends ${missing.join(' ')})${missing.includes('chromium') ? ' or set CHROMIUM_PATH' : ''}`;
  const why = !hasApt ? 'no apt-get' : 'not root';
  if (required) fail(`missing ${missing.join(', ')} and this process cannot install them (${why}): ${how}.`);
  log(`missing ${missing.join(', ')}, which cannot be installed here (${why}): ${how}. The web console browser tests need them.`);
  process.exit(0);
}

log(`missing ${missing.join(', ')}: installing the Debian package(s) for the web console browser tests …`);
if (!aptListsPresent() || (missing.includes('chromium') && !aptKnowsChromium())) {
  log('apt package lists are missing or do not list chromium: updating them first.');
  const u = run('apt-get', ['update']);
  if (!u.ok) fail(`apt-get update failed (${u.why}).`);
}
const i = run('apt-get', ['install', '-y', '--no-install-recommends', ...missing]);
if (!i.ok) fail(`apt-get install ${missing.join(' ')} failed (${i.why}).`);
if (!existsSync(browser)) fail(`apt-get installed chromium but ${browser} does not exist.`);
const v = version();
if (!v) fail(`${browser} was installed but does not start (${browser} --version failed).`);
if (!hasChineseFont()) fail('no Chinese font is known to fontconfig after the install (fc-list :lang=zh is empty).');
log(`chromium ready at ${browser}: ${v}; Chinese font installed.`);

#!/usr/bin/env node
// Builds the embedded database (FerretDB 1.24.2, SQLite backend, with the patch set in
// scripts/ferretdb/patches) into ./.bin once.
//
// Idempotent: skips when .bin/ferretdb reports v1.24.2 and .bin/ferretdb.stamp holds the hash of the
// current patch set; rebuilds whenever a patch is added, removed or changed.
//
// Why not a bare `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: that binary panics
// at start ("Invalid build/version/version.txt file content") because the module zip lacks the
// generated build/version/version.txt, and it would lack our patches. So we take the very same module
// from the Go module proxy (`go mod download`, the only download), copy it, apply the patches in
// order, write that one generated file (what FerretDB's `task gen-version` does) and `go build` its
// cmd/ferretdb into ./.bin.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, chmodSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, '.bin');
const bin = join(binDir, 'ferretdb');
const stampFile = join(binDir, 'ferretdb.stamp');
const patchDir = join(root, 'scripts', 'ferretdb', 'patches');

function log(msg) { process.stdout.write(`[setup-db] ${msg}\n`); }

function installedVersion() {
  if (!existsSync(bin)) return null;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const m = /version:\s*(v\S+)/.exec(r.stdout ?? '');
  return r.status === 0 && m ? m[1] : null;
}

const patches = readdirSync(patchDir).filter((f) => f.endsWith('.patch')).sort();
/** Identifies what is built: the FerretDB version and the exact patch set. */
const stamp = (() => {
  const h = createHash('sha256').update(`${VERSION}\n`);
  for (const p of patches) h.update(`${p}\n`).update(readFileSync(join(patchDir, p)));
  return `${VERSION}+${h.digest('hex').slice(0, 16)}`;
})();
const installedStamp = () => (existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : null);

// The former workaround tool (an extra _id index), superseded by patch 0002.
rmSync(join(binDir, 'ferretdb-id-index'), { force: true });

if (installedVersion() === VERSION && installedStamp() === stamp) {
  log(`FerretDB ${stamp} already built at ${bin}; skipping.`);
  process.exit(0);
}
const go = spawnSync('go', ['version'], { encoding: 'utf8' });
if (go.status !== 0) {
  log('Go toolchain not found: the embedded database cannot be built.');
  log('Set MONGODB_URI to a MongoDB >= 6.0 server to run the service and the tests.');
  process.exit(0);
}
const env = { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
log(`building FerretDB ${stamp} (${patches.length} patches) with ${go.stdout.trim()} (about a minute)…`);
const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${MODULE}@${VERSION}`], { encoding: 'utf8', env }));
const work = mkdtempSync(join(tmpdir(), 'ferretdb-src-'));
try {
  const src = join(work, 'src');
  cpSync(info.Dir, src, { recursive: true });
  makeWritable(src);
  for (const p of patches) applyPatch(src, join(patchDir, p));
  writeFileSync(join(src, 'build', 'version', 'version.txt'), `${VERSION}\n`);
  mkdirSync(binDir, { recursive: true });
  const tmpBin = `${bin}.${process.pid}.tmp`;
  execFileSync('go', ['build', '-trimpath', '-o', tmpBin, './cmd/ferretdb'], { cwd: src, stdio: 'inherit', env });
  renameSync(tmpBin, bin);
} finally {
  rmSync(work, { recursive: true, force: true });
}
const v = installedVersion();
if (v !== VERSION) {
  log(`build finished but ${bin} reports ${v ?? 'nothing'}`);
  process.exit(1);
}
writeFileSync(stampFile, `${stamp}\n`);
log(`FerretDB ${stamp} ready at ${bin}`);

/** Applies one unified diff (text before the first `diff --git` is its description) with git, or patch(1). */
function applyPatch(dir, file) {
  log(`applying ${file.slice(root.length + 1)}`);
  const g = spawnSync('git', ['apply', '--whitespace=nowarn', file], { cwd: dir, encoding: 'utf8' });
  if (g.status === 0) return;
  if (g.error === undefined) throw new Error(`git apply ${file} failed:\n${g.stderr}`);
  execFileSync('patch', ['-p1', '--forward', '--batch', '-i', file], { cwd: dir, stdio: 'inherit' });
}

function makeWritable(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    chmodSync(p, s.mode | 0o200);
    if (s.isDirectory()) makeWritable(p);
  }
  chmodSync(dir, statSync(dir).mode | 0o200);
}

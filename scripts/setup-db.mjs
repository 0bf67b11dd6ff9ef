#!/usr/bin/env node
// Builds the embedded database (FerretDB 1.24.2, SQLite backend) into ./.bin once.
// Idempotent: skips when .bin/ferretdb already reports v1.24.2.
//
// Why not a bare `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`: that binary panics
// at start ("Invalid build/version/version.txt file content") because the module zip lacks the
// generated build/version/version.txt. So we take the very same module from the Go module proxy
// (`go mod download`), write that one generated file (what FerretDB's `task gen-version` does) and
// `go build` its cmd/ferretdb with GOBIN-equivalent output into ./.bin.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, chmodSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const binDir = join(root, '.bin');
const bin = join(binDir, 'ferretdb');

function log(msg) { process.stdout.write(`[setup-db] ${msg}\n`); }

function installedVersion() {
  if (!existsSync(bin)) return null;
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  const m = /version:\s*(v\S+)/.exec(r.stdout ?? '');
  return r.status === 0 && m ? m[1] : null;
}

const indexTool = join(binDir, 'ferretdb-id-index');

/** Our own small tool (scripts/ferretdb-id-index) that adds the _id expression index FerretDB 1.24 lacks. */
function buildIndexTool(env) {
  if (existsSync(indexTool)) return;
  log('building scripts/ferretdb-id-index …');
  execFileSync('go', ['build', '-o', indexTool, '.'], { cwd: join(root, 'scripts', 'ferretdb-id-index'), stdio: 'inherit', env });
}

if (installedVersion() === VERSION && existsSync(indexTool)) {
  log(`FerretDB ${VERSION} already built at ${bin}; skipping.`);
  process.exit(0);
}
const go = spawnSync('go', ['version'], { encoding: 'utf8' });
if (go.status !== 0) {
  log('Go toolchain not found: the embedded database cannot be built.');
  log('Set MONGODB_URI to a MongoDB >= 6.0 server to run the service and the tests.');
  process.exit(0);
}
const env = { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
if (installedVersion() === VERSION) {
  buildIndexTool(env);
  process.exit(0);
}
log(`building FerretDB ${VERSION} with ${go.stdout.trim()} (about a minute the first time)…`);
const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${MODULE}@${VERSION}`], { encoding: 'utf8', env }));
const work = mkdtempSync(join(tmpdir(), 'ferretdb-src-'));
try {
  const src = join(work, 'src');
  cpSync(info.Dir, src, { recursive: true });
  makeWritable(src);
  writeFileSync(join(src, 'build', 'version', 'version.txt'), `${VERSION}\n`);
  mkdirSync(binDir, { recursive: true });
  execFileSync('go', ['build', '-trimpath', '-o', bin, './cmd/ferretdb'], { cwd: src, stdio: 'inherit', env });
} finally {
  rmSync(work, { recursive: true, force: true });
}
const v = installedVersion();
if (v !== VERSION) {
  log(`build finished but ${bin} reports ${v ?? 'nothing'}`);
  process.exit(1);
}
buildIndexTool(env);
log(`FerretDB ${VERSION} ready at ${bin}`);

function makeWritable(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    chmodSync(p, s.mode | 0o200);
    if (s.isDirectory()) makeWritable(p);
  }
  chmodSync(dir, statSync(dir).mode | 0o200);
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { logger } from '../lib/logger.js';

/**
 * The embedded default database: FerretDB 1.24.2 on its SQLite backend with the patch set of
 * scripts/ferretdb/patches (README, "The embedded database"), started as a child process.
 *
 * The child lives exactly as long as its parent: it is started under a tiny `sh` guard that reads
 * our stdin and kills FerretDB on EOF. A normal stop closes that pipe; so does the kernel when this
 * process dies in any way (even SIGKILL), so no `ferretdb` is ever left orphaned.
 */
export interface EmbeddedDb {
  uri: string;
  port: number;
  pid?: number;
  /** True when this process started it (and so stops it); false when it reuses a running one. */
  owned: boolean;
  stop(): Promise<void>;
}

export class EmbeddedDbUnavailable extends Error {}

export interface EmbeddedOptions {
  dataDir: string;
  binPath: string;
  port?: number;
  dbName?: string;
  readyTimeoutMs?: number;
  /** Reuse a FerretDB already serving this data directory (the CLI beside a running service). */
  reuse?: boolean;
}

// fd 3 keeps our stdin pipe: an asynchronous list gets /dev/null as its stdin, so the watcher reads fd 3.
// When the pipe closes (stop(), or this process died), FerretDB gets SIGTERM, and SIGKILL if it is still
// shutting down after STOP_GRACE_S (a busy FerretDB finishing its requests could outlive us otherwise, still
// serving the connections it had).
const STOP_GRACE_S = 5;
const GUARD = `exec 3<&0; "$@" </dev/null 3<&- & pid=$!; (read _ <&3; kill -TERM "$pid" 2>/dev/null; sleep ${STOP_GRACE_S}; kill -KILL "$pid" 2>/dev/null) & wait "$pid"`;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function ping(uri: string, timeoutMs = 1000): Promise<boolean> {
  const client = new mongoose.mongo.MongoClient(uri, { serverSelectionTimeoutMS: timeoutMs, connectTimeoutMS: timeoutMs, directConnection: true });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

function lockPath(dataDir: string): string {
  return join(dataDir, 'ferretdb.lock.json');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function checkBinary(binPath: string): void {
  if (!existsSync(binPath)) {
    const hasGo = spawnSync('go', ['version']).status === 0;
    throw new EmbeddedDbUnavailable(
      hasGo
        ? `嵌入式数据库未构建：找不到 ${binPath}。请运行 \`npm install\`（或 \`node scripts/setup-db.mjs\`）构建 FerretDB，或设置 MONGODB_URI 指向 MongoDB ≥ 6.0。`
        : `嵌入式数据库不可用：找不到 ${binPath}，且本机没有 Go 工具链无法构建。请设置 MONGODB_URI 指向 MongoDB ≥ 6.0。`,
    );
  }
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedDb> {
  const dbName = opts.dbName ?? 'credit';
  mkdirSync(opts.dataDir, { recursive: true });
  if (opts.reuse) {
    const running = await findRunning(opts.dataDir, dbName);
    if (running) return running;
  }
  checkBinary(opts.binPath);
  const port = opts.port || (await freePort());
  const args = [
    '--handler=sqlite',
    // WAL + synchronous=NORMAL: durable across process crashes (SIGKILL), not across power loss.
    `--sqlite-url=file:${opts.dataDir.endsWith('/') ? opts.dataDir : opts.dataDir + '/'}?_pragma=synchronous(normal)`,
    `--listen-addr=127.0.0.1:${port}`,
    // FERRETDB_DEBUG_ADDR (e.g. 127.0.0.1:8088) serves FerretDB's metrics and Go profiles (/debug/pprof) for diagnosis; off by default.
    `--debug-addr=${process.env.FERRETDB_DEBUG_ADDR || '-'}`,
    '--state-dir=-',
    '--telemetry=disable',
    '--log-level=error',
  ];
  // Its own process group (detached), so that stop() can kill the guard and FerretDB together.
  const child: ChildProcess = spawn('sh', ['-c', GUARD, 'ferretdb-guard', opts.binPath, ...args], {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString('utf8')).slice(-4000);
  });
  let exited = false;
  const exitPromise = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      exited = true;
      child.stdin?.destroy();
      resolve(code);
    }),
  );
  // Do not keep the event loop alive just for the guard.
  child.unref();
  (child.stdin as unknown as { unref?: () => void })?.unref?.();
  (child.stderr as unknown as { unref?: () => void })?.unref?.();

  const uri = `mongodb://127.0.0.1:${port}/${dbName}`;
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 30_000);
  while (!(await ping(uri, 500))) {
    if (exited) {
      // patch 0004: FerretDB holds an exclusive lock on its data directory; a second one is refused.
      if (stderr.includes('already served by another FerretDB')) {
        throw new EmbeddedDbUnavailable(`嵌入式数据库启动失败：数据目录 ${opts.dataDir} 已由另一个 FerretDB 进程使用（每个数据目录只允许一个）。`);
      }
      throw new EmbeddedDbUnavailable(`嵌入式数据库启动失败：${stderr.trim() || '进程已退出'}`);
    }
    if (Date.now() > deadline) {
      child.stdin?.end();
      throw new EmbeddedDbUnavailable(`嵌入式数据库在规定时间内未就绪：${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  writeFileSync(lockPath(opts.dataDir), JSON.stringify({ pid: process.pid, port }));
  logger.info('embedded database ready', { engine: 'FerretDB 1.24.2 (SQLite)', port, dataDir: opts.dataDir });

  let stopping: Promise<void> | undefined;
  return {
    uri,
    port,
    pid: child.pid,
    owned: true,
    stop() {
      stopping ??= (async () => {
        if (!exited) {
          child.stdin?.end();
          // The guard kills FerretDB after its grace; this is the fallback if the guard itself is stuck.
          // Killing only the guard (as before) left a FerretDB still shutting down alive, with the
          // connections it had: clients kept talking to it after a restart.
          const timer = setTimeout(() => killGroup(child), (STOP_GRACE_S + 2) * 1000);
          await exitPromise;
          clearTimeout(timer);
        }
        try {
          const lock = JSON.parse(readFileSync(lockPath(opts.dataDir), 'utf8')) as { pid: number };
          if (lock.pid === process.pid) rmSync(lockPath(opts.dataDir), { force: true });
        } catch {
          /* no lock */
        }
        logger.info('embedded database stopped');
      })();
      return stopping;
    },
  };
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

async function findRunning(dataDir: string, dbName: string): Promise<EmbeddedDb | null> {
  try {
    const lock = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as { pid: number; port: number };
    if (!pidAlive(lock.pid)) return null;
    const uri = `mongodb://127.0.0.1:${lock.port}/${dbName}`;
    if (!(await ping(uri, 1000))) return null;
    return { uri, port: lock.port, owned: false, stop: async () => undefined };
  } catch {
    return null;
  }
}

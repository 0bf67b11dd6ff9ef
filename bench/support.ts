import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import mongoose from 'mongoose';
import { startEmbedded, type EmbeddedDb } from '../src/db/embedded.js';
import { connectMongoose } from '../src/db/connection.js';
import { createApp } from '../src/app.js';
import { setLogLevel } from '../src/lib/logger.js';
import { createApiKey, type Role } from '../src/modules/auth/index.js';

setLogLevel('error');

export interface BenchEnv {
  uri: string;
  baseUrl: string;
  key(roles: Role[], uscc?: string): Promise<string>;
  close(): Promise<void>;
}

/** The real app on a real loopback port, over the embedded FerretDB (or MONGODB_URI) in a throw-away directory. */
export async function startBenchEnv(label: string): Promise<BenchEnv> {
  let embedded: EmbeddedDb | undefined;
  let dir: string | undefined;
  let uri = process.env.MONGODB_URI;
  if (!uri) {
    dir = mkdtempSync(join(tmpdir(), `bench-${label}-`));
    embedded = await startEmbedded({ dataDir: dir, binPath: process.env.FERRETDB_BIN ?? resolve('.bin/ferretdb'), dbName: 'bench' });
    uri = embedded.uri;
  }
  await connectMongoose(uri, `bench_${label}_${Date.now()}`);
  // Limits high enough never to throttle the load, so the limiters' cost is still measured.
  const server = http.createServer(createApp({ bodyLimit: '10mb', rateLimit: { perMinute: 1e9, ipPerMinute: 1e9 } }));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    uri,
    baseUrl: `http://127.0.0.1:${port}`,
    async key(roles, uscc) {
      return (await createApiKey({ name: 'bench', roles, uscc })).key;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await mongoose.connection.dropDatabase().catch(() => undefined);
      await mongoose.disconnect();
      await embedded?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs `fn` over `items` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

export function rate(n: number, ms: number): string {
  return `${((n / ms) * 1000).toFixed(0)}/s`;
}

export function report(title: string, rows: Record<string, string | number>[]): void {
  process.stdout.write(`\n== ${title}\n`);
  console.table(rows);
}

export const keepAliveAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export async function postJson(url: string, key: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolvePromise, reject) => {
    const req = http.request(url, { method: 'POST', agent: keepAliveAgent, headers: { 'content-type': 'application/json', 'content-length': payload.length, 'x-api-key': key } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolvePromise({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

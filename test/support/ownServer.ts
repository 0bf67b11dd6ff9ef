import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'chai';
import mongoose from 'mongoose';
import { startEmbedded, type EmbeddedDb } from '../../src/db/embedded.js';

/**
 * An embedded database server of a test's own, in its own directory, for database tests that restart it:
 * `open()` (re)starts it on that directory and returns the database; `dispose()` stops it and removes the
 * directory. The binary is `FERRETDB_BIN` or the project's build.
 */
export function ownServer(prefix: string, dbName: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let server: EmbeddedDb | undefined;
  let client: InstanceType<typeof mongoose.mongo.MongoClient> | undefined;
  const stop = async () => {
    await client?.close();
    await server?.stop();
    client = server = undefined;
  };
  return {
    async open(): Promise<mongoose.mongo.Db> {
      await stop();
      server = await startEmbedded({ dataDir: dir, binPath: process.env.FERRETDB_BIN ?? resolve('.bin/ferretdb'), dbName });
      client = new mongoose.mongo.MongoClient(server.uri, { directConnection: true });
      await client.connect();
      return client.db(dbName);
    },
    async dispose(): Promise<void> {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The SQL the embedded database runs for a find and SQLite's plan of it, from explain. */
export async function planOf(cursor: mongoose.mongo.FindCursor): Promise<{ sql: string; plan: string }> {
  const explain = (await cursor.explain()) as { queryPlanner?: { SQL?: string; Plan?: string[] } };
  return { sql: explain.queryPlanner?.SQL ?? '', plan: (explain.queryPlanner?.Plan ?? []).join('\n') };
}

/** The comment that turns the embedded database's pushdown off for one query: a full scan filtered in Go. */
export const FULL_SCAN = 'ferretdb:nopushdown';

/**
 * Runs one query twice, as the database plans it (`ask({})`) and as a full scan (`ask({ comment: FULL_SCAN })`:
 * the options to pass to `find`), expects the same answer and returns it. On MongoDB the comment is only a
 * comment: both runs are the same query.
 */
export async function sameAsScan<T>(ask: (options: { comment?: string }) => Promise<T>, label: string): Promise<T> {
  const got = await ask({});
  expect(got, label).to.deep.equal(await ask({ comment: FULL_SCAN }));
  return got;
}

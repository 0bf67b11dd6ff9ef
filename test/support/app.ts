import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import mongoose from 'mongoose';
import supertest from 'supertest';
import type { Express } from 'express';
import { connectMongoose } from '../../src/db/connection.js';
import { createApp, type AppOptions } from '../../src/app.js';
import { createApiKey, type Role } from '../../src/modules/auth/index.js';
import { expectWritesAudited, type SeenWrite } from './audit.js';

export interface TestApp {
  app: Express;
  request: ReturnType<typeof supertest>;
  dbName: string;
  /** Successful write requests made through `request` (checked for audit entries by `close`). */
  writes: SeenWrite[];
  /** Creates a real API key with these roles and returns it in clear. */
  key(roles: Role[], extra?: { uscc?: string; scope?: string[]; name?: string; expiresAt?: Date; authorityUscc?: string; authorityName?: string; fullIdNumbers?: boolean }): Promise<string>;
  /** Another app instance on the same database, with other options (JWT, CORS, rate limits). */
  withOptions(options: Partial<AppOptions>): ReturnType<typeof supertest>;
  /** Checks that every successful write left its audit entry, then drops the database. */
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Wraps an app so every successful write request through it is remembered. */
function tracking(app: Express, writes: SeenWrite[]) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (WRITE_METHODS.has(req.method ?? '')) {
      res.on('finish', () => {
        if (res.statusCode >= 200 && res.statusCode < 300) {
          writes.push({ method: req.method!, url: req.url ?? '', status: res.statusCode, requestId: String(res.getHeader('x-request-id')) });
        }
      });
    }
    app(req, res);
  };
}

/** The real app on its own database of the run's database server. One per test file. */
export async function startTestApp(label: string, options: Partial<AppOptions> = {}): Promise<TestApp> {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI not set: run through mocha (test/support/hooks.ts)');
  const dbName = `t_${label.replace(/[^A-Za-z0-9]/g, '_')}_${randomBytes(3).toString('hex')}`;
  if (mongoose.connection.readyState !== 0) await mongoose.disconnect();
  await connectMongoose(uri, dbName);
  const base: AppOptions = { bodyLimit: '1mb', ...options };
  const app = createApp(base);
  const writes: SeenWrite[] = [];
  return {
    app,
    request: supertest(tracking(app, writes)),
    dbName,
    writes,
    async key(roles, extra = {}) {
      const { key } = await createApiKey({ ...extra, name: extra.name ?? `test-${roles.join('+')}`, roles });
      return key;
    },
    withOptions(more) {
      return supertest(tracking(createApp({ ...base, ...more }), writes));
    },
    async close() {
      try {
        await expectWritesAudited(writes);
      } finally {
        await mongoose.connection.dropDatabase().catch(() => undefined);
        await mongoose.disconnect();
      }
    },
  };
}

export function expectErrorShape(body: unknown): asserts body is { error: { code: string; message: string; details: { path: string; message: string }[]; requestId: string } } {
  const b = body as { error?: Record<string, unknown> };
  if (!b?.error || typeof b.error.code !== 'string' || typeof b.error.message !== 'string' || !Array.isArray(b.error.details) || typeof b.error.requestId !== 'string') {
    throw new Error(`not the documented error shape: ${JSON.stringify(body)}`);
  }
}

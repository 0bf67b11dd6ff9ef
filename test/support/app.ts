import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import supertest from 'supertest';
import type { Express } from 'express';
import { connectMongoose } from '../../src/db/connection.js';
import { createApp } from '../../src/app.js';
import { createApiKey, type Role } from '../../src/modules/auth/index.js';

export interface TestApp {
  app: Express;
  request: ReturnType<typeof supertest>;
  dbName: string;
  /** Creates a real API key with these roles and returns it in clear. */
  key(roles: Role[], extra?: { uscc?: string; scope?: string[]; name?: string }): Promise<string>;
  close(): Promise<void>;
}

/** The real app on its own database of the run's database server. One per test file. */
export async function startTestApp(label: string): Promise<TestApp> {
  const uri = process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('TEST_MONGODB_URI not set: run through mocha (test/support/hooks.ts)');
  const dbName = `t_${label.replace(/[^A-Za-z0-9]/g, '_')}_${randomBytes(3).toString('hex')}`;
  if (mongoose.connection.readyState !== 0) await mongoose.disconnect();
  await connectMongoose(uri, dbName);
  const app = createApp({ bodyLimit: '1mb' });
  return {
    app,
    request: supertest(app),
    dbName,
    async key(roles, extra = {}) {
      const { key } = await createApiKey({ name: extra.name ?? `test-${roles.join('+')}`, roles, uscc: extra.uscc, scope: extra.scope });
      return key;
    },
    async close() {
      await mongoose.connection.dropDatabase().catch(() => undefined);
      await mongoose.disconnect();
    },
  };
}

export function expectErrorShape(body: unknown): asserts body is { error: { code: string; message: string; details: { path: string; message: string }[]; requestId: string } } {
  const b = body as { error?: Record<string, unknown> };
  if (!b?.error || typeof b.error.code !== 'string' || typeof b.error.message !== 'string' || !Array.isArray(b.error.details) || typeof b.error.requestId !== 'string') {
    throw new Error(`not the documented error shape: ${JSON.stringify(body)}`);
  }
}

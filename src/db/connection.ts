import mongoose from 'mongoose';
import type { Config } from '../config.js';
import { join } from 'node:path';
import { addIdIndexes, startEmbedded, type EmbeddedDb } from './embedded.js';
import { projectRoot } from '../config.js';
import { logger } from '../lib/logger.js';
import { configureDocLocks } from './docLock.js';

// Fail fast instead of queueing operations while the database is unreachable: requests then answer 503.
mongoose.set('bufferCommands', false);
mongoose.set('autoIndex', false);
mongoose.set('strictQuery', true);

export interface Database {
  uri: string;
  embedded?: EmbeddedDb;
  close(): Promise<void>;
}

/** Connects mongoose and creates every registered model's indexes (explicitly, awaited). */
export async function connectMongoose(uri: string, dbName?: string): Promise<void> {
  await mongoose.connect(uri, {
    dbName,
    serverSelectionTimeoutMS: 5000,
    connectTimeoutMS: 5000,
    socketTimeoutMS: 60000,
    heartbeatFrequencyMS: 2000,
  });
  await ensureIndexes();
  await addIdIndexes(uri, mongoose.connection.name, join(projectRoot, '.bin'));
  await configureDocLocks();
}

export async function ensureIndexes(): Promise<void> {
  for (const model of Object.values(mongoose.models)) {
    await model.createIndexes();
  }
}

/** Opens the configured database: MONGODB_URI when set, else the embedded FerretDB under DATA_DIR. */
export async function openDatabase(config: Config, opts: { reuseEmbedded?: boolean } = {}): Promise<Database> {
  let embedded: EmbeddedDb | undefined;
  let uri = config.mongodbUri;
  if (!uri) {
    embedded = await startEmbedded({ dataDir: config.dataDir, binPath: config.ferretdbBin, port: config.embeddedDbPort, reuse: opts.reuseEmbedded });
    uri = embedded.uri;
  }
  try {
    await connectMongoose(uri);
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  logger.info('database connected', { embedded: Boolean(embedded), db: mongoose.connection.name });
  return {
    uri,
    embedded,
    async close() {
      await mongoose.disconnect();
      await embedded?.stop();
    },
  };
}

/** Readiness: the database answers a ping within a short time. */
export async function databaseReady(timeoutMs = 2000): Promise<boolean> {
  if (mongoose.connection.readyState !== 1 || !mongoose.connection.db) return false;
  const timeout = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
  const pingp = mongoose.connection.db
    .admin()
    .ping()
    .then(() => true)
    .catch(() => false);
  return Promise.race([pingp, timeout]);
}

import { hostname } from 'node:os';
import mongoose from 'mongoose';
import type { Config } from '../config.js';
import { startEmbedded, type EmbeddedDb } from './embedded.js';
import { logger } from '../lib/logger.js';

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

/** Collection the readiness probe writes its one document to. */
export const READINESS_COLLECTION = '_readiness';

/**
 * Readiness: the database answers a small WRITE within a short time — one upsert of one tiny
 * document per instance (keyed by host and pid) into `_readiness`. A ping is not enough: a database
 * whose writes hang (a locked-up connection pool, a stopped process) still answered pings.
 */
export async function databaseReady(timeoutMs = 2000): Promise<boolean> {
  const db = mongoose.connection.db;
  if (mongoose.connection.readyState !== 1 || !db) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref();
  });
  const probe = db
    .collection<{ _id: string; at: Date }>(READINESS_COLLECTION)
    .updateOne({ _id: `${hostname()}:${process.pid}` }, { $set: { at: new Date() } }, { upsert: true, maxTimeMS: timeoutMs })
    .then(() => true)
    .catch(() => false);
  try {
    return await Promise.race([probe, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

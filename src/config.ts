import Joi from 'joi';
import cron from 'node-cron';
import { resolve } from 'node:path';

/**
 * Service configuration: environment variables (names agreed in design.md), validated by joi at start.
 * Every problem is listed at once; the process then exits non-zero.
 */
export interface Config {
  port: number;
  host: string;
  mongodbUri?: string;
  dataDir: string;
  embeddedDbPort: number;
  ferretdbBin: string;
  logLevel: string;
  adminApiKey?: string;
  jobsEnabled: boolean;
  pushCron: string;
  tz: string;
  bodyLimit: string;
  shutdownTimeoutMs: number;
  platforms: {
    municipal: { url?: string; appId?: string; appSecret?: string };
    national: { url?: string; appId?: string; appSecret?: string };
  };
}

const cronExpr = Joi.string().custom((v: string, h) => (cron.validate(v) ? v : h.error('any.invalid')));
const secret = Joi.string().min(8);

const envSchema = Joi.object({
  PORT: Joi.number().port().default(3000),
  HOST: Joi.string().default('0.0.0.0'),
  MONGODB_URI: Joi.string().uri({ scheme: ['mongodb', 'mongodb+srv'] }),
  DATA_DIR: Joi.string().default('./data'),
  EMBEDDED_DB_PORT: Joi.number().port().default(0),
  FERRETDB_BIN: Joi.string(),
  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly').default('info'),
  ADMIN_API_KEY: Joi.string().min(16),
  JOBS_ENABLED: Joi.boolean().truthy('1').falsy('0').default(true),
  PUSH_CRON: cronExpr.default('*/5 * * * *'),
  TZ: Joi.string().default('Asia/Shanghai'),
  BODY_LIMIT: Joi.string().pattern(/^\d+(b|kb|mb)$/i).default('1mb'),
  SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(0).max(60000).default(10000),
  MUNICIPAL_PLATFORM_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  MUNICIPAL_PLATFORM_APP_ID: Joi.string(),
  MUNICIPAL_PLATFORM_APP_SECRET: secret,
  NATIONAL_PLATFORM_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  NATIONAL_PLATFORM_APP_ID: Joi.string(),
  NATIONAL_PLATFORM_APP_SECRET: secret,
})
  .and('MUNICIPAL_PLATFORM_URL', 'MUNICIPAL_PLATFORM_APP_ID', 'MUNICIPAL_PLATFORM_APP_SECRET')
  .and('NATIONAL_PLATFORM_URL', 'NATIONAL_PLATFORM_APP_ID', 'NATIONAL_PLATFORM_APP_SECRET')
  .unknown(true);

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const projectRoot = resolve(import.meta.dirname, import.meta.dirname.includes('/dist/') ? '../..' : '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { error, value: e } = envSchema.validate(env, { abortEarly: false, convert: true });
  if (error) throw new ConfigError(error.details.map((d) => `${d.path.join('.') || d.context?.label}: ${d.message}`));
  return {
    port: e.PORT,
    host: e.HOST,
    mongodbUri: e.MONGODB_URI,
    dataDir: resolve(e.DATA_DIR),
    embeddedDbPort: e.EMBEDDED_DB_PORT,
    ferretdbBin: e.FERRETDB_BIN ?? resolve(projectRoot, '.bin', 'ferretdb'),
    logLevel: e.LOG_LEVEL,
    adminApiKey: e.ADMIN_API_KEY,
    jobsEnabled: e.JOBS_ENABLED,
    pushCron: e.PUSH_CRON,
    tz: e.TZ,
    bodyLimit: e.BODY_LIMIT,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    platforms: {
      municipal: { url: e.MUNICIPAL_PLATFORM_URL, appId: e.MUNICIPAL_PLATFORM_APP_ID, appSecret: e.MUNICIPAL_PLATFORM_APP_SECRET },
      national: { url: e.NATIONAL_PLATFORM_URL, appId: e.NATIONAL_PLATFORM_APP_ID, appSecret: e.NATIONAL_PLATFORM_APP_SECRET },
    },
  };
}

import Joi from 'joi';
import cron from 'node-cron';
import { resolve } from 'node:path';
import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';

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
  /** Bearer tokens of the bureau's identity system; unset = API keys only. */
  jwt?: JwtConfig;
  /** Browser origins allowed by CORS; empty = no CORS headers at all. */
  corsOrigins: string[];
  rateLimit: RateLimitConfig;
  /** Largest import file (bytes); larger uploads → 413. */
  importMaxBytes: number;
  /** Where the daily serious-dishonesty list exports (and their manifests) are written. */
  exportDir: string;
}

/** Signature algorithms a token may use. `none` is never among them. */
export const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

export interface JwtConfig {
  issuer: string;
  audience: string[];
  algorithms: JwtAlgorithm[];
  /** Verification key: a PEM public key, an HMAC secret, or a local JWKS (key rotation by `kid`). */
  key: { kind: 'publicKey'; pem: string } | { kind: 'secret'; secret: string } | { kind: 'jwks'; jwks: { keys: Record<string, unknown>[] } };
  /** Claim names (dotted paths allowed, e.g. `realm_access.roles`). */
  claims: { roles: string; scope: string; uscc: string };
  clockToleranceSec: number;
}

/** Requests per minute; 0 turns a limit off. Counted per service instance. */
export interface RateLimitConfig {
  /** Per credential (API key or bearer token). */
  perMinute: number;
  /** Per client IP, credentials or not. */
  ipPerMinute: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitConfig = { perMinute: 600, ipPerMinute: 1200 };

const cronExpr = Joi.string().custom((v: string, h) => (cron.validate(v) ? v : h.error('any.invalid')));
const secret = Joi.string().min(8);

const envSchema = Joi.object({
  PORT: Joi.number().port().default(3000),
  HOST: Joi.string().default('0.0.0.0'),
  MONGODB_URI: Joi.string().uri({ scheme: ['mongodb', 'mongodb+srv'] }),
  DATA_DIR: Joi.string().default('./data'),
  EMBEDDED_DB_PORT: Joi.number().port().default(0),
  FERRETDB_BIN: Joi.string(),
  FERRETDB_DEBUG_ADDR: Joi.string().pattern(/^[\w.-]*:\d+$/),
  LOG_LEVEL: Joi.string().valid('error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly').default('info'),
  ADMIN_API_KEY: Joi.string().min(16),
  JOBS_ENABLED: Joi.boolean().truthy('1').falsy('0').default(true),
  PUSH_CRON: cronExpr.default('*/5 * * * *'),
  TZ: Joi.string().default('Asia/Shanghai'),
  BODY_LIMIT: Joi.string().pattern(/^\d+(b|kb|mb)$/i).default('1mb'),
  JOB_LEASE_MS: Joi.number().integer().min(1000).max(600000).default(30000),
  SHUTDOWN_TIMEOUT_MS: Joi.number().integer().min(0).max(60000).default(10000),
  MUNICIPAL_PLATFORM_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  MUNICIPAL_PLATFORM_APP_ID: Joi.string(),
  MUNICIPAL_PLATFORM_APP_SECRET: secret,
  NATIONAL_PLATFORM_URL: Joi.string().uri({ scheme: ['http', 'https'] }),
  NATIONAL_PLATFORM_APP_ID: Joi.string(),
  NATIONAL_PLATFORM_APP_SECRET: secret,
  JWT_ISSUER: Joi.string(),
  JWT_AUDIENCE: Joi.string(),
  JWT_ALGORITHMS: Joi.string(),
  JWT_PUBLIC_KEY: Joi.string(),
  JWT_SECRET: Joi.string().min(32),
  JWT_JWKS_FILE: Joi.string(),
  JWT_ROLES_CLAIM: Joi.string().default('roles'),
  JWT_SCOPE_CLAIM: Joi.string().default('scope'),
  JWT_USCC_CLAIM: Joi.string().default('uscc'),
  JWT_CLOCK_TOLERANCE_S: Joi.number().integer().min(0).max(300).default(30),
  CORS_ORIGINS: Joi.string().allow('').default(''),
  RATE_LIMIT_PER_MINUTE: Joi.number().integer().min(0).default(DEFAULT_RATE_LIMIT.perMinute),
  RATE_LIMIT_IP_PER_MINUTE: Joi.number().integer().min(0).default(DEFAULT_RATE_LIMIT.ipPerMinute),
  IMPORT_MAX_BYTES: Joi.string().pattern(/^\d+(b|kb|mb|gb)?$/i).default('200mb'),
  EXPORT_DIR: Joi.string().default('./exports'),
})
  .and('MUNICIPAL_PLATFORM_URL', 'MUNICIPAL_PLATFORM_APP_ID', 'MUNICIPAL_PLATFORM_APP_SECRET')
  .and('NATIONAL_PLATFORM_URL', 'NATIONAL_PLATFORM_APP_ID', 'NATIONAL_PLATFORM_APP_SECRET')
  .and('JWT_ISSUER', 'JWT_AUDIENCE')
  .oxor('JWT_PUBLIC_KEY', 'JWT_SECRET', 'JWT_JWKS_FILE')
  .unknown(true);

/** `200mb` → bytes (b, kb, mb, gb; 1 kb = 1024 b). */
export function parseBytes(v: string): number {
  const m = /^(\d+)(b|kb|mb|gb)?$/i.exec(v.trim());
  if (!m) throw new Error(`not a size: ${v}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
  return Number(m[1]) * unit;
}

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);

/** Algorithms a verification key can check; the first is the default when JWT_ALGORITHMS is unset. */
function algorithmsForKey(key: JwtConfig['key']): JwtAlgorithm[] {
  if (key.kind === 'secret') return ['HS256', 'HS384', 'HS512'];
  if (key.kind === 'jwks') return ['RS256', 'ES256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES384', 'ES512', 'EdDSA'];
  const k = createPublicKey(key.pem);
  switch (k.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec':
      return [({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' } as const)[k.asymmetricKeyDetails?.namedCurve as string] ?? 'ES256'];
    case 'ed25519':
      return ['EdDSA'];
    default:
      return [];
  }
}

/** JWT settings from the environment; problems are appended to `problems`. */
function jwtConfig(e: Record<string, string | number | undefined>, problems: string[]): JwtConfig | undefined {
  const s = (name: string) => e[name] as string | undefined;
  const keyVars = ['JWT_PUBLIC_KEY', 'JWT_SECRET', 'JWT_JWKS_FILE'].filter((n) => s(n));
  if (!s('JWT_ISSUER')) {
    for (const n of [...keyVars, ...(s('JWT_ALGORITHMS') ? ['JWT_ALGORITHMS'] : [])]) problems.push(`${n}: needs JWT_ISSUER and JWT_AUDIENCE (JWT is configured by all of them)`);
    return undefined;
  }
  if (keyVars.length === 0) {
    problems.push('JWT_ISSUER: needs one verification key: JWT_PUBLIC_KEY (PEM), JWT_SECRET (HS*) or JWT_JWKS_FILE');
    return undefined;
  }
  let key: JwtConfig['key'];
  try {
    if (s('JWT_SECRET')) key = { kind: 'secret', secret: s('JWT_SECRET')! };
    else if (s('JWT_PUBLIC_KEY')) {
      const pem = s('JWT_PUBLIC_KEY')!.replace(/\\n/g, '\n');
      if (/PRIVATE KEY/.test(pem)) throw new Error('is a private key; give the public key (SPKI PEM) or a certificate');
      createPublicKey(pem);
      key = { kind: 'publicKey', pem };
    } else {
      const jwks = JSON.parse(readFileSync(s('JWT_JWKS_FILE')!, 'utf8')) as { keys?: unknown };
      if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new Error('has no "keys" array');
      key = { kind: 'jwks', jwks: jwks as { keys: Record<string, unknown>[] } };
    }
  } catch (err) {
    problems.push(`${keyVars[0]}: unusable verification key (${(err as Error).message.split('\n')[0]})`);
    return undefined;
  }
  const usable = algorithmsForKey(key);
  const algorithms = s('JWT_ALGORITHMS') ? list(s('JWT_ALGORITHMS')) : usable.slice(0, key.kind === 'jwks' ? 2 : 1);
  const bad = algorithms.filter((a) => !usable.includes(a as JwtAlgorithm));
  if (algorithms.length === 0 || bad.length > 0) {
    problems.push(`JWT_ALGORITHMS: ${bad.join(', ') || '(empty)'} not usable with ${keyVars[0]}; allowed: ${usable.join(', ')}`);
    return undefined;
  }
  return {
    issuer: s('JWT_ISSUER')!,
    audience: list(s('JWT_AUDIENCE')),
    algorithms: algorithms as JwtAlgorithm[],
    key,
    claims: { roles: s('JWT_ROLES_CLAIM')!, scope: s('JWT_SCOPE_CLAIM')!, uscc: s('JWT_USCC_CLAIM')! },
    clockToleranceSec: e.JWT_CLOCK_TOLERANCE_S as number,
  };
}

function corsOrigins(value: string, problems: string[]): string[] {
  const origins = list(value);
  for (const o of origins) {
    let ok: boolean;
    try {
      const u = new URL(o);
      ok = (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o;
    } catch {
      ok = false;
    }
    if (!ok) problems.push(`CORS_ORIGINS: "${o}" is not an origin like https://xy.example.gov.cn (scheme, host, optional port; no path)`);
  }
  return origins;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const projectRoot = resolve(import.meta.dirname, import.meta.dirname.includes('/dist/') ? '../..' : '..');

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const { error, value: e } = envSchema.validate(env, { abortEarly: false, convert: true });
  const problems = error ? error.details.map((d) => `${d.path.join('.') || d.context?.label}: ${d.message}`) : [];
  const jwt = error?.details.some((d) => /JWT_/.test(d.message) || String(d.path[0]).startsWith('JWT_')) ? undefined : jwtConfig(e, problems);
  const cors = corsOrigins(e.CORS_ORIGINS, problems);
  if (problems.length > 0) throw new ConfigError(problems);
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
    jwt,
    corsOrigins: cors,
    rateLimit: { perMinute: e.RATE_LIMIT_PER_MINUTE, ipPerMinute: e.RATE_LIMIT_IP_PER_MINUTE },
    importMaxBytes: parseBytes(e.IMPORT_MAX_BYTES),
    exportDir: resolve(e.EXPORT_DIR),
  };
}

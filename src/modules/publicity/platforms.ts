import Joi from 'joi';
import { readConfigFile } from '../../lib/configFiles.js';

/** A credit platform (双公示 receiver): static settings from config/platforms.json, URL and secrets from env. */
export interface PlatformConfig {
  id: string;
  name: string;
  envPrefix: string;
  auth: 'token' | 'hmac';
  batchSize: number;
  timeoutMs: number;
  maxAttempts: number;
  backoff: { baseMs: number; maxMs: number };
  circuit: { failureThreshold: number; openMs: number };
  leaseMs: number;
  fieldMap: Record<string, string>;
  url?: string;
  appId?: string;
  appSecret?: string;
}

const platformSchema = Joi.object({
  id: Joi.string().pattern(/^[a-z][a-z0-9]*$/).required(),
  name: Joi.string().required(),
  envPrefix: Joi.string().pattern(/^[A-Z][A-Z0-9_]*$/).required(),
  auth: Joi.string().valid('token', 'hmac').required(),
  batchSize: Joi.number().integer().min(1).max(100).required(),
  timeoutMs: Joi.number().integer().min(100).max(120000).required(),
  maxAttempts: Joi.number().integer().min(1).max(100).required(),
  backoff: Joi.object({ baseMs: Joi.number().integer().min(1).required(), maxMs: Joi.number().integer().min(1).required() }).required(),
  circuit: Joi.object({ failureThreshold: Joi.number().integer().min(1).required(), openMs: Joi.number().integer().min(1).required() }).required(),
  leaseMs: Joi.number().integer().min(1000).required(),
  fieldMap: Joi.object().pattern(/^[A-Z_]+$/, Joi.string()).default({}),
});

const fileSchema = Joi.object({
  $comment: Joi.string(),
  platforms: Joi.array().items(platformSchema).min(1).unique('id').required(),
});

/** Platform ids, in configured order. Records carry one delivery state per id. */
export function platformIds(): string[] {
  return readConfigFile<{ platforms: PlatformConfig[] }>('platforms.json', fileSchema).platforms.map((p) => p.id);
}

export function platformConfigs(env: NodeJS.ProcessEnv = process.env): PlatformConfig[] {
  return readConfigFile<{ platforms: PlatformConfig[] }>('platforms.json', fileSchema).platforms.map((p) => ({
    ...p,
    url: env[`${p.envPrefix}_URL`],
    appId: env[`${p.envPrefix}_APP_ID`],
    appSecret: env[`${p.envPrefix}_APP_SECRET`],
  }));
}

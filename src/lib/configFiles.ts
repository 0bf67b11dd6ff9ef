import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type Joi from 'joi';
import { ConfigError, projectRoot } from '../config.js';

/**
 * Rules kept as data in `config/` (scorecard, holidays, severity, platforms …), each validated by its
 * joi schema on first use and at start-up. An invalid file stops the service listing every problem.
 */
export function configDir(): string {
  return resolve(process.env.CONFIG_DIR ?? join(projectRoot, 'config'));
}

const cache = new Map<string, unknown>();

export function readConfigFile<T>(name: string, schema: Joi.Schema): T {
  const key = `${configDir()}/${name}`;
  if (cache.has(key)) return cache.get(key) as T;
  const path = join(configDir(), name);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError([`${path}: ${(err as Error).message}`]);
  }
  const { error, value } = schema.validate(raw, { abortEarly: false, convert: true });
  if (error) throw new ConfigError(error.details.map((d) => `${path}: ${d.path.join('.')}: ${d.message}`));
  cache.set(key, value);
  return value as T;
}

/** For tests that swap CONFIG_DIR or rewrite a file. */
export function clearConfigCache(): void {
  cache.clear();
}

import type { Config } from '../src/config.js';
import type { JobDefinition } from './scheduler.js';

/** All scheduled jobs of the service. Each is thin: it calls one use case of a module. */
export function jobDefinitions(_config: Config): JobDefinition[] {
  return [];
}

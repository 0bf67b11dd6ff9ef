import { startFakePlatform, type FakePlatform } from './fakePlatform.js';
import { DeliveryEngine, createAdapter, platformConfigs, type PlatformConfig } from '../../src/modules/publicity/index.js';

/** Two local fake platforms (municipal: token auth, national: HMAC) and their platform configs. */
export async function startFakes(): Promise<{ municipal: FakePlatform; national: FakePlatform; env: Record<string, string>; stop(): Promise<void> }> {
  const municipal = await startFakePlatform({ auth: 'token' });
  const national = await startFakePlatform({ auth: 'hmac' });
  const env = {
    MUNICIPAL_PLATFORM_URL: municipal.url,
    MUNICIPAL_PLATFORM_APP_ID: municipal.appId,
    MUNICIPAL_PLATFORM_APP_SECRET: municipal.appSecret,
    NATIONAL_PLATFORM_URL: national.url,
    NATIONAL_PLATFORM_APP_ID: national.appId,
    NATIONAL_PLATFORM_APP_SECRET: national.appSecret,
  };
  return { municipal, national, env, stop: async () => void (await Promise.all([municipal.stop(), national.stop()])) };
}

/** Platform configs pointed at the fakes, with test-sized timings. */
export function fastConfigs(env: Record<string, string>, over: Partial<PlatformConfig> = {}): PlatformConfig[] {
  return platformConfigs(env).map((c) => ({
    ...c,
    timeoutMs: 1000,
    backoff: { baseMs: 20, maxMs: 200 },
    circuit: { failureThreshold: 3, openMs: 400 },
    leaseMs: 5000,
    ...over,
  }));
}

export function engineFor(configs: PlatformConfig[], owner?: string): DeliveryEngine {
  return new DeliveryEngine({ owner, platforms: configs.map((config) => ({ config, adapter: createAdapter(config) })) });
}

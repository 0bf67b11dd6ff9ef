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

type Adapter = ReturnType<typeof createAdapter>;
type SubmitArgs = Parameters<Adapter['submit']>;

/**
 * An engine whose adapters run `before(platformId, kind, entries)` while the batch is in flight:
 * after the engine claimed the records and before the platform answers (and so before settling).
 */
export function engineWithHook(configs: PlatformConfig[], owner: string, before: (platform: string, ...args: SubmitArgs) => Promise<void>): DeliveryEngine {
  return new DeliveryEngine({
    owner,
    platforms: configs.map((config) => {
      const adapter = createAdapter(config);
      const hooked: Adapter = {
        id: adapter.id,
        configured: adapter.configured,
        submit: async (...args: SubmitArgs) => {
          await before(config.id, ...args);
          return adapter.submit(...args);
        },
        feedback: (cursor, limit) => adapter.feedback(cursor, limit),
        close: () => adapter.close?.(),
      };
      return { config, adapter: hooked };
    }),
  });
}

import mongoose from 'mongoose';
import { startBenchEnv, pool, timed, rate, report, postJson } from './support.js';
import { enterpriseBody } from '../test/support/fixtures.js';

/** Enterprise creation through the HTTP API vs a raw insertMany of the same documents, same database. */
export async function benchEnterprises(n = Number(process.env.BENCH_ENTERPRISES ?? 2000)): Promise<void> {
  const env = await startBenchEnv('enterprises');
  try {
    const clerk = await env.key(['clerk']);
    const bodies = Array.from({ length: n }, (_, i) => enterpriseBody(1_000_000 + i));
    const api = await timed(() =>
      pool(bodies, 16, async (b) => {
        const res = await postJson(`${env.baseUrl}/api/v1/enterprises`, clerk, b);
        if (res.status !== 201) throw new Error(`unexpected ${res.status}: ${JSON.stringify(res.body)}`);
      }),
    );
    const raw = mongoose.connection.db!.collection('enterprises_raw');
    const now = new Date();
    const docs = Array.from({ length: n }, (_, i) => ({ ...enterpriseBody(2_000_000 + i), revision: 1, createdBy: 'bench', updatedBy: 'bench', createdAt: now, updatedAt: now }));
    await raw.createIndex({ uscc: 1 }, { unique: true });
    const ins = await timed(async () => {
      for (let i = 0; i < docs.length; i += 1000) await raw.insertMany(docs.slice(i, i + 1000), { ordered: false });
    });
    report(`enterprise creation: ${n} documents`, [
      { path: 'POST /api/v1/enterprises (16 concurrent)', ms: Math.round(api.ms), rate: rate(n, api.ms) },
      { path: 'raw insertMany (batches of 1000)', ms: Math.round(ins.ms), rate: rate(n, ins.ms) },
    ]);
    process.stdout.write(`ratio api/raw throughput: ${(ins.ms / api.ms).toFixed(3)}\n`);
  } finally {
    await env.close();
  }
}

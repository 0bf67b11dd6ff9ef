import mongoose from 'mongoose';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startEmbedded } from '../src/db/embedded.js';
const dir = mkdtempSync(join(tmpdir(), 'probe-'));
const e = await startEmbedded({ dataDir: dir, binPath: resolve('.bin/ferretdb'), dbName: 'probe' });
await mongoose.connect(e.uri, { dbName: 'probe' });
const c = mongoose.connection.db!.collection('ents');
await c.createIndex({ uscc: 1 }, { unique: true });
const t = async (label: string, fn: () => Promise<unknown>) => { const t0 = Date.now(); await fn(); console.log(label, Date.now() - t0, 'ms'); };
let k = 0;
for (const size of [0, 5000, 20000]) {
  while ((await c.countDocuments()) < size) await c.insertMany(Array.from({ length: 1000 }, () => ({ uscc: `U${k++}`, name: 'x'.repeat(50) })));
  await t(`upsert 200 new @${size}`, () => c.bulkWrite(Array.from({ length: 200 }, () => ({ updateOne: { filter: { uscc: `U${k++}` }, update: { $setOnInsert: { name: 'y' }, $set: { d: true } }, upsert: true } })), { ordered: false }));
  await t(`find $in 200 @${size}`, () => c.find({ uscc: { $in: Array.from({ length: 200 }, (_, i) => `U${k - 1 - i}`) } }).toArray());
  await t(`find eq 1 @${size}`, () => c.find({ uscc: `U${k - 5}` }).toArray());
  await t(`insertMany 1000 @${size}`, () => c.insertMany(Array.from({ length: 1000 }, () => ({ uscc: `U${k++}`, name: 'x'.repeat(50) }))));
}
await mongoose.disconnect(); await e.stop();

import mongoose from 'mongoose';
import { mkdtempSync } from 'node:fs';
import { startEmbedded } from '/work/main/src/db/embedded.js';
const dir = mkdtempSync('/tmp/gexp/db-');
const db = await startEmbedded({ dataDir: dir, binPath: '/work/main/.bin/ferretdb', dbName: 'x' });
await mongoose.connect(db.uri);
const c = mongoose.connection.db!.collection('recs');
const N = Number(process.env.N ?? 20000);
const big = 'x'.repeat(Number(process.env.SZ ?? 1500));
let t = Date.now();
for (let i = 0; i < N; i += 1000) {
  await c.insertMany(Array.from({ length: 1000 }, (_, j) => ({ uscc: 'U' + ((i + j) % 2000), kind: 'penalty', data: { fineAmount: 3, facts: big, penaltyTypes: ['罚款'] }, derived: { severity: '一般' }, versions: [{ data: { facts: big } }] })), { ordered: false });
}
console.log('insert', N, Date.now() - t, 'ms');
for (const bs of [101, 1000, 5000]) {
t = Date.now(); let n = 0;
for await (const _ of c.find({}).batchSize(bs)) n++;
console.log('scan full bs', bs, n, Date.now() - t);
}
const g = mongoose.connection.db!.collection('grades');
t = Date.now();
for (let i = 0; i < 5000; i += 1000) await g.insertMany(Array.from({ length: 1000 }, (_, j) => ({ _id: 'G' + (i + j), score: 1, reasons: [{ a: 1, b: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx' }] }) as any));
console.log('grade insert 5000', Date.now() - t);
t = Date.now();
try {
for (let i = 0; i < 2000; i += 500) await g.bulkWrite(Array.from({ length: 500 }, (_, j) => ({ updateOne: { filter: { _id: 'G' + (i + j) } as any, update: { $set: { score: 2 } } } })), { ordered: false });
} catch (e) { console.log('ERR', e); }
console.log('grade update by _id 2000', Date.now() - t);
await mongoose.disconnect(); await db.stop();

/**
 * A child process of test/db/tally.test.ts: writes random items and sweeps their summaries in a loop
 * until it is killed (SIGKILL, at a random moment, by the test).
 *
 * Usage: node --import tsx test/db/tallyWorker.ts <uri> <db> <seed>
 */
import mongoose from 'mongoose';
import { sweepTally } from '../../src/db/tally.js';
import { randomWrite, seeded } from './tallyItems.js';

const [uri, db, seed] = process.argv.slice(2) as [string, string, string];
await mongoose.connect(uri, { dbName: db, directConnection: true });
const rnd = seeded(Number(seed));
process.stdout.write('ready\n');
for (;;) {
  await Promise.all(Array.from({ length: 4 }, () => randomWrite(rnd)));
  await sweepTally('items', { batchSize: 3 + Math.floor(rnd() * 10) });
}

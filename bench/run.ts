/**
 * `npm run bench [-- name…]`: runs the benchmarks, printing figures and ratios against a baseline
 * measured in the same process (these machines are shared and noisy; absolute numbers vary).
 */
import { benchEnterprises } from './enterprises.bench.js';
import { benchImport, benchRecords } from './records.bench.js';
import { benchGrading } from './grading.bench.js';
import { benchExports } from './exports.bench.js';
import { benchPublicity } from './publicity.bench.js';
import { benchVolume } from './volume.bench.js';
import { benchDb } from './db.bench.js';

const benches: Record<string, () => Promise<void>> = {
  enterprises: () => benchEnterprises(),
  records: () => benchRecords(),
  import: () => benchImport(),
  grading: () => benchGrading(),
  exports: () => benchExports(),
  publicity: () => benchPublicity(),
  volume: () => benchVolume(),
  db: () => benchDb(),
};

const selected = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = selected.length ? selected : Object.keys(benches);
for (const name of names) {
  const run = benches[name];
  if (!run) {
    process.stderr.write(`unknown benchmark ${name}; known: ${Object.keys(benches).join(', ')}\n`);
    process.exit(2);
  }
  await run();
}
process.exit(0);

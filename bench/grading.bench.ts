import mongoose from 'mongoose';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { startBenchEnv, timed, rate, report } from './support.js';
import { makeUscc, penaltyBody, permitBody } from '../test/support/fixtures.js';
import { addDays, todayInShanghai } from '../src/lib/calendar.js';
import { EnterpriseModel, enterpriseId, markGradeDirty } from '../src/modules/enterprises/index.js';
import { RecordModel, createRecords, SYSTEM_PRINCIPAL } from '../src/modules/records/index.js';
import { CommitmentModel } from '../src/modules/commitments/index.js';
import { AccidentModel, HazardModel, GradeModel, GradeHistoryModel, RECORD_FIELDS, regradeAll, sweepDirty, type RegradeCounts } from '../src/modules/grading/index.js';

const enterprisesN = () => Number(process.env.BENCH_ENTERPRISES_GRADING ?? 100_000);
const recordsN = () => Number(process.env.BENCH_RECORDS_GRADING ?? 1_000_000);
const BATCH = 2000;
const DISTRICTS = ['440303', '440304', '440305', '440306', '440307', '440308', '440309', '440310', '440311', '440312'];
const INDUSTRIES = ['C2614', 'C2631', 'B0610', 'E4710', 'G5941'];
const GRADES = ['一级', '二级', '三级', '无', '无', '无'];

const log = (s: string) => process.stderr.write(`${s}\n`);

/** Inserts `n` generated documents in batches (the embedded database takes one writer at a time). */
async function fill(coll: mongoose.mongo.Collection, n: number, make: (i: number) => mongoose.mongo.Document, label: string): Promise<number> {
  const t0 = Date.now();
  for (let i = 0; i < n; i += BATCH) {
    const docs = Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => make(i + k));
    await coll.insertMany(docs, { ordered: false });
    if ((i / BATCH) % 50 === 0) log(`  ${label}: ${i + docs.length}/${n} (${rate(i + docs.length, Date.now() - t0)})`);
  }
  return Date.now() - t0;
}

/**
 * The baseline: one full scan of the records collection through a cursor, reading the fields the regrade
 * reads (`RECORD_FIELDS`; since patch 0019 the embedded database decodes only those, as it does for the
 * regrade).
 */
async function fullScan(): Promise<number> {
  let n = 0;
  for await (const _doc of RecordModel.collection.find({}, { projection: RECORD_FIELDS, batchSize: 5000 })) n++;
  return n;
}

/**
 * Full regrade of N enterprises with M records generated directly in the database (documents shaped
 * exactly like the service's: samples made by the records service, re-keyed), timed against one full
 * scan of the records collection in the same run. Goal: full regrade ≤ 60 s and ≤ 2× the scan.
 */
export async function benchGrading(nE = enterprisesN(), nR = recordsN()): Promise<void> {
  const env = await startBenchEnv('grading');
  try {
    const today = todayInShanghai();
    const rng = xoroshiro128plus(20261125);
    const pick = <T>(xs: readonly T[]) => xs[uniformInt(rng, 0, xs.length - 1)];

    // Samples through the real service: one permit and a penalty of each severity class.
    const samples = [
      ...(await createRecords('penalty', [penaltyBody(1, { penaltyTypes: ['警告'], fineAmount: undefined, content: '警告' }), penaltyBody(2), penaltyBody(3, { penaltyTypes: ['责令停产停业'], fineAmount: undefined })], { principal: SYSTEM_PRINCIPAL })),
      ...(await createRecords('permit', [permitBody(4)], { principal: SYSTEM_PRINCIPAL })),
    ];
    if (samples.some((s) => s.status !== 'created')) throw new Error(`sample records not created: ${JSON.stringify(samples)}`);
    const templates = await RecordModel.collection.find({}).toArray();
    const enterpriseTemplate = await EnterpriseModel.collection.findOne({});
    await RecordModel.collection.deleteMany({});
    await EnterpriseModel.collection.deleteMany({});
    const penaltyTemplates = templates.filter((t) => t.kind === 'penalty');
    const permitTemplate = templates.find((t) => t.kind === 'permit')!;
    const avgBytes = Math.round(JSON.stringify(templates).length / templates.length);

    log(`generating ${nE} enterprises and ${nR} records (~${avgBytes} B each) …`);
    const usccOf = (i: number) => makeUscc(5_000_000 + i, DISTRICTS[i % DISTRICTS.length]);
    // Records first: each enterprise document lists its records' ids (as createRecords keeps them).
    const recordIdsOf: mongoose.Types.ObjectId[][] = [];
    const insR = await fill(RecordModel.collection, nR, (i) => {
      const permit = i % 10 < 3;
      const t = permit ? permitTemplate : pick(penaltyTemplates);
      const e = uniformInt(rng, 0, nE - 1);
      const uscc = usccOf(e);
      const _id = new mongoose.Types.ObjectId();
      (recordIdsOf[e] ??= []).push(_id);
      const decisionDate = addDays(today, -uniformInt(rng, 1, 4 * 365));
      const decisionNumber = `${t.decisionNumber}#${i}`;
      return {
        ...t,
        _id,
        uscc,
        decisionNumber,
        decisionDate,
        lifecycle: permit ? 'active' : i % 7 === 0 ? 'withdrawn' : 'active',
        data: { ...t.data, uscc, decisionNumber, decisionDate },
      };
    }, 'records');
    const insE = await fill(EnterpriseModel.collection, nE, (i) => ({
      ...enterpriseTemplate,
      _id: enterpriseId(usccOf(i)),
      uscc: usccOf(i),
      name: `基准测试企业${i}有限公司`,
      districtCode: DISTRICTS[i % DISTRICTS.length],
      industryCode: INDUSTRIES[i % INDUSTRIES.length],
      standardisationGrade: GRADES[i % GRADES.length],
      gradeDirty: false,
      recordIds: recordIdsOf[i] ?? [],
      ...(i % 500 === 0 ? { listing: { active: true, listingId: `L${i}`, since: addDays(today, -100), until: null } } : {}),
    }), 'enterprises');
    const smallN = Math.max(1, Math.round(nE / 20));
    await fill(AccidentModel.collection, Math.round(smallN / 5), (i) => ({ uscc: usccOf((i * 7919) % nE), districtCode: '440305', date: addDays(today, -uniformInt(rng, 1, 1000)), level: pick(['一般', '一般', '较大'] as const), deaths: uniformInt(rng, 0, 2), injuries: 0, description: '基准测试事故', createdBy: 'bench', createdAt: new Date(), updatedAt: new Date() }), 'accidents');
    await fill(HazardModel.collection, smallN, (i) => ({ uscc: usccOf((i * 104729) % nE), districtCode: '440305', foundDate: addDays(today, -uniformInt(rng, 1, 300)), major: i % 4 === 0, description: '基准测试隐患', rectifiedDate: i % 2 ? addDays(today, -1) : null, deadline: null, revision: 1, createdBy: 'bench', updatedBy: 'bench', createdAt: new Date(), updatedAt: new Date() }), 'hazards');
    await fill(CommitmentModel.collection, smallN, (i) => ({ uscc: usccOf((i * 15485863) % nE), districtCode: '440305', type: '安全生产承诺', text: '基准测试承诺', signedDate: addDays(today, -700), termEnd: addDays(today, -uniformInt(rng, -200, 300)), channel: 'paper', signedBy: 'bench', breach: i % 9 === 0 ? { date: addDays(today, -30), evidence: '基准', recordedBy: 'bench', recordedAt: new Date() } : null, permitRecordId: null, penaltyRecordId: null, createdAt: new Date(), updatedAt: new Date() }), 'commitments');

    log('scan 1 (baseline: the regrade\'s fields) …');
    const scan1 = await timed(() => fullScan());
    log(`  → ${scan1.ms} ms`);
    log('full regrade 1 (every grade new) …');
    const first = await timed(() => regradeAll({ trigger: 'bench', onProgress: (p) => p.stage !== 'grading' && log(`  ${p.stage} ${p.read ?? p.graded}`) }));
    log(`  → ${first.ms} ms (${(first.ms / scan1.ms).toFixed(2)}× scan 1)`);
    const history1 = await GradeHistoryModel.countDocuments();
    log('full regrade 2 (nothing changed) …');
    const second = await timed(() => regradeAll({ trigger: 'bench' }));
    const dirtyN = Math.min(1000, nE);
    log(`sweep of ${dirtyN} dirty enterprises (the incremental path: point reads by _id) …`);
    await markGradeDirty(Array.from({ length: dirtyN }, (_, k) => usccOf((k * 7) % nE)));
    const sweep = await timed(() => sweepDirty({ budgetMs: 3_600_000, batchSize: 500 }));
    log(`  → ${sweep.ms} ms`);
    log('scan 2 (baseline: the regrade\'s fields) …');
    const scan2 = await timed(() => fullScan());
    const scanMs = (scan1.ms + scan2.ms) / 2;
    const grades = await GradeModel.countDocuments();
    const tiers = await GradeModel.aggregate([{ $group: { _id: '$tier', n: { $sum: 1 } } }]);

    const row = (what: string, ms: number, n: number, unit: string, c?: RegradeCounts) => ({ what, ms: Math.round(ms), rate: `${rate(n, ms)} ${unit}`, 'vs scan': (ms / scanMs).toFixed(2), written: c?.written ?? '', history: c?.changed ?? '' });
    report(`full regrade: ${nE} enterprises, ${nR} records (~${avgBytes} B each), embedded ${process.env.MONGODB_URI ? 'MongoDB' : 'FerretDB 1.24 (SQLite)'}`, [
      { what: 'insert enterprises (generation)', ms: insE, rate: `${rate(nE, insE)} docs`, 'vs scan': '', written: '', history: '' },
      { what: 'insert records (generation)', ms: insR, rate: `${rate(nR, insR)} docs`, 'vs scan': '', written: '', history: '' },
      row('full scan of records #1, the regrade\'s fields (baseline)', scan1.ms, scan1.result, 'records'),
      row('full scan of records #2, the regrade\'s fields (baseline)', scan2.ms, scan2.result, 'records'),
      row('full regrade #1 (every grade new)', first.ms, nE, 'enterprises', first.result),
      row('full regrade #2 (nothing changed)', second.ms, nE, 'enterprises', second.result),
      { what: `sweep: ${dirtyN} dirty enterprises regraded`, ms: Math.round(sweep.ms), rate: `${rate(sweep.result.graded, sweep.ms)} enterprises`, 'vs scan': (sweep.ms / scanMs).toFixed(3), written: '', history: sweep.result.changed },
    ]);
    process.stdout.write(`grades ${grades}, history entries ${history1}, tiers ${JSON.stringify(Object.fromEntries(tiers.map((x: { _id: string; n: number }) => [x._id, x.n])))}\n`);
    for (const [label, ms] of [['#1', first.ms], ['#2', second.ms]] as const) {
      const ratio = ms / scanMs;
      process.stdout.write(
        `full regrade ${label}: ${(ms / 1000).toFixed(1)} s (goal ≤ 60 s: ${ms <= 60_000 ? 'met' : 'MISSED'}), ratio to one records scan ${ratio.toFixed(2)} (goal ≤ 2: ${ratio <= 2 ? 'met' : 'MISSED'})\n`,
      );
    }
  } finally {
    await env.close();
  }
}

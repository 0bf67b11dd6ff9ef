import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { startTestApp, type TestApp } from '../support/app.js';
import { enterpriseBody, makeUscc, penaltyBody } from '../support/fixtures.js';
import { csvOf } from '../support/importFiles.js';
import { AuditModel, auditId } from '../../src/modules/audit/index.js';
import { AUDIT_PENDING_GRACE_MS, EnterpriseModel, enterpriseId } from '../../src/modules/enterprises/index.js';
import { RecordModel, SYSTEM_PRINCIPAL, type RecordDoc } from '../../src/modules/records/index.js';
import { ImportModel, configureImports, createImport, resumeImports, runImport } from '../../src/modules/imports/index.js';
import { runGradeSweep } from '../../src/modules/grading/index.js';
import { logger } from '../../src/lib/logger.js';
import { spawnService, waitFor, type ServiceProcess } from '../support/process.js';

type Restore = () => void;

/**
 * Makes the `nth` call of `target[method]` from now on fail — as if the process died right there: nothing the
 * call would have written is written, and nothing after it runs — then puts the method back.
 */
function crashAt(target: object, method: string, nth = 1, error: () => Error = () => new Error('simulated crash')): Restore {
  const t = target as Record<string, unknown>;
  const own = Object.prototype.hasOwnProperty.call(t, method);
  const original = t[method] as (...args: unknown[]) => unknown;
  let calls = 0;
  const restore = () => {
    if (own) t[method] = original;
    else delete t[method];
  };
  t[method] = function (this: unknown, ...args: unknown[]) {
    if (++calls < nth) return original.apply(this, args);
    restore();
    return Promise.reject(error());
  };
  return restore;
}

/** The database connection dropped (the import then stays running, to be resumed). */
const networkError = () => Object.assign(new Error('connection reset (simulated)'), { name: 'MongoNetworkError' });

type Lean = RecordDoc & { _id: unknown };

/**
 * The invariants of issue 14 item 5 over the whole database: every record version has exactly one audit entry
 * (the one its `auditId` names), every record with a subject USCC is in its enterprise's `recordIds`, and every
 * enterprise has exactly one `enterprise.create` entry and no `auditPending` mark left.
 */
async function expectConsistent(): Promise<void> {
  const entries = await AuditModel.find({}, { action: 1, resourceId: 1 }).lean();
  const ids = new Set(entries.map((e) => String(e._id)));
  const count = new Map<string, number>();
  for (const e of entries) count.set(`${e.action} ${e.resourceId}`, (count.get(`${e.action} ${e.resourceId}`) ?? 0) + 1);
  const enterprises = new Map((await EnterpriseModel.find({}, { uscc: 1, auditPending: 1, recordIds: 1 }).lean()).map((e) => [e.uscc, e]));
  const records = (await RecordModel.find({}, { kind: 1, uscc: 1, versions: 1 }).lean()) as Lean[];
  for (const r of records) {
    const id = String(r._id);
    const actions = r.versions.map((v) => (v.version === 1 ? `${r.kind}.create` : `${r.kind}.${v.action}`));
    r.versions.forEach((v, i) => {
      expect(v.auditId, `${id} v${v.version} names its entry`).to.not.equal(undefined);
      expect(ids.has(String(v.auditId)), `${id} v${v.version}: its entry`).to.equal(true);
      expect(count.get(`${actions[i]} ${id}`) ?? 0, `${id}: ${actions[i]} entries`).to.equal(actions.filter((a) => a === actions[i]).length);
    });
    if (r.uscc) {
      expect((enterprises.get(r.uscc)?.recordIds ?? []).map(String), `${r.uscc} lists ${id}`).to.include(id);
    }
  }
  for (const e of enterprises.values()) {
    expect(e.auditPending, `${e.uscc} still marked`).to.equal(undefined);
    const made = (count.get(`enterprise.create ${e.uscc}`) ?? 0) + (count.get(`enterprise.create.usccOverride ${e.uscc}`) ?? 0);
    expect(made, `${e.uscc}: enterprise.create entries`).to.equal(1);
  }
}

describe('crash consistency: a write interrupted at any point is completed by repeating the request', function () {
  this.timeout(120_000);
  let t: TestApp;
  let clerk: string;
  let dataDir: string;

  before(async () => {
    t = await startTestApp('crash_consistency', { rateLimit: { perMinute: 0, ipPerMinute: 0 } });
    clerk = await t.key(['clerk']);
    dataDir = mkdtempSync(join(tmpdir(), 'crash-consistency-'));
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A request that is expected to fail at the injected crash (its 500 logged quietly). */
  async function crashed<T>(fn: () => Promise<T>): Promise<T> {
    logger.silent = true;
    try {
      return await fn();
    } finally {
      logger.silent = false;
    }
  }

  const batch = (records: object[]) => t.request.post('/api/v1/penalties/batch').set('X-API-Key', clerk).send({ records });

  describe('a batch creating records and, implicitly, their enterprises', () => {
    // In the order createRecords writes: each point is the first write that does not happen.
    const points: { at: string; crash: () => Restore; counted: number }[] = [
      { at: 'inserting the new enterprises', crash: () => crashAt(EnterpriseModel.collection, 'insertMany'), counted: 2 },
      { at: 'inserting the records (enterprises stored, marked)', crash: () => crashAt(RecordModel.collection, 'insertMany'), counted: 2 },
      { at: 'linking the records of an existing enterprise', crash: () => crashAt(EnterpriseModel, 'bulkWrite'), counted: 2 },
      { at: 'the records’ audit entries', crash: () => crashAt(AuditModel.collection, 'insertMany'), counted: 2 },
      { at: 'the enterprises’ audit entries', crash: () => crashAt(AuditModel.collection, 'insertMany', 2), counted: 2 },
      // Their entries were stored by the interrupted request: the repeat completes the rest but counts them no more.
      { at: 'clearing the enterprises’ marks', crash: () => crashAt(EnterpriseModel.collection, 'updateMany'), counted: 0 },
    ];
    points.forEach(({ at, crash, counted }, k) => {
      it(`stopped before ${at}: the repeated batch stores, lists and audits everything once${counted ? ' and counts the enterprises' : ''}`, async () => {
        const n = 20_000 + k * 10;
        const existing = enterpriseBody(n + 3);
        expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(existing)).status).to.equal(201);
        const a = { uscc: makeUscc(n + 1, '440306'), subjectName: `崩溃测试甲${k}有限公司` };
        const b = { uscc: makeUscc(n + 2, '440306'), subjectName: `崩溃测试乙${k}有限公司` };
        const records = [penaltyBody(n, a), penaltyBody(n + 1, a), penaltyBody(n + 2, b), penaltyBody(n + 3)];

        const restore = crash();
        const first = await crashed(() => batch(records));
        restore();
        expect(first.status, JSON.stringify(first.body)).to.equal(500);

        const repeat = await batch(records);
        expect(repeat.status, JSON.stringify(repeat.body)).to.equal(200);
        expect(repeat.body.summary.error).to.equal(0);
        expect(repeat.body.summary.created + repeat.body.summary.unchanged).to.equal(4);
        expect(repeat.body.enterprisesCreated).to.equal(counted);
        for (const s of [a, b]) {
          const made = await AuditModel.findOne({ action: 'enterprise.create', resourceId: s.uscc }).lean();
          expect(made?.detail).to.deep.include({ origin: 'record', source: 'batch' });
        }
        await expectConsistent();

        const again = await batch(records);
        expect(again.body.summary).to.deep.equal({ created: 0, unchanged: 4, error: 0 });
        expect(again.body.enterprisesCreated).to.equal(0);
        await expectConsistent();
      });
    });

    it('a record stored by a request that died before auditing it gets one creation entry (not only .create.unchanged), naming its writer', async () => {
      const body = penaltyBody(20_100);
      const restore = crashAt(AuditModel.collection, 'insertMany');
      expect((await crashed(() => t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(body))).status).to.equal(500);
      restore();
      const stored = await RecordModel.findOne({ decisionNumber: body.decisionNumber }).lean();
      const id = String(stored!._id);
      expect(await AuditModel.countDocuments({ resourceId: id })).to.equal(0);

      const other = await t.key(['clerk'], { name: '另一录入员' });
      const repeat = await t.request.post('/api/v1/penalties').set('X-API-Key', other).send(body);
      expect(repeat.status).to.equal(200);
      const create = await AuditModel.findOne({ action: 'penalty.create', resourceId: id }).lean();
      // The creation is the first clerk's (at its time), completed by the second one's request.
      expect(create?.principalId).to.equal(stored!.createdBy);
      expect(create?.at.getTime()).to.equal(stored!.createdAt.getTime());
      expect(create?.detail).to.deep.equal({ completed: true });
      expect(create?.requestId).to.equal(repeat.headers['x-request-id']);
      expect(await AuditModel.countDocuments({ action: 'penalty.create.unchanged', resourceId: id })).to.equal(1);
      await expectConsistent();
    });
  });

  describe('corrections and revocations', () => {
    async function created(n: number): Promise<string> {
      const res = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(n));
      expect(res.status).to.equal(201);
      return res.body.id as string;
    }
    const correct = (id: string, reason = '笔误更正') => t.request.patch(`/api/v1/penalties/${id}`).set('X-API-Key', clerk).send({ action: 'correct', reason, changes: { fineAmount: 4 } });

    for (const [at, crash] of [
      ['flagging the grade', () => crashAt(EnterpriseModel, 'bulkWrite')],
      ['the audit entry', () => crashAt(AuditModel.collection, 'insertMany')],
    ] as const) {
      it(`stopped after appending the version, before ${at}: the repeated correction answers 200 and completes it`, async () => {
        const id = await created(at === 'the audit entry' ? 20_200 : 20_201);
        const uscc = (await RecordModel.findById(id).lean())!.uscc!;
        await EnterpriseModel.collection.updateOne({ uscc }, { $set: { gradeDirty: false } });
        const restore = crash();
        expect((await crashed(() => correct(id))).status).to.equal(500);
        restore();
        expect((await RecordModel.findById(id).lean())!.version).to.equal(2);

        const repeat = await correct(id);
        expect(repeat.status, JSON.stringify(repeat.body)).to.equal(200);
        expect(repeat.body).to.include({ version: 2, fineAmount: 4 });
        expect((await RecordModel.findById(id).lean())!.versions).to.have.length(2);
        expect(await AuditModel.countDocuments({ action: 'penalty.correct', resourceId: id })).to.equal(1);
        expect(await AuditModel.countDocuments({ action: 'penalty.correct.unchanged', resourceId: id })).to.equal(1);
        expect((await EnterpriseModel.findOne({ uscc }).lean())!.gradeDirty).to.equal(true);
        await expectConsistent();
        // Not a repeat: the same result for another reason changes nothing, as before.
        const noop = await correct(id, '另一原因');
        expect(noop.status).to.equal(400);
        expect(noop.body.error.details[0]).to.deep.include({ path: 'changes', message: '更正内容与当前版本相同' });
      });
    }

    it('a revocation stopped before its audit entry: the repeat answers 409 (already revoked) and completes the entry', async () => {
      const id = await created(20_210);
      const revoke = () =>
        t.request
          .patch(`/api/v1/penalties/${id}`)
          .set('X-API-Key', clerk)
          .send({ action: 'revoke', revocation: { decisionNumber: '深应急撤〔2026〕1号', decisionDate: '2026-11-20', reason: '行政复议撤销' } });
      const restore = crashAt(AuditModel.collection, 'insertMany');
      expect((await crashed(revoke)).status).to.equal(500);
      restore();
      expect(await AuditModel.countDocuments({ action: 'penalty.revoke', resourceId: id })).to.equal(0);
      expect((await revoke()).status).to.equal(409);
      expect(await AuditModel.countDocuments({ action: 'penalty.revoke', resourceId: id })).to.equal(1);
      await expectConsistent();
    });
  });

  describe('enterprises', () => {
    it('registered through the API, stopped before its audit entry: the repeat answers 409 and completes the entry', async () => {
      const body = enterpriseBody(20_300);
      const register = () => t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(body);
      const restore = crashAt(AuditModel.collection, 'insertMany');
      expect((await crashed(register)).status).to.equal(500);
      restore();
      expect((await EnterpriseModel.findOne({ uscc: body.uscc }).lean())!.auditPending).to.equal(true);
      expect((await register()).status).to.equal(409);
      const entry = await AuditModel.findOne({ action: 'enterprise.create', resourceId: body.uscc }).lean();
      expect(entry?.detail).to.deep.equal({ completed: true });
      await expectConsistent();
    });

    it('left marked by a request never repeated: the grading sweep audits it once the grace period is over', async () => {
      const old = makeUscc(20_400, '440306');
      const recent = makeUscc(20_401, '440306');
      const createdAt = new Date(Date.now() - AUDIT_PENDING_GRACE_MS - 60_000);
      const marked = (uscc: string, at: Date) => ({
        _id: enterpriseId(uscc),
        uscc,
        name: `遗留企业${uscc.slice(-4)}有限公司`,
        subjectType: '法人及非法人组织',
        legalRepresentative: '李四',
        districtCode: '440306',
        standardisationGrade: '无',
        origin: 'record',
        gradeDirty: true,
        auditPending: true,
        recordIds: [],
        revision: 1,
        createdBy: 'clerk-who-crashed',
        createdAt: at,
        updatedBy: 'clerk-who-crashed',
        updatedAt: at,
      });
      await EnterpriseModel.collection.insertMany([marked(old, createdAt), marked(recent, new Date())]);
      expect((await runGradeSweep()).ran).to.equal(true);
      const entry = await AuditModel.findById(auditId(`enterprise:${old}:create`)).lean();
      expect(entry).to.deep.include({ action: 'enterprise.create', resourceId: old, principalId: 'clerk-who-crashed' });
      expect(entry!.at.getTime()).to.equal(createdAt.getTime());
      expect(entry!.detail).to.deep.equal({ origin: 'record', completed: true });
      expect((await EnterpriseModel.findOne({ uscc: old }).lean())!.auditPending).to.equal(undefined);
      // Within the grace period its request may still be running: left to it (or to its repetition).
      expect((await EnterpriseModel.findOne({ uscc: recent }).lean())!.auditPending).to.equal(true);
      expect(await AuditModel.countDocuments({ resourceId: recent })).to.equal(0);
      // A request naming it as a subject completes it and counts it: it was created from that subject.
      const res = await batch([penaltyBody(20_402, { uscc: recent, subjectName: '遗留企业有限公司' })]);
      expect(res.body.enterprisesCreated).to.equal(1);
      await expectConsistent();
    });
  });

  describe('a real crash', () => {
    let svc: ServiceProcess | undefined;
    afterEach(() => svc?.child.kill('SIGKILL'));

    const points = [
      { when: 'its enterprises are stored', started: (subjects: string[]) => EnterpriseModel.countDocuments({ uscc: { $in: subjects } }) },
      { when: 'its records are stored', started: (subjects: string[]) => RecordModel.countDocuments({ uscc: { $in: subjects } }) },
    ];
    points.forEach(({ when, started }, k) => {
      it(`the service killed (SIGKILL) in a 1,000-record batch once ${when}: the same batch on the restarted service completes it`, async function () {
        this.timeout(300_000);
        const uri = new URL(process.env.TEST_MONGODB_URI!);
        uri.pathname = `/${t.dbName}`;
        const env = { MONGODB_URI: uri.toString(), BODY_LIMIT: '5mb', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_IP_PER_MINUTE: '0' };
        const start = async () => {
          const s = await spawnService(env);
          await waitFor(async () => (await fetch(`${s.baseUrl}/readyz`)).status === 200, 120_000, `the service ready (${s.output()})`);
          return s;
        };
        // 400 subjects unknown so far (created implicitly, 2–3 records each).
        const subjects = Array.from({ length: 400 }, (_, j) => makeUscc(40_000 + k * 1000 + j, '440307'));
        const records = Array.from({ length: 1000 }, (_, i) => penaltyBody(30_000 + k * 1000 + i, { uscc: subjects[i % 400], subjectName: `批量崩溃企业${k}-${i % 400}有限公司` }));
        const send = (s: ServiceProcess) =>
          fetch(`${s.baseUrl}/api/v1/penalties/batch`, { method: 'POST', headers: { 'X-API-Key': clerk, 'Content-Type': 'application/json' }, body: JSON.stringify({ records }) });

        svc = await start();
        const first = send(svc).then(
          (r) => r.status,
          () => 'no answer',
        );
        // Killed as soon as the batch has got that far: somewhere between that and its end.
        const deadline = Date.now() + 60_000;
        while ((await started(subjects)) === 0) {
          if (Date.now() > deadline) throw new Error('the batch did not start writing');
          await new Promise((r) => setTimeout(r, 5));
        }
        svc.child.kill('SIGKILL');
        await svc.exited;
        const answered = await first;
        // A command the database had already received still completes: wait until nothing changes any more.
        const state = async () => JSON.stringify([await RecordModel.countDocuments({}), await AuditModel.countDocuments({}), await EnterpriseModel.countDocuments({ auditPending: true })]);
        for (let last = '', now = await state(); now !== last; now = await state()) {
          last = now;
          await new Promise((r) => setTimeout(r, 1000));
        }

        // What the repeat must count: subjects with no enterprise yet, and enterprises left marked without their entry.
        const stored = await EnterpriseModel.find({ uscc: { $in: subjects } }, { uscc: 1, auditPending: 1 }).lean();
        const entries = new Set((await AuditModel.find({ action: 'enterprise.create', resourceId: { $in: subjects } }, { resourceId: 1 }).lean()).map((e) => e.resourceId));
        const unaudited = stored.filter((e) => e.auditPending && !entries.has(e.uscc)).length;
        const expected = subjects.length - stored.length + unaudited;
        const killedWith = { answered, enterprises: stored.length, marked: stored.filter((e) => e.auditPending).length, unaudited, records: await RecordModel.countDocuments({ uscc: { $in: subjects } }) };

        svc = await start();
        const repeat = await send(svc);
        const body = (await repeat.json()) as { summary: { created: number; unchanged: number; error: number }; enterprisesCreated: number };
        expect(repeat.status, JSON.stringify(body)).to.equal(200);
        expect(body.summary.error).to.equal(0);
        expect(body.summary.created + body.summary.unchanged).to.equal(1000);
        expect(body.summary.unchanged).to.equal(killedWith.records);
        expect(body.enterprisesCreated, JSON.stringify(killedWith)).to.equal(expected);
        svc.child.kill('SIGTERM');
        await svc.exited;
        svc = undefined;
        await expectConsistent();
        console.log(`      killed with ${JSON.stringify(killedWith)}; the repeat created ${body.summary.created} records and counted ${body.enterprisesCreated} enterprises`);
      });
    });
  });

  describe('imports', () => {
    async function interruptedImport(rows: number, base: number, crash: () => Restore) {
      const records = Array.from({ length: rows }, (_, i) => penaltyBody(base + i));
      const doc = await createImport({ kind: 'penalty', format: 'csv', source: Readable.from([Buffer.from(csvOf('penalty', records, 'label'))]), principal: SYSTEM_PRINCIPAL, origin: 'cli' });
      const restore = crash();
      // The database "went away" in the middle: the import is left running with its checkpoint, as after a crash.
      expect(await crashed(() => runImport(String(doc._id)))).to.equal(null);
      restore();
      const left = await ImportModel.findById(doc._id).lean();
      expect(left?.status).to.equal('running');
      // Its process is gone: the lease expires and a starting instance resumes it.
      await ImportModel.updateOne({ _id: doc._id }, { $set: { leaseOwner: 'dead-host/1/abc', leaseUntil: new Date(Date.now() - 1000) } });
      expect(await resumeImports()).to.equal(1);
      for (let i = 0; i < 300; i++) {
        const d = await ImportModel.findById(doc._id).lean();
        if (d?.status === 'done' || d?.status === 'failed') return { records, before: left!, after: d };
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the resumed import did not finish');
    }

    it('stopped at a batch’s audit entries: the resumed import stores, lists and audits every row once and counts every new enterprise', async () => {
      configureImports({ dataDir, batchSize: 20, concurrency: 1 });
      // Audit writes of the run: import.create completed (already there), batch 1's records and enterprises, then batch 2's records.
      const { records, before, after } = await interruptedImport(60, 21_000, () => crashAt(AuditModel.collection, 'insertMany', 4, networkError));
      expect(before.lastRow).to.equal(21);
      expect(after).to.include({ status: 'done', rowsTotal: 60, rowsRead: 60, failed: 0 });
      expect(after.created + after.unchanged).to.equal(60);
      expect(after.enterprisesCreated).to.equal(60);
      expect(await AuditModel.countDocuments({ action: 'import.create', resourceId: String(after._id) })).to.equal(1);
      expect(await AuditModel.countDocuments({ action: 'import.finish', resourceId: String(after._id) })).to.equal(1);
      expect(await RecordModel.countDocuments({ decisionNumber: { $in: records.map((r) => r.decisionNumber) } })).to.equal(60);
      await expectConsistent();
    });

    it('a batch that fails while the next one is in flight: the checkpoint does not pass it, so none of its rows is lost', async () => {
      configureImports({ dataDir, batchSize: 20, concurrency: 2 });
      const { records, after } = await interruptedImport(80, 21_100, () => crashAt(RecordModel.collection, 'insertMany', 2, networkError));
      expect(after).to.include({ status: 'done', rowsTotal: 80, rowsRead: 80, failed: 0 });
      expect(after.created + after.unchanged).to.equal(80);
      expect(await RecordModel.countDocuments({ decisionNumber: { $in: records.map((r) => r.decisionNumber) } })).to.equal(80);
      await expectConsistent();
    });
  });
});

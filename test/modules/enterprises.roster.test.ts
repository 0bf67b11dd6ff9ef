import { expect } from 'chai';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { expectErrorShape, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { enterpriseBody, makeUscc, penaltyBody } from '../support/fixtures.js';
import { XLSX_TYPE, csvLine, csvOf, headerOf, importErrorReport, importFinished, reportRows, startImportApp, type ImportApp } from '../support/importFiles.js';
import { EnterpriseModel, createEnterprises, enterpriseId, flagIncompleteEnterprises } from '../../src/modules/enterprises/index.js';
import { ImportModel, createImport, importTable, resumeImports, type ImportKindParam } from '../../src/modules/imports/index.js';
import { SYSTEM_PRINCIPAL } from '../../src/modules/records/index.js';
import { AuditModel } from '../../src/modules/audit/index.js';
import { logger } from '../../src/lib/logger.js';

const BOM = '\uFEFF';
const KINDS: ImportKindParam[] = ['enterprises', 'penalties', 'permits'];

async function workbookOf(file: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file as unknown as ExcelJS.Buffer);
  return wb;
}

/** The 填写说明 sheet's rows below its header (列名, 字段代码, 是否必填, 填写说明, 示例). */
function guideRows(sheet: ExcelJS.Worksheet): unknown[][] {
  const rows = (sheet.getSheetValues() as unknown[][]).filter((r) => Array.isArray(r)).map((r) => r.slice(1));
  return rows.slice(rows.findIndex((r) => r[0] === '列名') + 1);
}

describe('enterprise roster (企业名录): batch registration, roster import, templates, completing implicit enterprises', function () {
  this.timeout(60_000);
  let app: ImportApp;
  let t: TestApp;
  let clerk: string;

  before(async () => {
    app = await startImportApp('roster', 'roster-test-');
    ({ t, clerk } = app);
  });
  after(() => app.close());

  const batch = (enterprises: unknown[], key = clerk) => t.request.post('/api/v1/enterprises/batch').set('X-API-Key', key).send({ enterprises });
  const getEnterprise = (uscc: string) => t.request.get(`/api/v1/enterprises/${uscc}`).set('X-API-Key', clerk);

  async function importAndWait(body: string | Buffer, contentType: string) {
    const res = await t.request
      .post('/api/v1/imports?kind=enterprises')
      .set('X-API-Key', clerk)
      .set('Content-Type', contentType)
      .send(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    expect(res.body.kind).to.equal('enterprises');
    return importFinished(t, res.body.id, clerk);
  }

  async function download(kind: ImportKindParam, format: 'csv' | 'xlsx') {
    const res = await t.request
      .get(`/api/v1/imports/templates/${kind}.${format}`)
      .set('X-API-Key', clerk)
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      });
    expect(res.status, String(res.body)).to.equal(200);
    return res;
  }

  /** An enterprise created implicitly by a penalty naming an unregistered subject (no industry). */
  async function implicitEnterprise(n: number): Promise<string> {
    const res = await t.request.post('/api/v1/penalties').set('X-API-Key', clerk).send(penaltyBody(n));
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    return makeUscc(n, '440305');
  }

  describe('POST /api/v1/enterprises/batch', () => {
    it('answers one result per row — created, unchanged, conflict naming the differing fields, invalid by field in Chinese, forbidden outside the scope — and stores the valid rows with their audit entries', async () => {
      const registered = enterpriseBody(9001);
      expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(registered)).status).to.equal(201);
      const scoped = await t.key(['clerk'], { scope: ['440305'] });
      const rows: Record<string, unknown>[] = [
        enterpriseBody(9002), // 0 created
        registered, // 1 unchanged
        { ...registered, name: '改名后的安全生产企业有限公司', address: '深圳市福田区' }, // 2 conflict
        enterpriseBody(9003, { uscc: '914403001922038217', industryCode: '制造业', districtCode: '4403' }), // 3 invalid, three fields
        enterpriseBody(9004, { districtCode: '440306' }), // 4 outside the clerk's scope
        enterpriseBody(9005, { usccOverride: undefined, address: '' }), // 5 created
        enterpriseBody(9002), // 6 the same enterprise again in this batch: unchanged
      ];
      const res = await batch([...rows, '不是对象' /* 7 invalid */], scoped);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.summary).to.deep.equal({ created: 2, unchanged: 2, completed: 0, error: 4 });
      const r = res.body.results;
      expect(r.map((x: { index: number }) => x.index)).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
      expect(r[0]).to.include({ status: 'created', uscc: rows[0].uscc });
      expect(r[1]).to.include({ status: 'unchanged', uscc: registered.uscc });
      expect(r[6]).to.include({ status: 'unchanged', uscc: rows[0].uscc });
      expect(r[2]).to.include({ status: 'error', code: 'CONFLICT' });
      expect(r[2].message).to.match(/已存在且信息不同.*PATCH \/api\/v1\/enterprises\//);
      expect(r[2].details.map((d: { path: string }) => d.path)).to.deep.equal(['uscc', 'name', 'address']);
      expect(r[3]).to.include({ status: 'error', code: 'VALIDATION_FAILED' });
      expect(r[3].details).to.deep.include({ path: 'uscc', message: '统一社会信用代码校验位错误' });
      expect(r[3].details).to.deep.include({ path: 'districtCode', message: '行政区划代码应为 6 位数字' });
      expect(r[3].details.find((d: { path: string }) => d.path === 'industryCode').message).to.match(/国民经济行业代码应为/);
      expect(r[4]).to.include({ status: 'error', code: 'FORBIDDEN' });
      expect(r[4].details[0].path).to.equal('districtCode');
      expect(r[4].details[0].message).to.match(/440306.*不在本人职权范围/);
      expect(r[7]).to.include({ status: 'error', code: 'VALIDATION_FAILED' });
      expect(r[7].details[0].message).to.equal('应为对象');

      // Stored: exactly the created rows; nothing of the refused ones, the registered one untouched.
      expect((await getEnterprise(rows[0].uscc as string)).body).to.include({ name: rows[0].name, revision: 1, needsCompletion: false });
      expect((await getEnterprise(rows[5].uscc as string)).status).to.equal(200);
      for (const i of [3, 4]) expect(await EnterpriseModel.countDocuments({ uscc: rows[i].uscc })).to.equal(0);
      expect((await getEnterprise(registered.uscc)).body).to.include({ name: registered.name, revision: 1 });
      const entry = await expectAudited('enterprise.create', rows[0].uscc as string);
      expect(entry.detail).to.deep.equal({ source: 'batch' });
      expect((entry.after as { name: string }).name).to.equal(rows[0].name);
      const whole = await expectAudited('enterprise.batch', undefined, { requestId: res.headers['x-request-id'] });
      expect(whole.detail).to.deep.equal({ summary: res.body.summary, size: 8 });
    });

    it('stopped (a crash) before the audit entries: the repeated batch answers unchanged and writes each missing entry once', async () => {
      const rows = [enterpriseBody(9011), enterpriseBody(9012)];
      // The entries' insert fails as if the process died there (the 500 is logged quietly).
      const original = AuditModel.collection.insertMany.bind(AuditModel.collection);
      AuditModel.collection.insertMany = (() => {
        AuditModel.collection.insertMany = original;
        return Promise.reject(new Error('simulated crash'));
      }) as never;
      logger.silent = true;
      try {
        expect((await batch(rows)).status).to.equal(500);
      } finally {
        AuditModel.collection.insertMany = original;
        logger.silent = false;
      }
      expect(await EnterpriseModel.countDocuments({ uscc: { $in: rows.map((r) => r.uscc) }, auditPending: true })).to.equal(2);
      const repeat = await batch(rows);
      expect(repeat.body.summary).to.deep.include({ created: 0, unchanged: 2 });
      for (const r of rows) {
        const entries = await AuditModel.find({ action: 'enterprise.create', resourceId: r.uscc }).lean();
        expect(entries).to.have.length(1);
        expect(entries[0].detail).to.deep.equal({ source: 'batch', completed: true });
      }
      expect(await EnterpriseModel.countDocuments({ uscc: { $in: rows.map((r) => r.uscc) }, auditPending: true })).to.equal(0);
      expect((await batch(rows)).body.summary).to.deep.include({ unchanged: 2 });
      expect(await AuditModel.countDocuments({ action: 'enterprise.create', resourceId: { $in: rows.map((r) => r.uscc) } })).to.equal(2);
    });

    it(`takes 1,000 enterprises in one request (one insert), and refuses an empty list, more than 1,000 and other roles`, async () => {
      const many = Array.from({ length: 1000 }, (_, i) => enterpriseBody(20_000 + i));
      const started = Date.now();
      const res = await batch(many);
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).to.equal(200);
      expect(res.body.summary).to.deep.equal({ created: 1000, unchanged: 0, completed: 0, error: 0 });
      expect(Date.now() - started, 'well under the 17 minutes of 1,000 single requests at the default rate limit').to.be.below(30_000);
      expect(await EnterpriseModel.countDocuments({ uscc: { $in: many.map((e) => e.uscc) } })).to.equal(1000);
      const again = await batch(many.slice(0, 10));
      expect(again.body.summary).to.deep.include({ created: 0, unchanged: 10 });

      for (const body of [{ enterprises: [] }, { enterprises: [...many, enterpriseBody(1)] }, {}]) {
        const bad = await t.request.post('/api/v1/enterprises/batch').set('X-API-Key', clerk).send(body);
        expect(bad.status).to.equal(400);
        expectErrorShape(bad.body);
        expect(bad.body.error.details[0].path).to.equal('enterprises');
      }
      const regulator = await t.key(['regulator']);
      expect((await batch([enterpriseBody(1)], regulator)).status).to.equal(403);
    });
  });

  describe('roster import: POST /api/v1/imports?kind=enterprises', () => {
    let roster: string;
    let firstId: string;

    it('CSV with the field table’s Chinese headers: rows created, each bad cell reported with its line, column and a Chinese reason', async () => {
      const rows = [
        enterpriseBody(9101), // line 2
        enterpriseBody(9102, { industryCode: '制造业' }), // line 3: one bad cell
        enterpriseBody(9103, { standardisationGrade: '特级', legalRepresentative: '' }), // line 4: two bad cells
        enterpriseBody(9104, { address: undefined, supervisingAuthority: undefined }), // line 5
      ];
      roster = BOM + csvOf('enterprise', rows, 'label');
      expect(roster.split('\r\n')[0]).to.equal(`${BOM}统一社会信用代码,企业名称,行政相对人类别,法定代表人,行政区划代码,国民经济行业代码,住所,安全生产标准化等级,监管机关`);
      const body = await importAndWait(roster, 'text/csv');
      firstId = body.id;
      expect(body).to.include({ status: 'done', kindLabel: '企业名录', rowsTotal: 4, rowsRead: 4, created: 2, unchanged: 0, completed: 0, failed: 2, enterprisesCreated: 0, error: null });
      expect(body.columns.map((c: { field: string }) => c.field)).to.include.members(['uscc', 'name', 'industryCode']);

      const report = reportRows(await importErrorReport(t, body.id, clerk));
      expect(report[0]).to.deep.equal(['行号', '列', '值', '原因']);
      const line = (n: number) => report.filter((r) => r[0] === String(n));
      expect(line(2)).to.deep.equal([]);
      expect(line(3)).to.have.length(1);
      expect(line(3)[0].slice(0, 3)).to.deep.equal(['3', '国民经济行业代码', '制造业']);
      expect(line(3)[0][3]).to.match(/国民经济行业代码应为门类字母/);
      expect(line(4).map((r) => r.slice(0, 4))).to.have.deep.members([
        ['4', '安全生产标准化等级', '特级', '取值须为以下之一：一级, 二级, 三级, 无'],
        ['4', '法定代表人', '', '必填'],
      ]);

      expect((await getEnterprise(rows[0].uscc)).body).to.include({ name: rows[0].name, industryCode: 'C2614', needsCompletion: false });
      expect(await EnterpriseModel.countDocuments({ uscc: { $in: [rows[1].uscc, rows[2].uscc] } })).to.equal(0);
      const entry = await expectAudited('enterprise.create', rows[3].uscc);
      expect(entry.detail).to.deep.equal({ source: `import:${body.id}` });
      await expectAudited('import.finish', body.id, { outcome: 'success' });
    });

    it('the same file again creates nothing: the stored rows answer unchanged, the bad ones fail again', async () => {
      const body = await importAndWait(roster, 'text/csv');
      expect(body).to.include({ status: 'done', created: 0, unchanged: 2, completed: 0, failed: 2, previousImportId: firstId });
      expect(await EnterpriseModel.countDocuments({ uscc: enterpriseBody(9101).uscc })).to.equal(1);
    });

    it('XLSX (first worksheet), headers by label or field code, a division code typed as a number; a row differing from the stored enterprise is reported on its differing cells', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('名录');
      const names = ['uscc', 'name', 'legalRepresentative', 'districtCode', 'industryCode', 'standardisationGrade'] as const;
      ws.addRow(names.map((n, i) => headerOf('enterprise', n, i % 2 ? 'label' : 'code')));
      const fresh = enterpriseBody(9111);
      const changed = { ...enterpriseBody(9101), name: '另一个名称有限公司' };
      for (const e of [fresh, changed]) ws.addRow(names.map((n) => (n === 'districtCode' ? Number(e.districtCode) : (e as Record<string, unknown>)[n])));
      wb.addWorksheet('说明').addRow(['不导入']);
      const body = await importAndWait(Buffer.from(await wb.xlsx.writeBuffer()), XLSX_TYPE);
      expect(body).to.include({ status: 'done', format: 'xlsx', rowsTotal: 2, created: 1, failed: 1 });
      expect((await getEnterprise(fresh.uscc)).body).to.include({ districtCode: '440305', standardisationGrade: '二级' });
      const report = reportRows(await importErrorReport(t, body.id, clerk)).slice(1);
      expect(report.map((r) => r.slice(0, 3))).to.have.deep.members([
        ['3', 'uscc', changed.uscc],
        ['3', '企业名称', changed.name],
        // Columns the file does not have are compared as left empty.
        ['3', '住所', ''],
        ['3', '监管机关', ''],
      ]);
      expect(report.find((r) => r[1] === 'uscc')![3]).to.match(/已存在.*PATCH \/api\/v1\/enterprises\//);
      expect(report.find((r) => r[1] === '企业名称')![3]).to.equal('与已登记的企业信息不同');
    });

    it('an import left running by a dead process resumes after its checkpoint (nothing counted twice)', async () => {
      const rows = [9121, 9122, 9123, 9124, 9125].map((n) => enterpriseBody(n));
      const doc = await createImport({ kind: 'enterprise', format: 'csv', source: Readable.from([Buffer.from(csvOf('enterprise', rows))]), principal: SYSTEM_PRINCIPAL, origin: 'cli' });
      // The dead process had stored lines 2–3 and checkpointed them.
      await createEnterprises(rows.slice(0, 2), { principal: SYSTEM_PRINCIPAL, source: `import:${String(doc._id)}` });
      await ImportModel.updateOne(
        { _id: doc._id },
        { $set: { status: 'running', rowsTotal: 5, rowsRead: 2, created: 2, lastRow: 3, leaseOwner: 'dead-host/1/abc', leaseUntil: new Date(Date.now() - 1000), startedAt: new Date() } },
      );
      expect(await resumeImports()).to.equal(1);
      const body = await importFinished(t, String(doc._id), await t.key(['admin']));
      expect(body).to.include({ status: 'done', rowsTotal: 5, rowsRead: 5, created: 5, unchanged: 0, failed: 0 });
      expect(await EnterpriseModel.countDocuments({ uscc: { $in: rows.map((r) => r.uscc) } })).to.equal(5);
    });
  });

  describe('import templates: GET /api/v1/imports/templates/{kind}.csv|.xlsx', () => {
    it('for every kind: the CSV (UTF-8 with BOM) and the XLSX carry the field table’s Chinese headers; the XLSX explains each column on a second sheet', async () => {
      for (const kind of KINDS) {
        const labels = importTable(kind === 'enterprises' ? 'enterprise' : kind === 'penalties' ? 'penalty' : 'permit').fields.map((f) => f.label);
        const csv = await download(kind, 'csv');
        expect(csv.headers['content-type']).to.equal('text/csv; charset=utf-8');
        expect(csv.headers['content-disposition']).to.match(new RegExp(`filename="${kind}-template.csv"; filename\\*=UTF-8''`));
        const text = (csv.body as Buffer).toString('utf8');
        expect(text.startsWith(BOM)).to.equal(true);
        expect(text.slice(1)).to.equal(`${labels.join(',')}\r\n`);

        const xlsx = await download(kind, 'xlsx');
        expect(xlsx.headers['content-type']).to.equal(XLSX_TYPE);
        const wb = await workbookOf(xlsx.body as Buffer);
        const [sheet, guide] = wb.worksheets;
        expect((sheet.getRow(1).values as unknown[]).slice(1)).to.deep.equal(labels);
        expect(sheet.getColumn(1).numFmt, 'columns formatted as text').to.equal('@');
        expect(guide.name).to.equal('填写说明');
        const rows = guideRows(guide);
        expect(rows.map((r) => r[0])).to.deep.equal(labels);
      }
      const wb = await workbookOf((await download('enterprises', 'xlsx')).body as Buffer);
      const guide = guideRows(wb.worksheets[1]);
      const row = (label: string) => guide.find((r) => r[0] === label)!;
      expect(row('统一社会信用代码').slice(0, 3)).to.deep.equal(['统一社会信用代码', 'uscc', '必填']);
      expect(row('国民经济行业代码')[2]).to.equal('必填');
      expect(row('住所')[2]).to.equal('选填');
      expect(row('安全生产标准化等级')[3]).to.match(/可选值：一级、二级、三级、无.*留空时为“无”/);
      expect(row('行政区划代码')[4]).to.equal('440305');
      const penalties = await workbookOf((await download('penalties', 'xlsx')).body as Buffer);
      const pGuide = guideRows(penalties.worksheets[1]);
      expect(pGuide.find((r) => r[1] === 'CF_NR_FK')![2], '罚款金额 is required only with 罚款').to.equal('视情况必填');
      expect(pGuide.find((r) => r[1] === 'CF_WSH')![2]).to.equal('必填');
      expect(pGuide.find((r) => r[1] === 'CF_CFLB')![3]).to.match(/可多选/);
    });

    it('a template filled with one row imports as it is (CSV and XLSX; enterprises and penalties)', async () => {
      const e1 = enterpriseBody(9201);
      const csv = (await download('enterprises', 'csv')).body as Buffer;
      const fields = importTable('enterprise').fields.map((f) => f.name);
      const one = await importAndWait(Buffer.concat([csv, Buffer.from(csvLine(fields, e1))]), 'text/csv');
      expect(one, JSON.stringify(one)).to.include({ status: 'done', rowsTotal: 1, created: 1, failed: 0 });

      const e2 = enterpriseBody(9202, { uscc: '914403001922038216' });
      const wb = await workbookOf((await download('enterprises', 'xlsx')).body as Buffer);
      wb.worksheets[0].addRow(fields.map((n) => (e2 as Record<string, unknown>)[n] ?? null));
      const two = await importAndWait(Buffer.from(await wb.xlsx.writeBuffer()), XLSX_TYPE);
      expect(two, JSON.stringify(two)).to.include({ status: 'done', rowsTotal: 1, created: 1, failed: 0 });
      expect((await getEnterprise(e2.uscc)).body).to.include({ uscc: '914403001922038216', name: e2.name });

      const penaltyCsv = (await download('penalties', 'csv')).body as Buffer;
      const penaltyFields = importTable('penalty').fields.map((f) => f.name);
      const res = await t.request
        .post('/api/v1/imports?kind=penalties')
        .set('X-API-Key', clerk)
        .set('Content-Type', 'text/csv')
        .send(Buffer.concat([penaltyCsv, Buffer.from(csvLine(penaltyFields, penaltyBody(9203)))]));
      expect(res.status).to.equal(202);
      expect(await importFinished(t, res.body.id, clerk)).to.include({ status: 'done', created: 1, failed: 0 });
    });

    it('an unknown kind is 400; roles other than clerk and admin are refused', async () => {
      const bad = await t.request.get('/api/v1/imports/templates/grades.csv').set('X-API-Key', clerk);
      expect(bad.status).to.equal(400);
      expect(bad.body.error.details[0].path).to.equal('params.kind');
      const regulator = await t.key(['regulator']);
      expect((await t.request.get('/api/v1/imports/templates/enterprises.xlsx').set('X-API-Key', regulator)).status).to.equal(403);
      const admin = await t.key(['admin']);
      expect((await t.request.get('/api/v1/imports/templates/enterprises.csv').set('X-API-Key', admin)).status).to.equal(200);
    });
  });

  describe('enterprises created implicitly by records: needsCompletion', () => {
    it('flagged with the fields it lacks, listed by ?needsCompletion=true, cleared when a clerk completes it through PATCH', async () => {
      const uscc = await implicitEnterprise(9301);
      const complete = enterpriseBody(9001).uscc;
      const before = await getEnterprise(uscc);
      expect(before.body).to.include({ needsCompletion: true, industryCode: null });
      expect(before.body.missingFields).to.deep.equal(['industryCode']);
      expect((await getEnterprise(complete)).body).to.include({ needsCompletion: false });
      expect((await getEnterprise(complete)).body.missingFields).to.deep.equal([]);

      const listed = async (needsCompletion: boolean) => {
        const res = await t.request.get('/api/v1/enterprises').query({ needsCompletion, name: '测试安全生产企业9', limit: 500 }).set('X-API-Key', clerk);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        return res.body.items.map((e: { uscc: string }) => e.uscc) as string[];
      };
      expect(await listed(true)).to.include(uscc).and.not.include(complete);
      expect(await listed(false)).to.include(complete).and.not.include(uscc);

      // An edit that leaves the industry out does not complete it.
      const partial = await t.request.patch(`/api/v1/enterprises/${uscc}`).set('X-API-Key', clerk).send({ address: '深圳市宝安区' });
      expect(partial.status).to.equal(200);
      expect(partial.body).to.include({ needsCompletion: true });
      const done = await t.request.patch(`/api/v1/enterprises/${uscc}`).set('X-API-Key', clerk).send({ industryCode: 'c2614' });
      expect(done.status, JSON.stringify(done.body)).to.equal(200);
      expect(done.body).to.include({ needsCompletion: false, industryCode: 'C2614', revision: 3 });
      expect(done.body.missingFields).to.deep.equal([]);
      expect(await listed(true)).to.not.include(uscc);
      expect(await listed(false)).to.include(uscc);
      const entry = await expectAudited('enterprise.update', uscc);
      expect(entry.detail).to.deep.equal({ completes: true });
      expect((entry.before as { needsCompletion: boolean }).needsCompletion).to.equal(true);
    });

    it('a roster row, a batch row or a registration completes an enterprise awaiting completion (audited); a scoped clerk only in its scope', async () => {
      const [a, b, c, d] = await Promise.all([9311, 9312, 9313, 9314].map(implicitEnterprise));
      const rosterRow = enterpriseBody(9311, { name: '名录中的正式名称有限公司' });
      expect(rosterRow.uscc).to.equal(a);
      const csv = csvOf('enterprise', [rosterRow]);
      const imported = await importAndWait(csv, 'text/csv');
      expect(imported).to.include({ status: 'done', created: 0, unchanged: 0, completed: 1, failed: 0 });
      expect((await getEnterprise(a)).body).to.include({ name: rosterRow.name, industryCode: 'C2614', standardisationGrade: '二级', needsCompletion: false, revision: 2 });
      const entry = await expectAudited('enterprise.update', a);
      expect(entry.detail).to.deep.equal({ completes: true, source: `import:${imported.id}` });
      expect((await importAndWait(csv, 'text/csv')).unchanged, 'a second upload finds it complete and identical').to.equal(1);

      const outside = await t.key(['clerk'], { scope: ['440306'] });
      const refused = await batch([enterpriseBody(9312, { districtCode: '440306', uscc: b })], outside);
      expect(refused.body.results[0]).to.include({ status: 'error', code: 'FORBIDDEN' });
      expect(refused.body.results[0].details[0].message).to.match(/440305.*不在本人职权范围/);
      expect((await getEnterprise(b)).body.needsCompletion).to.equal(true);

      const viaBatch = await batch([enterpriseBody(9312), enterpriseBody(9312, { name: '同一批次的另一种写法有限公司' })]);
      expect(viaBatch.body.results.map((r: { status: string; code?: string }) => r.code ?? r.status)).to.deep.equal(['completed', 'CONFLICT']);
      expect(viaBatch.body.summary).to.deep.include({ completed: 1, error: 1 });

      const single = await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(enterpriseBody(9313));
      expect(single.status, JSON.stringify(single.body)).to.equal(200);
      expect(single.body).to.include({ uscc: c, needsCompletion: false });
      expect((await t.request.post('/api/v1/enterprises').set('X-API-Key', clerk).send(enterpriseBody(9313))).status).to.equal(409);
      expect((await getEnterprise(d)).body.needsCompletion, 'the others stay flagged').to.equal(true);
    });
  });

  it('enterprises stored before the flag existed get it at start-up: flagged without an industry, false otherwise', async () => {
    const legacy = (n: number, industryCode?: string) => ({ ...enterpriseBody(n, { industryCode }), _id: enterpriseId(makeUscc(n, '440305')), origin: 'record', revision: 1, createdBy: 'old', updatedBy: 'old' });
    await EnterpriseModel.collection.insertMany([legacy(9401), legacy(9402, 'C2614')] as never[]);
    expect(await flagIncompleteEnterprises()).to.equal(1);
    expect((await getEnterprise(makeUscc(9401, '440305'))).body).to.include({ needsCompletion: true });
    expect((await EnterpriseModel.findOne({ uscc: makeUscc(9402, '440305') }).lean())?.needsCompletion).to.equal(false);
    expect(await flagIncompleteEnterprises(), 'idempotent').to.equal(0);
  });

  it('the OpenAPI document describes the batch and the templates', async () => {
    const res = await t.request.get('/api/v1/openapi.json');
    const batchOp = res.body.paths['/api/v1/enterprises/batch'].post;
    expect(batchOp['x-roles']).to.deep.equal(['clerk']);
    expect(batchOp.requestBody.content['application/json'].schema.properties.enterprises.maxItems).to.equal(1000);
    const xlsx = res.body.paths['/api/v1/imports/templates/{kind}.xlsx'].get;
    expect(Object.keys(xlsx.responses[200].content)).to.deep.equal([XLSX_TYPE]);
    expect(xlsx.parameters[0]).to.include({ name: 'kind', in: 'path' });
    expect(xlsx.parameters[0].schema.enum).to.deep.equal(['permits', 'penalties', 'enterprises']);
    expect(res.body.paths['/api/v1/enterprises'].get.parameters.map((p: { name: string }) => p.name)).to.include('needsCompletion');
  });
});

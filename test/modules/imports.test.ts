import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { expectErrorShape, type TestApp } from '../support/app.js';
import { expectAudited } from '../support/audit.js';
import { runCli } from '../support/process.js';
import { makeUscc, penaltyBody, permitBody } from '../support/fixtures.js';
import { RecordModel, createRecords, SYSTEM_PRINCIPAL } from '../../src/modules/records/index.js';
import { XLSX_TYPE, csvOf, headerOf, importErrorReport, importFinished, reportRows, startImportApp, type ImportApp } from '../support/importFiles.js';
import { IMPORT_MAX_ROWS, ImportErrorModel, ImportModel, configureImports, createImport, resumeImports } from '../../src/modules/imports/index.js';
import { coerceDate, fieldOfHeader } from '../../src/modules/imports/parse.js';
import { addDays, todayInShanghai } from '../../src/lib/calendar.js';

const BOM = '\uFEFF';

describe('imports: bulk import of permits and penalties (CSV, XLSX, JSONL) through HTTP and the CLI', function () {
  this.timeout(60_000);
  let app: ImportApp;
  let t: TestApp;
  let clerk: string;
  let dataDir: string;

  before(async () => {
    app = await startImportApp('imports', 'imports-test-');
    ({ t, clerk, dataDir } = app);
  });
  after(() => app.close());

  const upload = (body: string | Buffer, contentType: string, kind = 'penalties', key = clerk, extra = '') =>
    t.request
      .post(`/api/v1/imports?kind=${kind}${extra}`)
      .set('X-API-Key', key)
      .set('Content-Type', contentType)
      .send(Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'));

  const finished = (id: string, key = clerk) => importFinished(t, id, key);

  async function importAndWait(body: string | Buffer, contentType: string, kind = 'penalties', extra = '') {
    const res = await upload(body, contentType, kind, clerk, extra);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    expect(res.headers.location).to.equal(`/api/v1/imports/${res.body.id}`);
    return finished(res.body.id);
  }

  const errorReport = (id: string) => importErrorReport(t, id, clerk);

  let firstCsv: string;
  let firstImportId: string;

  describe('formats, encodings and headers', () => {
    it('CSV in UTF-8 with BOM, headers by Chinese label, dates written as 2026/11/2: every row created', async () => {
      const records = [1, 2, 3].map((n) => penaltyBody(10_000 + n, { decisionDate: '2026/11/2', penaltyTypes: ['罚款', '警告'] }));
      firstCsv = BOM + csvOf('penalty', records, 'label');
      const body = await importAndWait(firstCsv, 'text/csv; charset=utf-8', 'penalties', '&fileName=处罚.csv');
      firstImportId = body.id;
      expect(body).to.include({ status: 'done', kind: 'penalties', format: 'csv', encoding: 'utf-8', rowsTotal: 3, rowsRead: 3, created: 3, unchanged: 0, failed: 0, error: null, fileName: '处罚.csv' });
      // Their subjects were unknown: each enterprise created from its record is counted and audited with the import as source.
      expect(body.enterprisesCreated).to.equal(3);
      const made = await expectAudited('enterprise.create', String(records[0].uscc));
      expect(made.detail).to.deep.include({ origin: 'record', source: `import:${body.id}` });
      expect(body.sha256).to.match(/^[0-9a-f]{64}$/);
      expect(body.startedAt).to.be.a('string');
      expect(body.finishedAt).to.be.a('string');
      expect(body.columns.map((c: { field: string }) => c.field)).to.include.members(['decisionNumber', 'fineAmount', 'penaltyTypes']);
      const stored = await RecordModel.findOne({ decisionNumber: records[0].decisionNumber }).lean();
      expect(stored?.source).to.equal(`import:${body.id}`);
      expect(stored?.data.decisionDate).to.equal('2026-11-02');
      expect(stored?.data.penaltyTypes).to.deep.equal(['罚款', '警告']);
      expect(stored?.data.fineAmount).to.equal(3.5);
      expect(stored?.derived.publicityDeadline).to.equal('2026-11-11');
      await expectAudited('import.create', body.id, { outcome: 'success' });
      const finish = await expectAudited('import.finish', body.id, { outcome: 'success' });
      expect(finish.after).to.include({ status: 'done', created: 3 });
      await expectAudited('penalty.create', String(stored!._id));
      // The stored upload is removed once the import ends (right after its status is written).
      for (let i = 0; i < 50 && readdirSync(join(dataDir, 'imports')).includes(body.id); i++) await new Promise((r) => setTimeout(r, 20));
      expect(readdirSync(join(dataDir, 'imports'))).to.not.include(body.id);
    });

    it('CSV in GB18030 (detected: not valid UTF-8), headers by field code', async () => {
      const records = [4, 5].map((n) => penaltyBody(10_000 + n, { subjectName: `深圳市龘靐齉齾安全生产企业${n}有限公司` }));
      const file = iconv.encode(csvOf('penalty', records, 'code'), 'gb18030');
      expect(() => new TextDecoder('utf-8', { fatal: true }).decode(file)).to.throw();
      const body = await importAndWait(file, 'text/csv');
      expect(body).to.include({ status: 'done', encoding: 'gb18030', created: 2, failed: 0 });
      const stored = await RecordModel.findOne({ decisionNumber: records[1].decisionNumber }).lean();
      expect(stored?.subjectName).to.equal(records[1].subjectName);
      expect(stored?.data.authorityUscc).to.equal(records[1].authorityUscc);
    });

    it('XLSX (first worksheet): Excel date cells, a date serial without format, numbers, 当前状态 written as 有效', async () => {
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('许可');
      const names = Object.keys(permitBody(1));
      ws.addRow([...names.map((n) => headerOf('permit', n, 'label')), '内部备注（不导入）']);
      const serial = (d: string) => (Date.parse(`${d}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000;
      for (const n of [21, 22, 23]) {
        const p = permitBody(10_000 + n);
        ws.addRow([
          ...names.map((name) => {
            if (name === 'decisionDate') return new Date(Date.UTC(2026, 10, 2));
            if (name === 'validFrom') return serial('2026-11-03');
            if (name === 'validTo') return '2029年11月1日';
            return (p as Record<string, unknown>)[name];
          }),
          '忽略我',
        ]);
      }
      ws.getColumn(names.indexOf('decisionDate') + 1).numFmt = 'yyyy-mm-dd';
      wb.addWorksheet('说明').addRow(['这张表不导入']);
      const file = Buffer.from(await wb.xlsx.writeBuffer());
      const body = await importAndWait(file, XLSX_TYPE, 'permits');
      expect(body).to.include({ status: 'done', kind: 'permits', format: 'xlsx', encoding: null, rowsTotal: 3, created: 3, failed: 0 });
      expect(body.ignoredColumns).to.deep.equal(['内部备注（不导入）']);
      const stored = await RecordModel.findOne({ kind: 'permit', decisionNumber: permitBody(10_021).decisionNumber }).lean();
      expect(stored?.data).to.include({ decisionDate: '2026-11-02', validFrom: '2026-11-03', validTo: '2029-11-01', status: '1' });
    });

    it('JSONL: keys by label or code; a line that is not JSON and a line that is not an object fail with their line numbers', async () => {
      const a = penaltyBody(10_031);
      const b = penaltyBody(10_032);
      const byCode = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [headerOf('penalty', k, 'code'), v]));
      const byLabel = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [headerOf('penalty', k, 'label'), v]));
      const file = [JSON.stringify(byCode(a)), '{"not json', '', '[1,2]', JSON.stringify(byLabel(b))].join('\n');
      const body = await importAndWait(file, 'application/x-ndjson');
      expect(body).to.include({ status: 'done', format: 'jsonl', rowsTotal: 4, rowsRead: 4, created: 2, failed: 2 });
      const errors = await ImportErrorModel.find({ importId: body.id }).sort({ row: 1 }).lean();
      expect(errors.map((e) => e.row)).to.deep.equal([2, 4]);
      expect(errors[0].problems[0].reason).to.equal('该行不是合法的 JSON');
      expect(errors[1].problems[0].reason).to.match(/JSON 对象/);
      expect(await RecordModel.countDocuments({ source: `import:${body.id}` })).to.equal(2);
    });

    it('application/jsonl is accepted too', async () => {
      const body = await importAndWait(JSON.stringify(penaltyBody(10_033)), 'application/jsonl');
      expect(body).to.include({ status: 'done', created: 1 });
    });

    it('headers are matched across spelling: 全角/半角 brackets, spaces, a template’s leading *, 标签(代码)', () => {
      expect(fieldOfHeader('penalty', '罚款金额(万元)')).to.equal('fineAmount');
      expect(fieldOfHeader('penalty', ' *行政相对人名称 ')).to.equal('subjectName');
      expect(fieldOfHeader('penalty', 'cf_wsh')).to.equal('decisionNumber');
      expect(fieldOfHeader('penalty', '处罚决定书文号（CF_WSH）')).to.equal('decisionNumber');
      expect(fieldOfHeader('penalty', '许可类别')).to.equal(null);
      expect(fieldOfHeader('permit', 'XK_XKLB')).to.equal('permitCategory');
    });

    it('dates as written in spreadsheets become YYYY-MM-DD', () => {
      expect(coerceDate('2026/11/2')).to.equal('2026-11-02');
      expect(coerceDate('2026年11月2日')).to.equal('2026-11-02');
      expect(coerceDate('2026.11.02')).to.equal('2026-11-02');
      expect(coerceDate('20261102')).to.equal('2026-11-02');
      expect(coerceDate(20261102)).to.equal('2026-11-02');
      expect(coerceDate('2026-11-02 00:00:00')).to.equal('2026-11-02');
      expect(coerceDate('2026-11-01T16:00:00Z')).to.equal('2026-11-02');
      expect(coerceDate(46328)).to.equal('2026-11-02');
      expect(coerceDate(new Date(Date.UTC(2026, 10, 2)))).to.equal('2026-11-02');
      expect(coerceDate('下周一')).to.equal('下周一');
    });
  });

  describe('row errors and the error report', () => {
    let id: string;
    it('reports each failing row with its line number in the file, the column as written and a Chinese reason; valid rows are stored', async () => {
      const future = addDays(todayInShanghai(), 3);
      const records = [
        penaltyBody(10_041), // line 2: fine
        penaltyBody(10_042, { fineAmount: undefined }), // line 3: 罚款 without amount
        penaltyBody(10_043, { uscc: '914403001922038217' }), // line 5 (line 4 empty): bad check character
        penaltyBody(10_044, { decisionDate: future, penaltyTypes: ['罚款', '罚酒三杯'] }), // line 6: two problems
        penaltyBody(10_045, { decisionDate: '=1+2' }), // line 7: a formula where a date should be
        penaltyBody(1, { fineAmount: 99 }), // line 8: fine (first time)
      ];
      const lines = csvOf('penalty', records, 'label').split('\r\n');
      lines.splice(3, 0, ''); // an empty line in the middle: line numbers stay as in the file
      const body = await importAndWait(lines.join('\r\n'), 'text/csv');
      id = body.id;
      expect(body).to.include({ status: 'done', rowsTotal: 6, created: 2, failed: 4 });
      const rows = reportRows(await errorReport(id));
      expect(rows[0]).to.deep.equal(['行号', '列', '值', '原因']);
      const byLine = (n: number) => rows.filter((r) => r[0] === String(n));
      expect(byLine(3)).to.have.length(1);
      expect(byLine(3)[0][1]).to.equal('罚款金额（万元）');
      expect(byLine(3)[0][3]).to.match(/罚款金额/);
      expect(byLine(5)[0].slice(0, 3)).to.deep.equal(['5', '统一社会信用代码', '914403001922038217']);
      expect(byLine(5)[0][3]).to.match(/校验位错误/);
      expect(byLine(6).map((r) => r[1]).sort()).to.deep.equal(['处罚决定日期', '处罚类别']);
      expect(byLine(6).find((r) => r[1] === '处罚决定日期')![3]).to.match(/不得晚于今天/);
      // Formula-escaped: a spreadsheet shows the text instead of running it.
      expect(byLine(7)[0][1]).to.equal('处罚决定日期');
      expect(byLine(7)[0][2]).to.equal("'=1+2");
      expect(byLine(2)).to.have.length(0);
      expect(byLine(8)).to.have.length(0);
    });

    it('a row that repeats a stored decision number with other content is a conflict pointing to the correction route', async () => {
      const changed = penaltyBody(10_041, { fineAmount: 7 });
      const body = await importAndWait(csvOf('penalty', [changed], 'code'), 'text/csv');
      expect(body).to.include({ created: 0, unchanged: 0, failed: 1 });
      const rows = reportRows(await errorReport(body.id));
      expect(rows[1][0]).to.equal('2');
      expect(rows[1][1]).to.equal('CF_WSH');
      expect(rows[1][3]).to.match(/已存在且内容不同.*办理更正.*PATCH \/api\/v1\/penalties\/[0-9a-f]{24}/);
    });

    it('the errors as JSON for the console (GET /imports/:id/errors): one item per bad cell, code headers named by their Chinese label', async () => {
      const body = await importAndWait(csvOf('penalty', [penaltyBody(10_046, { decisionDate: '=1+2', penaltyTypes: ['罚款', '罚酒三杯'] })], 'code'), 'text/csv');
      expect(body).to.include({ failed: 1 });
      const res = await t.request.get(`/api/v1/imports/${body.id}/errors`).set('X-API-Key', clerk);
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ id: body.id, failed: 1, truncated: false, error: null });
      const items = res.body.items as { row: number; column: string; label: string; value: string; reason: string }[];
      expect(items.map((i) => [i.row, i.column, i.label])).to.deep.include.members([
        [2, 'CF_CFLB', '处罚类别'],
        [2, 'CF_JDRQ', '处罚决定日期'],
      ]);
      expect(items.every((i) => i.row === 2 && /^[\u4e00-\u9fa5（）]+$/.test(i.label)), JSON.stringify(items)).to.equal(true);
      expect(items.every((i) => /[\u4e00-\u9fa5]/.test(i.reason))).to.equal(true);
    });

    it('the same file again creates nothing: every row unchanged, same sha256, the earlier import named', async () => {
      const before = await RecordModel.countDocuments();
      const body = await importAndWait(firstCsv, 'text/csv');
      expect(body).to.include({ status: 'done', created: 0, unchanged: 3, failed: 0, enterprisesCreated: 0, previousImportId: firstImportId });
      const first = await t.request.get(`/api/v1/imports/${firstImportId}`).set('X-API-Key', clerk);
      expect(body.sha256).to.equal(first.body.sha256);
      expect(await RecordModel.countDocuments()).to.equal(before);
    });

    it('after a correction changed a decision number: the old number is free for a new record, the new one answers unchanged', async () => {
      const original = penaltyBody(10_091);
      const first = await importAndWait(csvOf('penalty', [original]), 'text/csv');
      expect(first.created).to.equal(1);
      const stored = await RecordModel.findOne({ decisionNumber: original.decisionNumber }).lean();
      const renumbered = '深应急罚〔2026〕10091-1号';
      const patch = await t.request
        .patch(`/api/v1/penalties/${String(stored!._id)}`)
        .set('X-API-Key', clerk)
        .send({ action: 'correct', reason: '文书号录入错误，予以更正', changes: { decisionNumber: renumbered } });
      expect(patch.status, JSON.stringify(patch.body)).to.equal(200);
      const reused = penaltyBody(10_092, { decisionNumber: original.decisionNumber });
      const corrected = { ...original, decisionNumber: renumbered };
      const body = await importAndWait(csvOf('penalty', [reused, corrected]), 'text/csv');
      expect(body).to.include({ created: 1, unchanged: 1, failed: 0 });
      const again = await importAndWait(csvOf('penalty', [reused, corrected, original]), 'text/csv');
      expect(again).to.include({ created: 0, unchanged: 2, failed: 1 });
      expect(await RecordModel.countDocuments({ decisionNumber: { $in: [original.decisionNumber, renumbered] } })).to.equal(2);
    });

    it(`a file over ${IMPORT_MAX_ROWS} rows fails with a clear error, creating nothing`, async () => {
      const head = csvOf('penalty', [penaltyBody(10_051)], 'label');
      const row = head.split('\r\n')[1];
      const parts = [head];
      // IMPORT_MAX_ROWS + 1 data rows (the same valid row; nothing may be created anyway).
      for (let i = 0; i < IMPORT_MAX_ROWS; i++) parts.push(`${row}\r\n`);
      const body = await importAndWait(parts.join(''), 'text/csv');
      expect(body.status).to.equal('failed');
      expect(body.error).to.match(/超过单次导入上限 100000 行/);
      expect(body).to.include({ created: 0, rowsRead: 0 });
      expect(await RecordModel.countDocuments({ source: `import:${body.id}` })).to.equal(0);
      const rows = reportRows(await errorReport(body.id));
      expect(rows[1][3]).to.match(/100000/);
      const finish = await expectAudited('import.finish', body.id, { outcome: 'failure' });
      expect((finish.after as { status: string }).status).to.equal('failed');
    });

    it('a file whose header names no field fails with the reason', async () => {
      const body = await importAndWait('名称,金额\r\n甲,1\r\n', 'text/csv');
      expect(body.status).to.equal('failed');
      expect(body.error).to.match(/表头中没有可识别的列/);
    });

    it('a CSV with an unclosed quote fails as a whole before anything is created', async () => {
      const good = csvOf('penalty', [penaltyBody(10_061)], 'label');
      const body = await importAndWait(`${good}"unclosed,1,2\r\n`, 'text/csv');
      expect(body.status).to.equal('failed');
      expect(body.error).to.match(/CSV 文件格式错误.*引号未闭合/);
      expect(await RecordModel.countDocuments({ decisionNumber: penaltyBody(10_061).decisionNumber })).to.equal(0);
    });
  });

  describe('the upload', () => {
    it('refuses content types it does not read (415), XLSX content that is not XLSX (400), no kind (400)', async () => {
      const json = await t.request.post('/api/v1/imports?kind=penalties').set('X-API-Key', clerk).send({ records: [] });
      expect(json.status).to.equal(415);
      expectErrorShape(json.body);
      expect(json.body.error.code).to.equal('UNSUPPORTED_MEDIA_TYPE');
      const plain = await upload('a,b', 'text/plain');
      expect(plain.status).to.equal(415);
      const fake = await upload('决定文书号\r\n1\r\n', XLSX_TYPE);
      expect(fake.status).to.equal(400);
      expect(fake.body.error.message).to.match(/不是 XLSX/);
      const zipAsCsv = await upload(Buffer.from(await new ExcelJS.Workbook().xlsx.writeBuffer()), 'text/csv');
      expect(zipAsCsv.status).to.equal(400);
      const noKind = await t.request.post('/api/v1/imports').set('X-API-Key', clerk).set('Content-Type', 'text/csv').send('a');
      expect(noKind.status).to.equal(400);
      expect(noKind.body.error.details[0].path).to.equal('query.kind');
      const utf16 = await upload(iconv.encode('\uFEFF决定文书号\r\n1\r\n', 'utf-16le'), 'text/csv');
      expect(utf16.status).to.equal(400);
      expect(utf16.body.error.message).to.match(/UTF-16/);
      const empty = await upload('', 'text/csv');
      expect(empty.status).to.equal(400);
      expect(empty.body.error.message).to.equal('文件为空');
    });

    it('enterprise principals and regulators cannot import (403)', async () => {
      const ent = await t.key(['enterprise'], { uscc: makeUscc(10_001, '440305') });
      const res = await upload(firstCsv, 'text/csv', 'penalties', ent);
      expect(res.status).to.equal(403);
      const reg = await t.key(['regulator']);
      expect((await upload(firstCsv, 'text/csv', 'penalties', reg)).status).to.equal(403);
      expect((await t.request.get('/api/v1/imports').set('X-API-Key', ent)).status).to.equal(403);
    });

    it('a file over IMPORT_MAX_BYTES → 413, whether announced by Content-Length or found while streaming', async () => {
      configureImports({ dataDir, batchSize: 50, maxBytes: 1000 });
      try {
        const big = 'x'.repeat(5000);
        const res = await upload(big, 'text/csv');
        expect(res.status).to.equal(413);
        expect(res.body.error.code).to.equal('PAYLOAD_TOO_LARGE');
        // Chunked (no Content-Length): counted while streaming to disk, the partial file removed.
        const server = http.createServer(t.app);
        await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
        try {
          const { port } = server.address() as AddressInfo;
          const status = await new Promise<number>((resolve, reject) => {
            const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/api/v1/imports?kind=penalties', headers: { 'content-type': 'text/csv', 'x-api-key': clerk, 'transfer-encoding': 'chunked' } }, (r) => {
              r.resume();
              resolve(r.statusCode ?? 0);
            });
            req.on('error', (err) => (err.message.includes('EPIPE') || err.message.includes('ECONNRESET') ? undefined : reject(err)));
            Readable.from(Array.from({ length: 10 }, () => Buffer.alloc(500, 'y'))).pipe(req);
          });
          expect(status).to.equal(413);
        } finally {
          server.closeAllConnections();
          await new Promise((r) => server.close(r));
        }
        expect(readdirSync(join(dataDir, 'imports')).filter((f) => !f.endsWith('.csv'))).to.deep.equal([]);
      } finally {
        configureImports({ dataDir, batchSize: 50 });
      }
    });

    it('lists imports newest first with a cursor; a clerk sees only their own, an administrator all', async () => {
      const page1 = await t.request.get('/api/v1/imports?limit=2').set('X-API-Key', clerk);
      expect(page1.status).to.equal(200);
      expect(page1.body.items).to.have.length(2);
      expect(page1.body.nextCursor).to.be.a('string');
      const page2 = await t.request.get(`/api/v1/imports?limit=2&cursor=${page1.body.nextCursor}`).set('X-API-Key', clerk);
      expect(page2.body.items[0].id < page1.body.items[1].id).to.equal(true);
      const failed = await t.request.get('/api/v1/imports?status=failed&limit=50').set('X-API-Key', clerk);
      expect(failed.body.items.every((i: { status: string }) => i.status === 'failed')).to.equal(true);
      expect(failed.body.items.length).to.be.greaterThan(0);
      const other = await t.key(['clerk'], { name: '另一位录入人员' });
      const theirs = await t.request.get('/api/v1/imports').set('X-API-Key', other);
      expect(theirs.body.items).to.deep.equal([]);
      expect((await t.request.get(`/api/v1/imports/${firstImportId}`).set('X-API-Key', other)).status).to.equal(404);
      const admin = await t.key(['admin']);
      const all = await t.request.get('/api/v1/imports?limit=500').set('X-API-Key', admin);
      expect(all.body.items.map((i: { id: string }) => i.id)).to.include(firstImportId);
    });

    it('the OpenAPI document describes the raw upload', async () => {
      const res = await t.request.get('/api/v1/openapi.json');
      const op = res.body.paths['/api/v1/imports'].post;
      expect(Object.keys(op.requestBody.content)).to.include.members(['text/csv', XLSX_TYPE, 'application/x-ndjson', 'application/jsonl']);
      expect(op['x-roles']).to.deep.equal(['clerk']);
      expect(res.body.paths['/api/v1/imports/{id}/errors.csv'].get['x-roles']).to.deep.equal(['clerk', 'admin']);
    });
  });

  describe('crash safety', () => {
    it('an import left running by a dead process is resumed after its checkpoint at start-up', async () => {
      const records = [71, 72, 73, 74, 75].map((n) => penaltyBody(10_000 + n));
      const csv = csvOf('penalty', records, 'label');
      const doc = await createImport({ kind: 'penalty', format: 'csv', source: Readable.from([Buffer.from(csv)]), principal: SYSTEM_PRINCIPAL, origin: 'cli' });
      // The dead process had stored the first two rows (lines 2–3) and checkpointed them, then died.
      await createRecords('penalty', records.slice(0, 2), { principal: SYSTEM_PRINCIPAL, source: `import:${String(doc._id)}` });
      await ImportModel.updateOne(
        { _id: doc._id },
        { $set: { status: 'running', rowsTotal: 5, rowsRead: 2, created: 2, lastRow: 3, leaseOwner: 'dead-host/1/abc', leaseUntil: new Date(Date.now() - 1000), startedAt: new Date() } },
      );
      expect(await resumeImports()).to.equal(1);
      const body = await finished(String(doc._id), await t.key(['admin']));
      // Only lines 4–6 were read again: nothing counted twice.
      expect(body).to.include({ status: 'done', rowsTotal: 5, rowsRead: 5, created: 5, unchanged: 0, failed: 0 });
      const after = await ImportModel.findById(doc._id).lean();
      expect(after?.runs).to.equal(1);
      expect(after?.leaseOwner).to.equal(null);
      expect(await RecordModel.countDocuments({ source: `import:${String(doc._id)}` })).to.equal(5);
    });
  });

  describe('CLI: npm run cli -- import <file> --kind …', () => {
    it('imports a file with the same service code, prints the summary and writes the error report', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'imports-cli-'));
      try {
        const file = join(dir, '许可.csv');
        writeFileSync(file, BOM + csvOf('permit', [permitBody(10_081), permitBody(10_082), permitBody(10_083, { permitCategory: '特殊' })], 'label'));
        const errorsOut = join(dir, 'errors.csv');
        const { code, stdout, stderr } = await runCli(t.dbName, ['import', file, '--kind', 'permits', '--errors-out', errorsOut], { DATA_DIR: join(dir, 'data') });
        expect(code, stderr).to.equal(0);
        const summary = JSON.parse(stdout);
        expect(summary).to.include({ status: 'done', kind: 'permits', origin: 'cli', rowsRead: 3, created: 2, failed: 1, errorReport: errorsOut, fileName: '许可.csv' });
        expect(stderr).to.match(/导入完成/);
        const report = reportRows(readFileSync(errorsOut));
        expect(report[1].slice(0, 3)).to.deep.equal(['4', '许可类别', '特殊']);
        const stored = await RecordModel.findOne({ kind: 'permit', decisionNumber: permitBody(10_081).decisionNumber }).lean();
        expect(stored?.source).to.equal(`import:${summary.id}`);
        expect(stored?.createdBy).to.equal('cli');
        await expectAudited('import.finish', summary.id, { principalId: 'cli' });
        expect(existsSync(join(dir, 'data', 'imports', summary.id))).to.equal(false);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});

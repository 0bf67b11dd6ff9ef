import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { expectErrorShape, type TestApp } from '../support/app.js';
import { penaltyBody } from '../support/fixtures.js';
import { XLSX_TYPE, csvOf, importErrorReport, importFinished, startImportApp, type ImportApp } from '../support/importFiles.js';
import { RecordModel } from '../../src/modules/records/index.js';
import { SHEET_CLOSE, SHEET_OPEN, deflateEntry, xlsxWorkbookParts, zip } from '../support/zip.js';

/** An XLSX whose only worksheet holds one inline-string cell of `bombBytes` repeated 'A's: ~1000:1 compression. */
async function xlsxBomb(bombBytes: number): Promise<Buffer> {
  const chunk = Buffer.alloc(1 << 20, 0x41);
  function* sheet() {
    yield Buffer.from(`${SHEET_OPEN}<row r="1"><c r="A1" t="inlineStr"><is><t>`);
    for (let left = bombBytes; left > 0; left -= chunk.length) yield left >= chunk.length ? chunk : chunk.subarray(0, left);
    yield Buffer.from(`</t></is></c></row>${SHEET_CLOSE}`);
  }
  const parts = await xlsxWorkbookParts([{ name: 'Sheet1', target: 'worksheets/sheet1.xml' }]);
  return zip([parts.contentTypes, parts.packageRels, parts.workbook, parts.workbookRels, await deflateEntry('xl/worksheets/sheet1.xml', sheet())]);
}

/**
 * Hostile import files: each fails cleanly — the upload answers 202 (or a 4xx in the error shape), the
 * import ends `failed` with its reason or with row errors in the report, nothing is created from it, no
 * 5xx, and the process keeps serving.
 */
describe('imports: hostile files fail cleanly with a report', function () {
  this.timeout(120_000);
  let app: ImportApp;
  let t: TestApp;
  let clerk: string;

  before(async () => {
    app = await startImportApp('imports_hostile', 'imports-hostile-');
    ({ t, clerk } = app);
  });
  after(() => app.close());

  /** Uploads, waits for the end, checks the process still answers and nothing was created. */
  async function importFails(body: Buffer, contentType: string) {
    const before = await RecordModel.countDocuments();
    const res = await t.request.post('/api/v1/imports?kind=penalties').set('X-API-Key', clerk).set('Content-Type', contentType).send(body);
    expect(res.status, JSON.stringify(res.body)).to.be.lessThan(500);
    let result: { status: string; error?: string; failed: number; created: number; id: string } | undefined;
    if (res.status === 202) {
      result = await importFinished(t, res.body.id, clerk, 90_000);
      expect(result!.status === 'failed' ? result!.error : result!.failed, JSON.stringify(result)).to.not.be.oneOf([undefined, null, '', 0]);
    } else {
      expect(res.status).to.be.within(400, 499);
      expectErrorShape(res.body);
    }
    expect((await t.request.get('/healthz')).status).to.equal(200);
    expect(await RecordModel.countDocuments(), 'nothing created').to.equal(before);
    return result ?? { status: 'rejected', error: res.body.error.message as string, failed: 0, created: 0, id: '' };
  }

  it('a truncated XLSX fails with the reason', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('处罚');
    const records = Array.from({ length: 200 }, (_, i) => penaltyBody(70_000 + i));
    const names = Object.keys(records[0]);
    ws.addRow(names);
    for (const r of records) ws.addRow(names.map((n) => (Array.isArray(r[n as keyof typeof r]) ? (r[n as keyof typeof r] as string[]).join(';') : r[n as keyof typeof r])));
    const full = Buffer.from(await wb.xlsx.writeBuffer());
    for (const cut of [0.3, 0.7, 0.98]) {
      const result = await importFails(full.subarray(0, Math.floor(full.length * cut)), XLSX_TYPE);
      expect(result?.status).to.equal('failed');
      expect(result?.error).to.match(/XLSX/);
    }
  });

  it('a zip bomb disguised as XLSX (600 KB inflating to 600 MB) fails without exhausting memory', async () => {
    const bomb = await xlsxBomb(600 * 1024 * 1024);
    expect(bomb.length).to.be.lessThan(1024 * 1024);
    const rssBefore = process.memoryUsage().rss;
    const result = await importFails(bomb, XLSX_TYPE);
    expect(result?.status).to.equal('failed');
    expect(result?.error).to.match(/解压|XLSX/);
    expect(process.memoryUsage().rss - rssBefore, 'memory growth').to.be.lessThan(300 * 1024 * 1024);
  });

  it('CSV cells that a spreadsheet would run as formulas come back escaped in the error report', async () => {
    const formulas = ['=cmd|\' /C calc\'!A0', '+SUM(1+1)', '-2+3', '@SUM(A1)', '=HYPERLINK("http://evil.example/","x")'];
    const rows = formulas.map((f, i) => penaltyBody(71_000 + i, { uscc: f, decisionDate: f }));
    const result = await importFails(Buffer.from(csvOf('penalty', rows, 'label')), 'text/csv');
    expect(result?.status).to.equal('done');
    expect(result?.failed).to.equal(formulas.length);
    const text = (await importErrorReport(t, result!.id, clerk)).toString('utf8');
    for (const f of formulas) {
      // CSV quoting doubles the quotes inside a cell.
      const escaped = `'${f}`.replace(/"/g, '""');
      expect(text, f).to.include(escaped);
    }
    // No report line has a cell that starts with a formula character.
    for (const line of text.split(/\r?\n/)) for (const cell of line.split(',')) expect(cell.replace(/^"/, ''), line).to.not.match(/^[=+\-@]/);
  });

  it('a 10 MB single line fails with the reason (CSV and JSONL)', async () => {
    const line = Buffer.alloc(10 * 1024 * 1024, 0x61);
    const csv = await importFails(line, 'text/csv');
    expect(csv?.status).to.equal('failed');
    expect(csv?.error).to.match(/超过/);
    const jsonl = await importFails(Buffer.concat([Buffer.from('{"决定文书号":"'), line, Buffer.from('"}')]), 'application/x-ndjson');
    expect(jsonl?.status).to.equal('failed');
    expect(jsonl?.error).to.match(/超过/);
  });

  it('wrong encodings and binary garbage fail with the reason', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(csvOf('penalty', [penaltyBody(72_000)], 'label'), 'utf16le')]);
    const r16 = await importFails(utf16, 'text/csv');
    expect(r16.error).to.match(/UTF-16/);
    const garbage = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i * 2654435761) % 251));
    await importFails(garbage, 'text/csv');
    await importFails(garbage, 'application/x-ndjson');
  });
});

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import type { TestApp } from '../support/app.js';
import { enterpriseBody } from '../support/fixtures.js';
import { XLSX_TYPE, headerOf, importFinished, startImportApp, type ImportApp } from '../support/importFiles.js';
import { SHEET_CLOSE, SHEET_NS, SHEET_OPEN, deflateEntry, xlsxWorkbookParts, zip } from '../support/zip.js';
import { readSource, type SourceItem } from '../../src/modules/imports/parse.js';
import { firstWorksheetPath } from '../../src/modules/imports/xlsx.js';

const escapeXml = (v: string) => v.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

/**
 * A two-tab workbook written by hand, its parts stored in an order exceljs's writer never uses: the worksheets
 * first (the first tab is `sheet2.xml`, its relationship's target absolute), the shared strings after them,
 * the workbook and its relationships last, no styles. Strings are shared (`t="s"`), the division code a number.
 */
async function reorderedWorkbook(rows: (string | number)[][]): Promise<Buffer> {
  const strings: string[] = [];
  const cell = (v: string | number, ref: string) => {
    if (typeof v === 'number') return `<c r="${ref}"><v>${v}</v></c>`;
    if (!strings.includes(v)) strings.push(v);
    return `<c r="${ref}" t="s"><v>${strings.indexOf(v)}</v></c>`;
  };
  const sheetXml = (rs: (string | number)[][]) =>
    `${SHEET_OPEN}${rs.map((r, i) => `<row r="${i + 1}">${r.map((v, j) => cell(v, `${String.fromCharCode(65 + j)}${i + 1}`)).join('')}</row>`).join('')}${SHEET_CLOSE}`;
  const part = (name: string, xml: string) => deflateEntry(name, [Buffer.from(xml)]);
  const notes = sheetXml([['说明：不导入本页']]);
  const data = sheetXml(rows);
  const book = await xlsxWorkbookParts([
    { name: '名录', target: '/xl/worksheets/sheet2.xml' },
    { name: '说明', target: 'worksheets/sheet1.xml' },
  ]);
  return zip([
    book.contentTypes,
    await part('xl/worksheets/sheet1.xml', notes),
    await part('xl/worksheets/sheet2.xml', data),
    await part('xl/sharedStrings.xml', `<?xml version="1.0" encoding="UTF-8"?><sst ${SHEET_NS} count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t>${escapeXml(s)}</t></si>`).join('')}</sst>`),
    book.packageRels,
    book.workbook,
    book.workbookRels,
  ]);
}

const ROSTER_FIELDS = ['uscc', 'name', 'legalRepresentative', 'districtCode', 'industryCode'] as const;

/**
 * XLSX import files are read through their central directory (src/modules/imports/xlsx.ts): the parts a
 * worksheet depends on first, whatever their stored order, then the first tab. exceljs's own streaming pass
 * failed about 1 read in 200 of a two-sheet workbook written by exceljs (exceljs#3064).
 */
describe('imports: XLSX workbooks are read whole, every time, whatever order their parts are stored in', function () {
  this.timeout(120_000);
  let app: ImportApp;
  let t: TestApp;
  let clerk: string;
  const dir = mkdtempSync(join(tmpdir(), 'xlsx-read-'));

  before(async () => {
    app = await startImportApp('imports_xlsx', 'imports-xlsx-');
    ({ t, clerk } = app);
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const readAll = async (path: string) => {
    const items: SourceItem[] = [];
    for await (const item of readSource(path, 'xlsx', null)) items.push(item);
    return items;
  };

  it('a two-sheet workbook written by exceljs reads whole in 600 reads out of 600, 6 at a time (exceljs#3064)', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('名录');
    ws.addRow(['统一社会信用代码', '名称', '行政区划']);
    ws.addRow(['91440300MA5F00000X', '某某化工有限公司', 440305]);
    ws.addRow(['91440300MA5F00001Y', '某某机械有限公司', 440306]);
    wb.addWorksheet('说明').addRow(['不导入']);
    const path = join(dir, 'two-sheets.xlsx');
    writeFileSync(path, Buffer.from(await wb.xlsx.writeBuffer()));
    const want = await readAll(path);
    expect(want).to.deep.equal([
      { type: 'header', row: 1, headers: ['统一社会信用代码', '名称', '行政区划'] },
      { type: 'cells', row: 2, cells: ['91440300MA5F00000X', '某某化工有限公司', 440305] },
      { type: 'cells', row: 3, cells: ['91440300MA5F00001Y', '某某机械有限公司', 440306] },
    ]);
    let next = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next++ < 600) {
          try {
            expect(await readAll(path)).to.deep.equal(want);
          } catch (err) {
            failures.push((err as Error).message);
          }
        }
      }),
    );
    expect(failures).to.deep.equal([]);
  });

  it('parts stored worksheets first and workbook last, the first tab being sheet2.xml: the first tab imports, with its shared strings', async () => {
    const e = enterpriseBody(7301);
    const rows = [ROSTER_FIELDS.map((f) => headerOf('enterprise', f, 'label')), ROSTER_FIELDS.map((f) => (f === 'districtCode' ? Number(e.districtCode) : String((e as Record<string, unknown>)[f])))];
    const body = await reorderedWorkbook(rows);
    const res = await t.request.post('/api/v1/imports?kind=enterprises').set('X-API-Key', clerk).set('Content-Type', XLSX_TYPE).send(body);
    expect(res.status, JSON.stringify(res.body)).to.equal(202);
    const done = await importFinished(t, res.body.id, clerk);
    expect(done, JSON.stringify(done)).to.include({ status: 'done', format: 'xlsx', rowsTotal: 1, created: 1, failed: 0 });
    const stored = await t.request.get(`/api/v1/enterprises/${e.uscc}`).set('X-API-Key', clerk);
    expect(stored.body).to.include({ uscc: e.uscc, name: e.name, districtCode: e.districtCode });
  });

  describe('firstWorksheetPath: the first tab’s part, else the lowest-numbered worksheet', () => {
    const names = ['xl/workbook.xml', 'xl/worksheets/sheet10.xml', 'xl/worksheets/sheet2.xml', 'xl/worksheets/sheet1.xml', 'xl/worksheets/data.xml'];
    const cases: [string, { rId: string }[] | undefined, { Id: string; Target: string }[] | undefined, string | undefined][] = [
      ['relative target of the first tab', [{ rId: 'r2' }, { rId: 'r1' }], [{ Id: 'r1', Target: 'worksheets/sheet1.xml' }, { Id: 'r2', Target: 'worksheets/sheet2.xml' }], 'xl/worksheets/sheet2.xml'],
      ['absolute target of the first tab', [{ rId: 'r3' }], [{ Id: 'r3', Target: '/xl/worksheets/sheet10.xml' }], 'xl/worksheets/sheet10.xml'],
      ['a target not named sheetN', [{ rId: 'r4' }], [{ Id: 'r4', Target: 'worksheets/data.xml' }], 'xl/worksheets/data.xml'],
      ['a target missing from the archive: lowest number (1, not 10)', [{ rId: 'r5' }], [{ Id: 'r5', Target: 'worksheets/sheet9.xml' }], 'xl/worksheets/sheet1.xml'],
      ['no relationship for the first tab', [{ rId: 'r6' }], [], 'xl/worksheets/sheet1.xml'],
      ['no workbook model', undefined, undefined, 'xl/worksheets/sheet1.xml'],
    ];
    for (const [what, sheets, rels, want] of cases) it(what, () => expect(firstWorksheetPath(names, sheets, rels)).to.equal(want));
    it('no worksheet at all', () => expect(firstWorksheetPath(['xl/workbook.xml'], [{ rId: 'r1' }], [])).to.equal(undefined));
  });
});

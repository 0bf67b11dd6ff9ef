/**
 * The first worksheet of an XLSX file, row by row, through exceljs's streaming reader fed part by part.
 *
 * exceljs 4.4.0's `stream.xlsx.WorkbookReader` reads the archive in one streaming pass, in stored order, and
 * parses worksheets stored before the shared strings once that pass ends. The pass sometimes ends before its
 * last entry is handled, and exceljs's own writer stores `xl/workbook.xml` last: the reader then fails with
 * "Cannot read properties of undefined (reading 'sheets')" (exceljs#3064, open; the import reported it as a
 * damaged file). Measured here: 2 of 400 reads of a two-sheet workbook written by exceljs, one at a time and
 * 8 at a time alike.
 *
 * So the archive is read through its central directory instead (`openXlsxArchive`), the approach of exceljs
 * PR #3065: the workbook's relationships, the workbook, the shared strings and the styles first, whatever
 * their stored order, then the first worksheet in the workbook's tab order, streamed. The part parsers are the
 * reader's own methods (`_parseRels`, `_parseWorkbook`, `_parseSharedStrings`, `_parseStyles`,
 * `_parseWorksheet`) of the exceljs version pinned in package.json (4.4.0): a version change must keep them
 * (the import tests read workbooks through this path).
 */
import type { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { XlsxArchive } from './zipGuard.js';

type SheetReader = AsyncIterable<ExcelJS.Row>;

/** The part parsers of exceljs 4.4.0's streaming WorkbookReader (lib/stream/xlsx/workbook-reader.js). */
interface PartParsers {
  model?: { sheets?: { rId: string }[] };
  workbookRels?: { Id: string; Target: string }[];
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseWorksheet(iterator: AsyncIterable<unknown>, sheetNo: string): Generator<{ eventType: string; value: SheetReader }>;
}

const WORKSHEET = /^xl\/worksheets\/sheet(\d+)\.xml$/;

/** The archive path of the workbook's first worksheet (tab order), else of its lowest-numbered one. */
export function firstWorksheetPath(names: readonly string[], sheets: readonly { rId: string }[] = [], rels: readonly { Id: string; Target: string }[] = []): string | undefined {
  const target = rels.find((r) => r.Id === sheets[0]?.rId)?.Target;
  const path = target && (target.startsWith('/') ? target.slice(1) : `xl/${target}`);
  if (path && names.includes(path)) return path;
  const numbered = names.filter((n) => WORKSHEET.test(n));
  return numbered.sort((a, b) => Number(WORKSHEET.exec(a)![1]) - Number(WORKSHEET.exec(b)![1]))[0];
}

/** The rows of the first worksheet (exceljs rows: `values` from index 1; dates as Date, by the styles). */
export async function* firstWorksheetRows(archive: XlsxArchive): AsyncGenerator<ExcelJS.Row> {
  const options = { entries: 'ignore', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', worksheets: 'emit' } as const;
  // The reader is a holder of the parsed parts here: its own pass over the input (`parse`) is never started.
  const reader = new ExcelJS.stream.xlsx.WorkbookReader('', options) as unknown as PartParsers;
  // Every part opened is closed at the end, read to its end or not (a damaged part stops its parser midway).
  const opened: Readable[] = [];
  const part = (name: string) => {
    const stream = archive.open(name);
    if (stream) opened.push(stream);
    return stream;
  };
  try {
    const rels = part('xl/_rels/workbook.xml.rels');
    if (rels) await reader._parseRels(rels);
    const workbook = part('xl/workbook.xml');
    if (workbook) await reader._parseWorkbook(workbook);
    const strings = part('xl/sharedStrings.xml');
    if (strings) for await (const _ of reader._parseSharedStrings(strings));
    const styles = part('xl/styles.xml');
    if (styles) await reader._parseStyles(styles);
    const path = firstWorksheetPath(archive.names, reader.model?.sheets, reader.workbookRels);
    if (!path) return;
    const sheetNo = WORKSHEET.exec(path)?.[1] ?? '1';
    for (const { value } of reader._parseWorksheet(part(path)!, sheetNo)) yield* value;
  } finally {
    for (const stream of opened) stream.destroy();
  }
}

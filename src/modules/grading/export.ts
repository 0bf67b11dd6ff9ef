import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';

export type TableFormat = 'csv' | 'xlsx';

/**
 * A cell as a spreadsheet must receive it: text that Excel/WPS would read as a formula (leading
 * = + - @ or a tab/CR) gets a leading apostrophe (CSV/formula injection, OWASP).
 */
export function safeCell(v: unknown): string | number {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return v;
  const s = String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

const CONTENT_TYPES: Record<TableFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/**
 * Streams a table to the response without holding it in memory: CSV (UTF-8 with BOM so Excel reads the
 * Chinese, formula-escaped) or XLSX through exceljs's streaming writer. Returns the number of rows.
 */
export async function streamTable(res: Response, format: TableFormat, filename: string, header: string[], rows: AsyncIterable<unknown[]>): Promise<number> {
  res.status(200);
  res.setHeader('Content-Type', CONTENT_TYPES[format]);
  res.setHeader('Content-Disposition', `attachment; filename="export.${format}"; filename*=UTF-8''${encodeURIComponent(`${filename}.${format}`)}`);
  res.setHeader('Cache-Control', 'no-store');
  let n = 0;
  if (format === 'csv') {
    async function* cells() {
      yield header;
      for await (const r of rows) {
        n++;
        yield r.map(safeCell);
      }
    }
    await pipeline(Readable.from(cells()), stringify({ bom: true }), res as unknown as Writable);
    return n;
  }
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: res as unknown as Writable, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet('Sheet1');
  sheet.addRow(header).commit();
  for await (const r of rows) {
    n++;
    sheet.addRow(r.map(safeCell)).commit();
  }
  sheet.commit();
  await workbook.commit();
  return n;
}

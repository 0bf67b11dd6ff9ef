import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureImports, importTable, type ImportKind } from '../../src/modules/imports/index.js';
import { startTestApp, type TestApp } from './app.js';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** How a file names its columns: the field table's Chinese labels or its field codes. */
export type Naming = 'label' | 'code';

/** The header of a field as a user would write it. */
export function headerOf(kind: ImportKind, name: string, naming: Naming): string {
  const f = importTable(kind).fields.find((x) => x.name === name)!;
  return naming === 'label' ? f.label : f.code;
}

/** A record value as written in a spreadsheet cell (处罚类别 joined with ；). */
export function cellOf(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join('；');
  return String(v);
}

const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** One CSV line (CRLF-terminated) of the cells of `names`. */
export function csvLine(names: string[], record: Record<string, unknown>): string {
  return `${names.map((n) => quote(cellOf(record[n]))).join(',')}\r\n`;
}

export function csvHeader(kind: ImportKind, names: string[], naming: Naming = 'label'): string {
  return `${names.map((n) => quote(headerOf(kind, n, naming))).join(',')}\r\n`;
}

/** A CSV of records (or enterprises) given by internal names (the columns: every key met). */
export function csvOf(kind: ImportKind, records: Record<string, unknown>[], naming: Naming = 'label'): string {
  const names = [...new Set(records.flatMap((r) => Object.keys(r)))];
  return csvHeader(kind, names, naming) + records.map((r) => csvLine(names, r)).join('');
}

/** A test app (no rate limits) whose imports are stored in a fresh temporary directory, and a clerk's key. */
export interface ImportApp {
  t: TestApp;
  clerk: string;
  dataDir: string;
  /** Closes the app and removes the directory. */
  close(): Promise<void>;
}

export async function startImportApp(label: string, dirPrefix: string): Promise<ImportApp> {
  const t = await startTestApp(label, { rateLimit: { perMinute: 0, ipPerMinute: 0 } });
  const dataDir = mkdtempSync(join(tmpdir(), dirPrefix));
  configureImports({ dataDir, batchSize: 50 });
  const clerk = await t.key(['clerk']);
  return {
    t,
    clerk,
    dataDir,
    async close() {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls GET /imports/:id until the import ends (done or failed); fails after `timeoutMs`. Returns the import. */
export async function importFinished(t: TestApp, id: string, key: string, timeoutMs = 45_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.request.get(`/api/v1/imports/${id}`).set('X-API-Key', key);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    if (res.body.status === 'done' || res.body.status === 'failed') return res.body;
    if (Date.now() > deadline) throw new Error(`import ${id} did not finish: ${JSON.stringify(res.body)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Downloads an import's error report (GET /imports/:id/errors.csv): its bytes. */
export async function importErrorReport(t: TestApp, id: string, key: string): Promise<Buffer> {
  const res = await t.request
    .get(`/api/v1/imports/${id}/errors.csv`)
    .set('X-API-Key', key)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
  expect(res.status).to.equal(200);
  expect(res.headers['content-type']).to.match(/^text\/csv/);
  return res.body as Buffer;
}

/** An error report's rows (simple CSV: its cells have no line breaks), after checking its UTF-8 BOM; row 0 is the header. */
export function reportRows(buf: Buffer): string[][] {
  const text = buf.toString('utf8');
  expect(text.startsWith('\uFEFF'), 'report starts with a UTF-8 BOM').to.equal(true);
  const rows: string[][] = [];
  for (const line of text.slice(1).split(/\r?\n/).filter(Boolean)) {
    const cells: string[] = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (q) {
        if (ch === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (ch === '"') q = false;
        else cur += ch;
      } else if (ch === '"') q = true;
      else if (ch === ',') {
        cells.push(cur);
        cur = '';
      } else cur += ch;
    }
    cells.push(cur);
    rows.push(cells);
  }
  return rows;
}

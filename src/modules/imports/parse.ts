/**
 * Reading import files row by row (streaming: memory does not grow with the file) and turning cells
 * into the inputs of records or enterprises. Pure apart from reading the file; no database.
 *
 * - CSV: UTF-8 (with or without BOM) or GB18030 (decided by the caller from a scan of the whole file).
 * - XLSX: the first worksheet (tab order), through exceljs' streaming reader fed part by part (xlsx.ts; Excel
 *   date cells arrive as dates).
 * - JSONL: one JSON object per line, keys named like CSV headers.
 *
 * Columns are named by the field tables' Chinese labels, field codes or internal names (kinds.ts reads
 * them from src/modules/records/fields.ts and src/modules/enterprises/fields.ts); this file only normalises
 * spelling (全角/半角, spaces, a leading `*` of templates) before looking a header up there.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { parse as parseCsv, CsvError } from 'csv-parse';
import iconv from 'iconv-lite';
import { importTable, type ImportField, type ImportKind } from './kinds.js';
import type { ErrorDetail } from '../../http/errors.js';
import type { ImportColumn, ImportFormat, RowProblem, TextEncoding } from './model.js';
import { openXlsxArchive } from './zipGuard.js';
import { firstWorksheetRows } from './xlsx.js';

/** A problem with the file as a whole (zh-CN message): the import fails with it. */
export class ImportFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ImportFileError';
  }
}

// ---------------------------------------------------------------------------------------------
// Format and encoding

const CONTENT_TYPES: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/comma-separated-values': 'csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'application/jsonlines': 'jsonl',
};
export const IMPORT_CONTENT_TYPES = Object.keys(CONTENT_TYPES);

/** The format named by a Content-Type header (parameters such as charset are ignored: encoding is detected). */
export function formatOfContentType(contentType: string | undefined): ImportFormat | undefined {
  const media = (contentType ?? '').split(';')[0].trim().toLowerCase();
  return CONTENT_TYPES[media];
}

const EXTENSIONS: Record<string, ImportFormat> = { csv: 'csv', xlsx: 'xlsx', jsonl: 'jsonl', ndjson: 'jsonl' };

/** The format named by a file's extension (the CLI). */
export function formatOfFileName(name: string): ImportFormat | undefined {
  const ext = /\.([A-Za-z]+)$/.exec(name)?.[1]?.toLowerCase();
  return ext ? EXTENSIONS[ext] : undefined;
}

/**
 * What one pass over the bytes of an upload learns: size, sha256, whether it is valid UTF-8 (else it
 * is read as GB18030), and its first bytes (to check the declared format).
 */
export class FileInspector extends Transform {
  bytes = 0;
  head = Buffer.alloc(0);
  private readonly hash = createHash('sha256');
  private utf8: TextDecoder | null = new TextDecoder('utf-8', { fatal: true });

  constructor(private readonly maxBytes = Infinity) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.maxBytes) return done(new FileTooLarge(this.maxBytes));
    this.hash.update(chunk);
    if (this.head.length < 8) this.head = Buffer.concat([this.head, chunk.subarray(0, 8 - this.head.length)]);
    if (this.utf8) {
      try {
        this.utf8.decode(chunk, { stream: true });
      } catch {
        this.utf8 = null;
      }
    }
    done(null, chunk);
  }

  /** After the stream ended. */
  result(): { bytes: number; sha256: string; encoding: TextEncoding; head: Buffer } {
    let utf8 = this.utf8 !== null;
    if (this.utf8) {
      try {
        this.utf8.decode();
      } catch {
        utf8 = false;
      }
    }
    return { bytes: this.bytes, sha256: this.hash.digest('hex'), encoding: utf8 ? 'utf-8' : 'gb18030', head: this.head };
  }
}

export class FileTooLarge extends Error {
  constructor(public readonly limit: number) {
    super(`file larger than ${limit} bytes`);
    this.name = 'FileTooLarge';
  }
}

const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const OLE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);
const UTF16LE = Buffer.from([0xff, 0xfe]);
const UTF16BE = Buffer.from([0xfe, 0xff]);

/** Checks the first bytes against the declared format; returns the zh-CN problem, if any. */
export function formatProblem(format: ImportFormat, head: Buffer, bytes: number): string | undefined {
  if (bytes === 0) return '文件为空';
  if (head.subarray(0, 4).equals(OLE)) return '不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV 后上传';
  if (format !== 'xlsx' && (head.subarray(0, 2).equals(UTF16LE) || head.subarray(0, 2).equals(UTF16BE))) return '不支持 UTF-16 编码的文本文件，请另存为 UTF-8 或 GB18030 编码后上传';
  const zip = head.subarray(0, 4).equals(ZIP);
  if (format === 'xlsx' && !zip) return '文件内容不是 XLSX（Excel 2007 及以上）格式';
  if (format !== 'xlsx' && zip) return `文件内容是压缩包或 XLSX，与声明的 ${format.toUpperCase()} 格式不符`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Reading rows

/** What a reader yields: the header (CSV/XLSX), a data row by position, a JSONL object, or an unreadable line. */
export type SourceItem =
  | { type: 'header'; row: number; headers: string[] }
  | { type: 'cells'; row: number; cells: unknown[] }
  | { type: 'object'; row: number; object: Record<string, unknown> }
  | { type: 'bad'; row: number; reason: string };

/** Longest CSV record / JSONL line accepted (characters): a stray quote must not swallow the file into memory. */
export const MAX_RECORD_CHARS = 1_000_000;

function textStream(path: string, encoding: TextEncoding): Readable {
  const file = createReadStream(path);
  if (encoding === 'utf-8') return file.setEncoding('utf8');
  const decoder = iconv.decodeStream('gb18030') as unknown as Transform;
  return pipeline(file, decoder, () => undefined);
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: '引号未闭合',
  CSV_MAX_RECORD_SIZE: `单行超过 ${MAX_RECORD_CHARS} 个字符`,
  CSV_INVALID_CLOSING_QUOTE: '引号位置不正确',
  CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE: '闭合引号后有多余字符',
};

async function* readCsv(path: string, encoding: TextEncoding): AsyncGenerator<SourceItem> {
  const text = textStream(path, encoding);
  const parser = parseCsv({ bom: true, info: true, skip_empty_lines: true, relax_column_count: true, relax_quotes: true, max_record_size: MAX_RECORD_CHARS });
  pipeline(text, parser, () => undefined);
  let prevLines = 0;
  let prevEmpty = 0;
  let header = false;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number; empty_lines: number } }>) {
      // The line the record starts on: after the previous record and any empty lines skipped since.
      const row = prevLines + 1 + (info.empty_lines - prevEmpty);
      prevLines = info.lines;
      prevEmpty = info.empty_lines;
      if (record.every(isBlank)) continue;
      if (!header) {
        header = true;
        yield { type: 'header', row, headers: record };
      } else {
        yield { type: 'cells', row, cells: record };
      }
    }
  } catch (err) {
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new ImportFileError(`CSV 文件格式错误${line ? `（第 ${line} 行附近）` : ''}：${CSV_ERRORS[err.code] ?? err.code}`);
    }
    throw err;
  } finally {
    text.destroy();
    parser.destroy();
  }
}

/** exceljs cell values → plain values (rich text, hyperlinks and formulas become their text/result). */
export function cellValue(v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (typeof v !== 'object' || v instanceof Date) return v;
  const o = v as Record<string, unknown>;
  if (Array.isArray(o.richText)) return (o.richText as { text: string }[]).map((r) => r.text).join('');
  if ('formula' in o || 'sharedFormula' in o) return cellValue(o.result);
  if ('error' in o) return String(o.error);
  if ('text' in o) return cellValue(o.text);
  return undefined;
}

async function* readXlsx(path: string): AsyncGenerator<SourceItem> {
  const archive = await openXlsxArchive(path);
  if (typeof archive === 'string') throw new ImportFileError(`XLSX 文件无法读取：${archive}`);
  let header = false;
  try {
    for await (const row of firstWorksheetRows(archive)) {
      const cells = (row.values as unknown[]).slice(1).map(cellValue);
      if (cells.every(isBlank)) continue;
      if (!header) {
        header = true;
        yield { type: 'header', row: row.number, headers: cells.map((c) => (isBlank(c) ? '' : String(c))) };
      } else {
        yield { type: 'cells', row: row.number, cells };
      }
    }
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    throw new ImportFileError(`XLSX 文件无法读取（文件损坏或不是有效的 XLSX）：${(err as Error).message}`);
  }
}

/** Deepest nesting of a JSONL line: a row's values are text, numbers or lists of them (one level, the object's, plus one). */
export const MAX_JSONL_DEPTH = 8;

/**
 * Whether a parsed value nests deeper than `max` levels. Iterative: a line nested 100,000 levels deep (which
 * JSON.parse accepts) would overflow the stack of any recursive walk later on (JSON.stringify of the error
 * report's value, hashing, validation) and end the whole import; here it is that row's error.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth + 1 > max) return true;
    for (const child of Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push({ v: child, depth: depth + 1 });
  }
  return false;
}

async function* readJsonl(path: string, encoding: TextEncoding): AsyncGenerator<SourceItem> {
  const text = textStream(path, encoding);
  let rest = '';
  let row = 0;
  const item = (line: string): SourceItem | undefined => {
    row++;
    const s = (row === 1 ? line.replace(/^\uFEFF/, '') : line).trim();
    if (s === '') return undefined;
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch {
      return { type: 'bad', row, reason: '该行不是合法的 JSON' };
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) return { type: 'bad', row, reason: '该行应为一个 JSON 对象（键为列名）' };
    if (nestedDeeperThan(value, MAX_JSONL_DEPTH)) return { type: 'bad', row, reason: `该行嵌套层级超过 ${MAX_JSONL_DEPTH} 层（各列的值应为文字、数字或文字列表）` };
    return { type: 'object', row, object: value as Record<string, unknown> };
  };
  try {
    for await (const chunk of text as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      if (rest.length > MAX_RECORD_CHARS) throw new ImportFileError(`JSONL 第 ${row + lines.length + 1} 行超过 ${MAX_RECORD_CHARS} 个字符`);
      for (const line of lines) {
        const it = item(line);
        if (it) yield it;
      }
    }
    const last = item(rest);
    if (last) yield last;
  } finally {
    text.destroy();
  }
}

/** Every row of a stored import file, in file order, with row numbers as in the file. */
export function readSource(path: string, format: ImportFormat, encoding: TextEncoding | null): AsyncGenerator<SourceItem> {
  switch (format) {
    case 'csv':
      return readCsv(path, encoding ?? 'utf-8');
    case 'xlsx':
      return readXlsx(path);
    case 'jsonl':
      return readJsonl(path, encoding ?? 'utf-8');
  }
}

// ---------------------------------------------------------------------------------------------
// Columns

/** Header spelling differences that do not change its meaning: 全角/半角 (NFKC), spaces, a template's leading `*`, case. */
export function normaliseHeader(h: string): string {
  return h
    .normalize('NFKC')
    .replace(/\s+/g, '')
    .replace(/^\*+/, '')
    .toUpperCase();
}

const indexCache = new Map<ImportKind, Map<string, string>>();

/** Every header of the kind's fields (label, code, internal name, other accepted labels), normalised → field. */
function normalisedIndex(kind: ImportKind): Map<string, string> {
  let m = indexCache.get(kind);
  if (!m) {
    m = new Map(importTable(kind).fields.flatMap((f) => f.headers.map((h) => [normaliseHeader(h), f.name] as const)));
    indexCache.set(kind, m);
  }
  return m;
}

/** The field a column header names, or null. `标签(CODE)` headers of templates are accepted by either part. */
export function fieldOfHeader(kind: ImportKind, header: string): string | null {
  const index = normalisedIndex(kind);
  const h = normaliseHeader(header);
  const direct = index.get(h);
  if (direct) return direct;
  const both = /^(.+?)\(([^()]+)\)$/.exec(h);
  if (both) return index.get(both[2]) ?? index.get(both[1]) ?? null;
  return null;
}

/** Maps a file's header to fields; fails the import when no column is recognised or two name the same field. */
export function mapHeader(kind: ImportKind, headers: string[]): ImportColumn[] {
  const columns = headers.map((header) => ({ header: header.trim(), field: header.trim() ? fieldOfHeader(kind, header) : null }));
  const seen = new Map<string, string>();
  for (const c of columns) {
    if (!c.field) continue;
    const other = seen.get(c.field);
    if (other !== undefined) throw new ImportFileError(`表头中“${other}”与“${c.header}”对应同一字段（${fieldLabel(kind, c.field)}），请删除其中一列`);
    seen.set(c.field, c.header);
  }
  if (seen.size === 0) {
    const { standard, keyField, fields } = importTable(kind);
    const key = fields.find((f) => f.name === keyField)!;
    throw new ImportFileError(`表头中没有可识别的列：请使用${standard}的中文名称或字段代码（如“${key.label}”或“${key.code}”）`);
  }
  return columns;
}

export function fieldLabel(kind: ImportKind, name: string): string {
  return importTable(kind).fields.find((x) => x.name === name)?.label ?? name;
}

// ---------------------------------------------------------------------------------------------
// Cells → record input

const pad = (n: string) => n.padStart(2, '0');
const shanghaiDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });
const EXCEL_EPOCH = Date.UTC(1899, 11, 30);

/** Dates as written in spreadsheets → `YYYY-MM-DD`; anything else is left for validation to report. */
export function coerceDate(v: unknown): unknown {
  // exceljs gives date cells as UTC midnights of the calendar date shown in Excel.
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? v : v.toISOString().slice(0, 10);
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 19000101 && v <= 29991231) return coerceDate(String(v));
    // An Excel date serial in a cell without a date format.
    if (v >= 1 && v < 2958466) return new Date(EXCEL_EPOCH + Math.floor(v) * 86_400_000).toISOString().slice(0, 10);
    return v;
  }
  if (typeof v !== 'string') return v;
  const s = v.trim();
  let m = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/.exec(s);
  if (m) return `${m[1]}-${pad(m[2])}-${pad(m[3])}`;
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  // An instant with a zone (e.g. from JSON): its calendar date in Asia/Shanghai.
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    const d = new Date(s);
    if (!Number.isNaN(d.getTime())) return shanghaiDate.format(d);
  }
  return s;
}

/** Money in 万元: `1,234.5`, ` 3.5 `, `3.5万元` → numbers. */
export function coerceMoney(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const s = v.replace(/[,，\s]/g, '').replace(/万元?$/, '');
  return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : v.trim();
}

/** 处罚类别 as one cell: `罚款；警告`, `罚款、警告`, `罚款,警告` … */
export function coerceList(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x.trim() : x));
  if (typeof v !== 'string') return v;
  return v
    .split(/[;；、,，]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

const TRUE = new Set(['是', 'TRUE', 'Y', 'YES', '1']);
const FALSE = new Set(['否', 'FALSE', 'N', 'NO', '0']);

export function coerceBoolean(v: unknown): unknown {
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toUpperCase();
  if (TRUE.has(s)) return true;
  if (FALSE.has(s)) return false;
  return typeof v === 'string' ? v.trim() : v;
}

/** Code values also written by their meaning (当前状态: 有效/无效). */
const ENUM_ALIASES: Record<string, Record<string, string>> = { status: { 有效: '1', 无效: '2' } };

function asText(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return typeof v === 'string' ? v.trim() : v;
}

/** One cell → the value of its field, by the field's type. Blank cells are absent (validation says 必填 where needed). */
export function coerceCell(f: Pick<ImportField, 'name' | 'type'>, raw: unknown): unknown {
  if (isBlank(raw)) return undefined;
  switch (f.type) {
    case 'date':
      return coerceDate(raw);
    case 'money':
      return coerceMoney(raw);
    case 'enumList':
      return coerceList(raw);
    case 'boolean':
      return coerceBoolean(raw);
    case 'enum': {
      const s = asText(raw);
      return (typeof s === 'string' && ENUM_ALIASES[f.name]?.[s]) || s;
    }
    case 'uscc':
    case 'text':
      return asText(raw);
  }
}

/** How a cell is shown in the error report. */
export function displayValue(raw: unknown): string {
  if (isBlank(raw)) return '';
  const v = raw instanceof Date ? raw.toISOString().slice(0, 10) : typeof raw === 'object' ? JSON.stringify(raw) : String(raw);
  return v.length > 200 ? `${v.slice(0, 200)}…` : v;
}

/** One row ready for createRecords / createEnterprises, with what is needed to report its problems by column. */
export interface MappedRow {
  row: number;
  input: Record<string, unknown>;
  /** field → header as written and the cell as written. */
  cells: Map<string, { header: string; raw: unknown }>;
  /** Problems found before validation (e.g. a JSONL line that is not JSON). */
  problems: RowProblem[];
}

/** Turns source items into inputs of one kind. One per import run (it caches JSONL keys). */
export class RowMapper {
  private readonly defs: Map<string, ImportField>;
  private columns: ImportColumn[] = [];
  private readonly keyFields = new Map<string, string | null>();
  /** JSONL keys that name no field (bounded list, for the import resource). */
  readonly ignoredKeys = new Set<string>();

  constructor(private readonly kind: ImportKind) {
    this.defs = new Map(importTable(kind).fields.map((f) => [f.name, f]));
  }

  setHeader(headers: string[]): ImportColumn[] {
    this.columns = mapHeader(this.kind, headers);
    return this.columns;
  }

  /** The columns met so far: the header, or for JSONL the keys seen (bounded). */
  seenColumns(): ImportColumn[] {
    if (this.columns.length) return this.columns;
    return [...this.keyFields].map(([header, field]) => ({ header, field })).concat([...this.ignoredKeys].filter((k) => !this.keyFields.has(k)).map((header) => ({ header, field: null })));
  }

  map(item: Exclude<SourceItem, { type: 'header' }>): MappedRow {
    const out: MappedRow = { row: item.row, input: {}, cells: new Map(), problems: [] };
    const put = (header: string, field: string, raw: unknown) => {
      if (out.cells.has(field)) {
        out.problems.push({ column: header, field, value: displayValue(raw), reason: `与列“${out.cells.get(field)!.header}”对应同一字段，请只保留一个` });
        return;
      }
      out.cells.set(field, { header, raw });
      const v = coerceCell(this.defs.get(field)!, raw);
      if (v !== undefined) out.input[field] = v;
    };
    if (item.type === 'bad') {
      out.problems.push({ column: '', field: null, value: '', reason: item.reason });
    } else if (item.type === 'cells') {
      if (this.columns.length === 0) throw new ImportFileError('文件缺少表头');
      this.columns.forEach((c, i) => {
        if (c.field) put(c.header, c.field, item.cells[i]);
      });
    } else {
      for (const [key, raw] of Object.entries(item.object)) {
        let field = this.keyFields.get(key);
        if (field === undefined) {
          field = fieldOfHeader(this.kind, key);
          if (this.keyFields.size < 1000) this.keyFields.set(key, field);
        }
        if (field) put(key, field, raw);
        else if (this.ignoredKeys.size < 50) this.ignoredKeys.add(key);
      }
    }
    return out;
  }

  /** Validation details (paths are field names) → problems by column, as written in the file. */
  problems(mapped: MappedRow, details: ErrorDetail[]): RowProblem[] {
    return details.map((d) => {
      const field = d.path.split('.')[0] || null;
      const cell = field ? mapped.cells.get(field) : undefined;
      const def = field ? this.defs.get(field) : undefined;
      return {
        column: cell?.header ?? (field ? fieldLabel(this.kind, field) : ''),
        field,
        value: cell && def?.published !== false ? displayValue(cell.raw) : '',
        reason: cell || !field || !def ? d.message : `${d.message}（文件中没有此列或此列为空）`,
      };
    });
  }
}

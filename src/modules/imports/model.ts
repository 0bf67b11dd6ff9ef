import mongoose, { Schema } from 'mongoose';
import type { ImportKind } from './kinds.js';
import type { Role } from '../auth/index.js';

export const IMPORT_FORMATS = ['csv', 'xlsx', 'jsonl'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];
export type TextEncoding = 'utf-8' | 'gb18030';
export type ImportStatus = 'queued' | 'running' | 'done' | 'failed';

/** A column of the file's header and the field it maps to (null: not a field of this kind, ignored). */
export interface ImportColumn {
  header: string;
  field: string | null;
}

/**
 * One bulk import (批量导入) of permits, penalties or the enterprise roster. Progress is kept by single-document updates after each batch; `lastRow`
 * is the checkpoint (every row up to it is done), so a run interrupted by a crash resumes after it.
 * Row errors live in `import_errors` (one document per row), never in this document.
 */
export interface ImportDoc {
  /** permit, penalty, or enterprise (the roster, 企业名录). */
  kind: ImportKind;
  format: ImportFormat;
  /** Text encoding detected for CSV/JSONL (valid UTF-8 → UTF-8, else GB18030); null for XLSX. */
  encoding: TextEncoding | null;
  fileName: string | null;
  /** The stored upload (DATA_DIR/imports/<id>); removed when the import ends. */
  filePath: string;
  bytes: number;
  sha256: string;
  /** The latest earlier import of the same kind with the same file (sha256), if any. */
  previousImportId: string | null;
  status: ImportStatus;
  /** Data rows in the file (counted before anything is created); null until counted. */
  rowsTotal: number | null;
  rowsRead: number;
  created: number;
  unchanged: number;
  /** Roster rows that completed an enterprise created implicitly by records (needsCompletion). */
  completed: number;
  failed: number;
  /** Enterprises created implicitly by its records (each audited as enterprise.create, detail.origin record). */
  enterprisesCreated: number;
  lastRow: number;
  columns: ImportColumn[];
  /** Why the import as a whole failed (zh-CN). */
  error: string | null;
  principal: { id: string; name: string; roles: Role[]; scope: string[]; uscc?: string; via: 'apiKey' | 'jwt' };
  /** api (HTTP upload) or cli. */
  origin: 'api' | 'cli';
  ip: string | null;
  requestId: string | null;
  /** Who is processing it: the instance holding an unexpired lease. */
  leaseOwner: string | null;
  leaseUntil: Date | null;
  runs: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const importSchema = new Schema<ImportDoc>(
  {
    kind: { type: String, required: true },
    format: { type: String, required: true },
    encoding: { type: String, default: null },
    fileName: { type: String, default: null },
    filePath: { type: String, required: true },
    bytes: { type: Number, required: true },
    sha256: { type: String, required: true },
    previousImportId: { type: String, default: null },
    status: { type: String, required: true },
    rowsTotal: { type: Number, default: null },
    rowsRead: { type: Number, default: 0 },
    created: { type: Number, default: 0 },
    unchanged: { type: Number, default: 0 },
    completed: { type: Number, default: 0 },
    failed: { type: Number, default: 0 },
    enterprisesCreated: { type: Number, default: 0 },
    lastRow: { type: Number, default: 0 },
    columns: { type: Schema.Types.Mixed, default: [] },
    error: { type: String, default: null },
    principal: { type: Schema.Types.Mixed, required: true },
    origin: { type: String, required: true },
    ip: { type: String, default: null },
    requestId: { type: String, default: null },
    leaseOwner: { type: String, default: null },
    leaseUntil: { type: Date, default: null },
    runs: { type: Number, default: 0 },
    startedAt: { type: Date, default: null },
    finishedAt: { type: Date, default: null },
  },
  { timestamps: true, collection: 'imports', versionKey: false, minimize: false },
);
importSchema.index({ status: 1, leaseUntil: 1 });
importSchema.index({ 'principal.id': 1, _id: -1 });
importSchema.index({ sha256: 1, kind: 1 });

export const ImportModel = mongoose.model<ImportDoc>('Import', importSchema);

export interface RowProblem {
  /** The column header as written in the file ('' when the problem is the row as a whole). */
  column: string;
  /** Internal field name, when the problem is about one field. */
  field: string | null;
  /** The cell as written (truncated; empty for fields never published, e.g. ID numbers). */
  value: string;
  /** zh-CN reason. */
  reason: string;
}

/** One row of a file that could not be imported, with every problem found in it. */
export interface ImportErrorDoc {
  importId: mongoose.Types.ObjectId;
  row: number;
  problems: RowProblem[];
}

const importErrorSchema = new Schema<ImportErrorDoc>(
  {
    importId: { type: Schema.Types.ObjectId, required: true },
    row: { type: Number, required: true },
    problems: { type: Schema.Types.Mixed, required: true },
  },
  { collection: 'import_errors', versionKey: false },
);
importErrorSchema.index({ importId: 1, row: 1 }, { unique: true });

export const ImportErrorModel = mongoose.model<ImportErrorDoc>('ImportError', importErrorSchema);

/** Takeovers of imports whose lease expired: `_id` names the lease taken over, so only one instance wins it. */
const importClaimSchema = new Schema<{ _id: string; by: string; at: Date }>({ _id: String, by: String, at: Date }, { collection: 'import_claims', versionKey: false });
export const ImportClaimModel = mongoose.model('ImportClaim', importClaimSchema);

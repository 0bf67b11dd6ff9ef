import { createHash } from 'node:crypto';
import type { Request } from 'express';
import busboy from 'busboy';
import { fileTypeFromBuffer } from 'file-type';
import { AppError, type ErrorDetail } from '../../http/errors.js';
import type { RepairFileDoc } from './model.js';
import type { RepairConfig } from './rules.js';

/**
 * The multipart/form-data body of a repair application: text fields plus evidence files (field
 * `evidence`, repeatable). Files are held in memory (each ≤ files.maxBytes, at most files.maxFiles), their
 * type decided by their content (magic bytes, `file-type`), never by the declared name or Content-Type.
 */
export const FILE_FIELD = 'evidence';

export interface Upload {
  field: string;
  name: string;
  declaredType: string;
  data: Buffer;
}

/** A file that passed the checks: the part of a stored repair file that comes from the upload. */
export type CheckedFile = Pick<RepairFileDoc, 'name' | 'mime' | 'ext' | 'size' | 'sha256' | 'data'>;

const MAX_FIELDS = 20;
const MAX_FIELD_BYTES = 20_000;
const LABEL: Record<string, string> = { 'application/pdf': 'PDF', 'image/jpeg': 'JPG', 'image/png': 'PNG' };
/** Extensions a declared file name may carry for each accepted type. */
const EXTENSIONS: Record<string, string[]> = { 'application/pdf': ['pdf'], 'image/jpeg': ['jpg', 'jpeg'], 'image/png': ['png'] };

function mb(bytes: number): string {
  return `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;
}

function tooLarge(message: string, details: ErrorDetail[] = []): AppError {
  return new AppError('PAYLOAD_TOO_LARGE', 413, message, details, { Connection: 'close' });
}

/** Reads the whole multipart body; 415 for another content type, 413 for an oversized file or body. */
export async function readMultipart(req: Request, limits: RepairConfig['files']): Promise<{ fields: Record<string, string>; files: Upload[] }> {
  if (!req.is('multipart/form-data')) {
    const message = `请以 multipart/form-data 提交申请（字段及 ${FILE_FIELD} 文件），收到的是 ${req.get('content-type') ?? '（未声明 Content-Type）'}`;
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 415, message, [{ path: 'Content-Type', message }]);
  }
  const maxBody = limits.maxFiles * limits.maxBytes + MAX_FIELDS * MAX_FIELD_BYTES + 1024 * 1024;
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBody) throw tooLarge(`请求体超过大小上限（${mb(maxBody)}）`);

  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: Upload[] = [];
    const problems: ErrorDetail[] = [];
    let oversize: ErrorDetail | undefined;
    let bb: busboy.Busboy;
    try {
      bb = busboy({
        headers: req.headers,
        defParamCharset: 'utf8',
        // busboy marks a file truncated when it REACHES fileSize: one byte more lets exactly maxBytes through.
        limits: { fileSize: limits.maxBytes + 1, files: limits.maxFiles, fields: MAX_FIELDS, fieldSize: MAX_FIELD_BYTES, parts: limits.maxFiles + MAX_FIELDS },
      });
    } catch {
      reject(AppError.validation([{ path: 'Content-Type', message: 'multipart/form-data 缺少 boundary 参数' }], '请求体无法解析'));
      return;
    }
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated) problems.push({ path: name, message: `字段内容超过 ${MAX_FIELD_BYTES} 字节` });
      else if (name in fields) problems.push({ path: name, message: '字段重复提交' });
      else fields[name] = value;
    });
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      const name = info.filename ?? '';
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('limit', () => {
        oversize ??= { path: `${FILE_FIELD}.${name}`, message: `文件 ${name} 超过大小上限（每个文件不超过 ${mb(limits.maxBytes)}）` };
      });
      stream.on('end', () => {
        if (stream.truncated) return;
        if (field !== FILE_FIELD) problems.push({ path: field, message: `文件须以字段 ${FILE_FIELD} 上传` });
        else files.push({ field, name, declaredType: info.mimeType, data: Buffer.concat(chunks) });
      });
    });
    bb.on('filesLimit', () => problems.push({ path: FILE_FIELD, message: `最多上传 ${limits.maxFiles} 个文件` }));
    bb.on('fieldsLimit', () => problems.push({ path: '', message: `最多 ${MAX_FIELDS} 个字段` }));
    bb.on('partsLimit', () => problems.push({ path: '', message: '请求体的部分过多' }));
    bb.on('error', (err: Error) => reject(AppError.validation([{ path: '', message: `multipart 请求体格式错误：${err.message}` }], '请求体无法解析')));
    bb.on('close', () => {
      if (oversize) reject(tooLarge(oversize.message, [oversize]));
      else if (problems.length) reject(AppError.validation(problems));
      else resolve({ fields, files });
    });
    req.on('aborted', () => reject(new AppError('BAD_REQUEST', 400, '请求体无法读取')));
    req.pipe(bb);
  });
}

function extOf(name: string): string | undefined {
  const m = /\.([A-Za-z0-9]+)$/.exec(name);
  return m ? m[1].toLowerCase() : undefined;
}

/**
 * Checks each uploaded file by its content: an accepted type (PDF/JPG/PNG), not empty, and a name whose
 * extension (if any) fits the content. Computes the sha256. Every problem is listed (400).
 */
export async function checkFiles(files: Upload[], limits: RepairConfig['files']): Promise<CheckedFile[]> {
  const accepted = limits.types.map((t) => LABEL[t] ?? t).join('/');
  if (files.length === 0) throw AppError.validation([{ path: FILE_FIELD, message: `须上传履行义务和纠正违法行为的证明材料（${accepted}）` }]);
  const problems: ErrorDetail[] = [];
  const out: CheckedFile[] = [];
  for (const [i, f] of files.entries()) {
    const path = `${FILE_FIELD}.${i}`;
    const name = f.name.replace(/[\u0000-\u001f/\\]/g, '').slice(-200) || `附件${i + 1}`;
    if (f.data.length === 0) {
      problems.push({ path, message: `文件 ${name} 为空` });
      continue;
    }
    const type = await fileTypeFromBuffer(f.data);
    if (!type || !limits.types.includes(type.mime)) {
      problems.push({ path, message: `文件 ${name} 的内容不是允许的类型（${accepted}）${type ? `，实际为 ${type.ext}` : ''}` });
      continue;
    }
    const ext = extOf(name);
    if (ext && !EXTENSIONS[type.mime].includes(ext)) {
      problems.push({ path, message: `文件 ${name} 的扩展名与内容不符（内容为 ${LABEL[type.mime]}）` });
      continue;
    }
    out.push({ name, mime: type.mime, ext: type.ext, size: f.data.length, sha256: createHash('sha256').update(f.data).digest('hex'), data: f.data });
  }
  if (problems.length) throw AppError.validation(problems, '证明材料校验失败');
  return out;
}

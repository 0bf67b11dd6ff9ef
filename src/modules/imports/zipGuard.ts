/**
 * XLSX archives, read through their central directory.
 *  - Zip-bomb guard: exceljs inflates every part of the archive as it reads it, and a cell's text is gathered
 *    in memory whole: a small file inflating to gigabytes (a zip bomb) would exhaust the process. Before the
 *    workbook is read, every entry of the central directory is inflated once, streamed and counted (nothing
 *    is kept), and the file is refused when an entry inflates far beyond what spreadsheets do.
 *  - Parts by name: the workbook reader (`xlsx.ts`) reads the parts a worksheet depends on before it, whatever
 *    order they are stored in.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';

/** Most inflated bytes of all entries together. A 100,000-row worksheet is well under this. */
export const XLSX_MAX_INFLATED = 1024 * 1024 * 1024;
/** Largest inflated/compressed ratio of an entry above RATIO_FLOOR bytes: spreadsheet XML stays far below. */
export const XLSX_MAX_RATIO = 200;
const RATIO_FLOOR = 16 * 1024 * 1024;

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

interface Entry {
  name: string;
  method: number;
  compressed: number;
  offset: number;
}

async function readAt(fh: Awaited<ReturnType<typeof open>>, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, position);
  return buf.subarray(0, bytesRead);
}

/** The entries of the central directory; the zh-CN problem when it cannot be read. */
async function centralDirectory(path: string): Promise<{ entries: Entry[]; dataOffsets: Map<Entry, number> } | string> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = await readAt(fh, size - tailLength, tailLength);
    let at = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD) {
        at = i;
        break;
      }
    }
    if (at < 0) return '找不到压缩包目录（文件不完整或已损坏）';
    const count = tail.readUInt16LE(at + 10);
    const dirSize = tail.readUInt32LE(at + 12);
    const dirOffset = tail.readUInt32LE(at + 16);
    if (dirOffset + dirSize > size) return '压缩包目录超出文件范围（文件不完整或已损坏）';
    const dir = await readAt(fh, dirOffset, dirSize);
    const entries: Entry[] = [];
    const dataOffsets = new Map<Entry, number>();
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > dir.length || dir.readUInt32LE(p) !== CENTRAL) return '压缩包目录已损坏';
      const nameLength = dir.readUInt16LE(p + 28);
      const entry: Entry = {
        method: dir.readUInt16LE(p + 10),
        compressed: dir.readUInt32LE(p + 20),
        offset: dir.readUInt32LE(p + 42),
        name: dir.subarray(p + 46, p + 46 + nameLength).toString('utf8'),
      };
      p += 46 + nameLength + dir.readUInt16LE(p + 30) + dir.readUInt16LE(p + 32);
      const local = await readAt(fh, entry.offset, 30);
      if (local.length < 30 || local.readUInt32LE(0) !== LOCAL) return `压缩包条目 ${entry.name} 已损坏`;
      const start = entry.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      if (start + entry.compressed > size) return `压缩包条目 ${entry.name} 超出文件范围（文件不完整）`;
      entries.push(entry);
      dataOffsets.set(entry, start);
    }
    return { entries, dataOffsets };
  } finally {
    await fh.close();
  }
}

/** One entry's content as a stream, inflated as it is read (method 0 is stored, 8 deflated). */
function entryStream(path: string, entry: Entry, start: number): Readable {
  if (entry.compressed === 0) return Readable.from([]);
  const raw = createReadStream(path, { start, end: start + entry.compressed - 1 });
  if (entry.method === 0) return raw;
  const inflate = createInflateRaw();
  raw.on('error', (err) => inflate.destroy(err));
  inflate.on('close', () => raw.destroy());
  return raw.pipe(inflate);
}

/** Inflates one entry, counting bytes; stops as soon as `limit` is passed. Returns the count (or limit + 1). */
async function inflatedSize(stream: Readable, limit: number): Promise<number> {
  let n = 0;
  try {
    for await (const chunk of stream) {
      n += (chunk as Buffer).length;
      if (n > limit) return limit + 1;
    }
    return n;
  } finally {
    stream.destroy();
  }
}

/** An XLSX archive read through its central directory: any part, by name, in any order. */
export interface XlsxArchive {
  names: string[];
  /** The part's content, inflated as it is read; undefined when the archive has no such part. */
  open(name: string): Readable | undefined;
}

/**
 * Opens an XLSX file after checking it: the zh-CN reason it must not be read (a zip bomb or a broken
 * archive), or the archive.
 */
export async function openXlsxArchive(path: string): Promise<XlsxArchive | string> {
  const dir = await centralDirectory(path);
  if (typeof dir === 'string') return dir;
  let total = 0;
  for (const entry of dir.entries) {
    const start = dir.dataOffsets.get(entry)!;
    if (entry.method !== 0 && entry.method !== 8) return `压缩包条目 ${entry.name} 使用了不支持的压缩方式`;
    const byRatio = Math.max(RATIO_FLOOR, entry.compressed * XLSX_MAX_RATIO);
    const limit = Math.min(byRatio, XLSX_MAX_INFLATED - total);
    let size: number;
    try {
      size = entry.method === 0 ? entry.compressed : await inflatedSize(entryStream(path, entry, start), limit);
    } catch {
      return `压缩包条目 ${entry.name} 无法解压（文件已损坏）`;
    }
    if (size > limit) {
      return size > byRatio
        ? `压缩包条目 ${entry.name} 解压后异常膨胀（超过压缩大小的 ${XLSX_MAX_RATIO} 倍），疑似压缩炸弹，已拒绝`
        : `XLSX 解压后超过 ${XLSX_MAX_INFLATED / 1024 / 1024} MB，已拒绝`;
    }
    total += size;
  }
  const byName = new Map(dir.entries.map((e) => [e.name, e]));
  return {
    names: [...byName.keys()],
    open(name) {
      const entry = byName.get(name);
      return entry && entryStream(path, entry, dir.dataOffsets.get(entry)!);
    },
  };
}

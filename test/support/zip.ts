/** Hand-built zip archives for tests (deflated entries, sizes in the headers, no data descriptors), in any part order, and the workbook parts of a hand-built XLSX. */
import { crc32, createDeflateRaw } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** Deflated bytes, their CRC-32 and inflated size. */
  data: Buffer;
  crc: number;
  size: number;
}

export async function deflateEntry(name: string, parts: Iterable<Buffer>): Promise<ZipEntry> {
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (c: Buffer) => out.push(c));
  const ended = new Promise((r) => deflate.on('end', r));
  let crc = 0;
  let size = 0;
  for (const p of parts) {
    crc = crc32(p, crc);
    size += p.length;
    if (!deflate.write(p)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await ended;
  return { name, data: Buffer.concat(out), crc, size };
}

export function zip(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size >>> 0, 22);
    local.writeUInt16LE(name.length, 26);
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4);
    dir.writeUInt16LE(20, 6);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt32LE(e.crc >>> 0, 16);
    dir.writeUInt32LE(e.data.length, 20);
    dir.writeUInt32LE(e.size >>> 0, 24);
    dir.writeUInt16LE(name.length, 28);
    dir.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    central.push(dir, name);
    offset += local.length + name.length + e.data.length;
  }
  const dirBytes = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dirBytes, end]);
}

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';
/** The spreadsheet namespace of a worksheet's and the shared strings' root element. */
export const SHEET_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const RELS_NS = 'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"';
const REL_TYPE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** A worksheet part's XML opening and closing around its rows. */
export const SHEET_OPEN = `${XML_HEAD}<worksheet ${SHEET_NS}><sheetData>`;
export const SHEET_CLOSE = '</sheetData></worksheet>';

/**
 * The parts of a hand-built XLSX besides its worksheets and shared strings, each deflated, for a test to store
 * in the order it wants: content types, the package's relationships, the workbook listing `tabs` in tab order
 * and the workbook's relationships (`rId1`… in that order) to each tab's `target` (as a workbook relationship
 * gives it: `worksheets/sheet1.xml` or `/xl/worksheets/sheet1.xml`).
 */
export async function xlsxWorkbookParts(tabs: { name: string; target: string }[]): Promise<Record<'contentTypes' | 'packageRels' | 'workbook' | 'workbookRels', ZipEntry>> {
  const part = (name: string, xml: string) => deflateEntry(name, [Buffer.from(XML_HEAD + xml)]);
  return {
    contentTypes: await part(
      '[Content_Types].xml',
      '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
    ),
    packageRels: await part('_rels/.rels', `<Relationships ${RELS_NS}><Relationship Id="rId1" Type="${REL_TYPE}/officeDocument" Target="xl/workbook.xml"/></Relationships>`),
    workbook: await part('xl/workbook.xml', `<workbook ${SHEET_NS} xmlns:r="${REL_TYPE}"><sheets>${tabs.map((t, i) => `<sheet name="${t.name}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`),
    workbookRels: await part('xl/_rels/workbook.xml.rels', `<Relationships ${RELS_NS}>${tabs.map((t, i) => `<Relationship Id="rId${i + 1}" Type="${REL_TYPE}/worksheet" Target="${t.target}"/>`).join('')}</Relationships>`),
  };
}

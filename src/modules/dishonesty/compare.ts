/**
 * For partner departments, as provincial credit platforms offer their members: batch comparison
 * (批量比对 — which of these subjects were listed on a date, and why) and punishment feedback (惩戒反馈 —
 * which joint-punishment measure a partner applied to a listed subject), seen by regulators per
 * subject and per partner.
 */
import { isDuplicateKey } from '../../db/errors.js';
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import mongoose from 'mongoose';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { AppError } from '../../http/errors.js';
import { currentRequestId } from '../../lib/context.js';
import { isResidentIdNumber, maskIdNumber } from '../../lib/mask.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { isValidUscc, usccProblem } from '../../lib/uscc.js';
import { zhMessages } from '../../../schemas/messages.js';
import { todayInShanghai, type LegalDate } from '../../lib/calendar.js';
import { recordAudit } from '../audit/index.js';
import { scopeFilter, type Principal } from '../auth/index.js';
import { CaseModel, FeedbackModel, type FeedbackDoc } from './model.js';
import { dishonestyRules, measureOf, spanOn } from './rules.js';
import { findVisible, hashIdNumber, listingOn, type CallContext, type LeanCase } from './service.js';
import { fullIdNumber } from './rows.js';

export const COMPARISON_CONTENT_TYPES: Record<string, 'csv' | 'xlsx'> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/plain': 'csv',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
};
/** Largest comparison upload: 10,000 names or codes fit in well under 2 MB. */
export const COMPARISON_MAX_BYTES = 5 * 1024 * 1024;

/** Reads a request body into memory, refusing more than `max` bytes (413). */
export async function readBody(source: Readable, max = COMPARISON_MAX_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of source as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw new AppError('PAYLOAD_TOO_LARGE', 413, `上传文件超过 ${Math.round(max / 1024 / 1024)} MB`);
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}

const HEADER_WORD = '(统一社会信用代码|社会信用代码|信用代码|代码|名称|主体名称|单位名称|企业名称|姓名|证件号码|身份证号码?|主体|uscc|name|code|id|subject)';
/** A header cell: one of the words, or several joined by 或 、 / 和 及 (e.g. 统一社会信用代码或名称). */
const HEADER = new RegExp(`^${HEADER_WORD}([或、/和及]${HEADER_WORD})*$`, 'i');

function text(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object' && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    if (Array.isArray(o.richText)) return (o.richText as { text: string }[]).map((r) => r.text).join('');
    if ('result' in o) return text(o.result);
    if ('text' in o) return text(o.text);
  }
  return String(v);
}

/** The first column of a CSV (UTF-8, with or without BOM, or GB18030) or of the first XLSX sheet; a recognised header row is skipped. */
export async function readSubjects(body: Buffer, format: 'csv' | 'xlsx', max: number): Promise<{ row: number; input: string }[]> {
  let cells: string[];
  if (format === 'csv') {
    let content: string;
    try {
      content = new TextDecoder('utf-8', { fatal: true }).decode(body);
    } catch {
      content = iconv.decode(body, 'gb18030');
    }
    let records: string[][];
    try {
      records = parseCsv(content, { bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: false }) as string[][];
    } catch (err) {
      throw AppError.validation([{ path: 'file', message: `CSV 文件格式错误：${(err as Error).message.split('\n')[0]}` }], '上传的文件无法读取');
    }
    cells = records.map((r) => r[0] ?? '');
  } else {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(body as unknown as ArrayBuffer);
    } catch {
      throw AppError.validation([{ path: 'file', message: 'XLSX 文件无法读取（文件损坏或不是 .xlsx）' }], '上传的文件无法读取');
    }
    const ws = wb.worksheets[0];
    cells = [];
    ws?.eachRow({ includeEmpty: true }, (row, n) => {
      cells[n - 1] = text(row.getCell(1).value);
    });
    cells = Array.from(cells, (c) => c ?? '');
  }
  const rows = cells.map((c, i) => ({ row: i + 1, input: c.trim() })).filter((r) => r.input !== '');
  if (rows.length && HEADER.test(rows[0].input.replace(/\s+/g, ''))) rows.shift();
  if (rows.length === 0) throw AppError.validation([{ path: 'file', message: '文件中没有待比对的统一社会信用代码或名称（第一列）' }], '上传的文件没有数据');
  if (rows.length > max) throw new AppError('TOO_MANY_ROWS', 413, `每次最多比对 ${max} 个主体，本文件有 ${rows.length} 个`);
  return rows;
}

/** Separators people type inside codes (9144-0300-…, 110105.1990…): dropped before reading an input as a code. */
const CODE_SEPARATORS = /[-_.·・/\\—–]/g;
/** Any Chinese character: a unit's registered name has them, a code never does. */
const HAN = /\p{Script=Han}/u;

/**
 * What an input identifies: a USCC, a resident ID number (a listed person), or else a unit's name. An input
 * written like a code — no Chinese, only letters and digits once separators are dropped, 8 or more of them
 * with at least 6 digits — that is neither a valid USCC nor a valid ID number is `invalid`, with the reason
 * (the same reasons the single check, `/check`, gives), and is never answered "not listed": a mistyped code
 * says nothing about whether the subject is listed.
 */
export function keysOf(input: string): { uscc?: string; idHash?: string; name: string; code: string; invalid?: string } {
  const v = input.normalize('NFKC').replace(/\s+/g, '');
  const code = HAN.test(v) ? v.toUpperCase() : v.toUpperCase().replace(CODE_SEPARATORS, '');
  const uscc = isValidUscc(code) ? code : undefined;
  const idHash = isResidentIdNumber(code) ? hashIdNumber(code) : undefined;
  let invalid: string | undefined;
  if (!uscc && !idHash && /^[0-9A-Z]{8,}$/.test(code) && (code.match(/\d/g)?.length ?? 0) >= 6) invalid = codeProblem(code);
  return { uscc, idHash, name: v, code, ...(invalid ? { invalid } : {}) };
}

/** Why a code-like input is neither a USCC nor a resident ID number, in the words of the single check. */
function codeProblem(code: string): string {
  if (/^\d{17}[\dX]$/.test(code)) return '身份证号码校验不通过（GB 11643）';
  if (/^\d{15}$/.test(code)) return '身份证号码应为 18 位（GB 11643），15 位旧号码请换用 18 位号码';
  return `${zhMessages[`uscc.${usccProblem(code) ?? 'checkDigit'}`]}（GB 32100）`;
}

export interface ComparisonResult {
  row: number;
  input: string;
  /** `invalid`: the input is a malformed code, so nothing can be said of it. */
  result: 'listed' | 'not_listed' | 'invalid';
  matchedBy: 'uscc' | 'idNumber' | 'name' | null;
  listed: boolean;
  listings: (NonNullable<ReturnType<typeof listingOn>> & { subject: { name: string; role: string; idNumber: string | null } })[];
  message: string;
}

/** 批量比对: for each input, whether it (a unit by code or name, a person by ID number) was on the list on `date`, and why. */
export async function compareSubjects(inputs: { row: number; input: string }[], date: LegalDate, p: Principal): Promise<ComparisonResult[]> {
  const keyed = inputs.map((i) => ({ ...i, keys: keysOf(i.input) }));
  // Partners under a data-sharing agreement (key attribute fullIdNumbers) get full ID numbers of listed persons (runComparison audits it).
  const full = p.fullIdNumbers === true;
  const usccs = [...new Set(keyed.map((k) => k.keys.uscc).filter((x): x is string => Boolean(x)))];
  const hashes = [...new Set(keyed.map((k) => k.keys.idHash).filter((x): x is string => Boolean(x)))];
  const names = [...new Set(keyed.filter((k) => !k.keys.uscc && !k.keys.idHash && !k.keys.invalid).flatMap((k) => [k.keys.name, k.input.trim()]))];
  const or: Record<string, unknown>[] = [];
  if (usccs.length) or.push({ uscc: { $in: usccs } });
  if (hashes.length) or.push({ 'persons.idHash': { $in: hashes } });
  if (names.length) or.push({ subjectName: { $in: names } });
  const scope = scopeFilter(p, { uscc: 'uscc', district: 'districtCode' });
  const cases = or.length ? ((await CaseModel.find({ $and: [{ status: { $in: ['listed', 'removed', 'suspended', 'revoked'] } }, { $or: or }, scope] }, { history: 0 }).lean()) as LeanCase[]) : [];
  const byUscc = new Map<string, LeanCase[]>();
  const byName = new Map<string, LeanCase[]>();
  const byHash = new Map<string, LeanCase[]>();
  const add = (m: Map<string, LeanCase[]>, k: string, c: LeanCase) => m.set(k, [...(m.get(k) ?? []), c]);
  for (const c of cases) {
    // A listing of the principal person only (MEM Order 11 art. 6(5)) does not list the unit: found by the person's ID number only.
    if (c.unitListed !== false) {
      add(byUscc, c.uscc, c);
      add(byName, c.subjectName.normalize('NFKC').replace(/\s+/g, ''), c);
    }
    for (const person of c.persons) add(byHash, person.idHash, c);
  }
  return keyed.map(({ row, input, keys }) => {
    // A mistyped ID number is still a person's ID number: echoed masked.
    if (keys.invalid) return { row, input: /^(\d{17}[\dX]|\d{15})$/.test(keys.code) ? maskIdNumber(keys.code) : input, result: 'invalid', matchedBy: null, listed: false, listings: [], message: keys.invalid };
    const listings: ComparisonResult['listings'] = [];
    let matchedBy: ComparisonResult['matchedBy'] = null;
    const unit = (keys.uscc && byUscc.get(keys.uscc)) || (!keys.uscc && !keys.idHash ? byName.get(keys.name) : undefined);
    if (unit?.length) {
      matchedBy = keys.uscc ? 'uscc' : 'name';
      for (const c of unit) {
        const l = listingOn(c, date);
        if (l) listings.push({ ...l, persons: full ? l.persons.map((x) => ({ ...x, idNumber: fullIdNumber(x.idNumber, x.name, c.persons) })) : l.persons, subject: { name: l.subjectName, role: '单位', idNumber: null } });
      }
    }
    const asPerson = keys.idHash ? byHash.get(keys.idHash) : undefined;
    if (asPerson?.length) {
      matchedBy ??= 'idNumber';
      for (const c of asPerson) {
        const l = listingOn(c, date);
        const person = c.persons.find((x) => x.idHash === keys.idHash)!;
        if (l && full) l.persons = l.persons.map((x) => ({ ...x, idNumber: fullIdNumber(x.idNumber, x.name, c.persons) }));
        if (l) listings.push({ ...l, subject: { name: person.name, role: person.role === 'principal' ? '主要负责人' : '其他责任人员', idNumber: full ? person.idNumber : maskIdNumber(person.idNumber) } });
      }
    }
    const message = listings.length
      ? listings.map((l) => `${l.subject.role === '单位' ? '' : `${l.subject.role}${l.subject.name}：`}${l.reason}`).join('；')
      : matchedBy
        ? `${date} 不在名单内（曾有列入记录）`
        : `${date} 不在名单内`;
    // An ID number is echoed masked, like every ID number this service returns to partners.
    const listed = listings.length > 0;
    return { row, input: keys.idHash ? maskIdNumber(keys.code) : input, result: listed ? 'listed' : 'not_listed', matchedBy, listed, listings, message };
  });
}

const ANSWER_COLUMNS = ['行号', '输入', '识别方式', '是否在名单内', '主体名称', '身份', '证件号码', '统一社会信用代码', '列入事由', '列入决定书文号', '列入日期', '列入截止日期', '决定机关', '惩戒措施', '说明'];
const MATCH_LABELS = { uscc: '统一社会信用代码', idNumber: '证件号码', name: '名称' } as const;
const RESULT_LABELS = { listed: '是', not_listed: '否', invalid: '无效' } as const;

/** The comparison as CSV for Excel (BOM, formula cells escaped: the inputs are echoed). One line per listing found, else one per input. */
export function comparisonCsv(results: ComparisonResult[]): string {
  const lines: string[][] = [ANSWER_COLUMNS];
  for (const r of results) {
    const head = [String(r.row), r.input, r.matchedBy ? MATCH_LABELS[r.matchedBy] : r.result === 'invalid' ? '格式无效' : '未匹配', RESULT_LABELS[r.result]];
    if (!r.listings.length) lines.push([...head, '', '', '', '', '', '', '', '', '', '', r.message]);
    for (const l of r.listings) {
      lines.push([...head, l.subject.name, l.subject.role, l.subject.idNumber ?? '', l.uscc, `（${l.ground.code}）${l.ground.text}`, l.decisionNumber ?? '', l.listingStart, l.listingEnd, l.authorityName, l.measures.map((m) => m.text).join('；'), l.reason]);
    }
  }
  return '\uFEFF' + stringify(lines, { escape_formulas: true, record_delimiter: 'windows' });
}

export async function runComparison(body: Buffer, format: 'csv' | 'xlsx', q: { date?: LegalDate }, ctx: CallContext) {
  const date = q.date ?? todayInShanghai();
  const inputs = await readSubjects(body, format, dishonestyRules().comparisonMaxRows);
  const results = await compareSubjects(inputs, date, ctx.principal);
  const count = (result: ComparisonResult['result']) => results.filter((r) => r.result === result).length;
  const summary = { rows: results.length, listed: count('listed'), notListed: count('not_listed'), invalid: count('invalid') };
  const full = ctx.principal.fullIdNumbers === true;
  await recordAudit({ action: full ? 'dishonesty.compare.fullIdNumbers' : 'dishonesty.compare', resource: 'dishonestyComparison', principal: ctx.principal, ip: ctx.ip, detail: { date, format, ...summary, bytes: body.length, ...(full ? { fullIdNumbers: true } : {}) } });
  return { date, summary, results };
}

// ---------------------------------------------------------------------------------------------
// 惩戒反馈

type LeanFeedback = FeedbackDoc & { _id: mongoose.Types.ObjectId };

export function presentFeedback(d: LeanFeedback) {
  return {
    id: String(d._id),
    listingId: d.caseId,
    uscc: d.uscc,
    subjectName: d.subjectName,
    partner: { id: d.partnerId, name: d.partnerName },
    measure: { code: d.measureCode, text: d.measureText },
    appliedOn: d.appliedOn,
    caseNumber: d.caseNumber,
    note: d.note,
    at: d.at,
  };
}

/** A partner records a joint-punishment measure it applied to a subject listed on that day, under that listing's measures. */
export async function recordFeedback(caseId: string, body: { measureCode: string; appliedOn: LegalDate; caseNumber: string; note?: string }, ctx: CallContext) {
  const doc = await findVisible(caseId, ctx.principal);
  const span = spanOn(doc.spans, body.appliedOn);
  if (!span) throw AppError.conflict(`该主体 ${body.appliedOn} 不在严重失信主体名单内，不能登记惩戒措施`);
  if (!span.measures.includes(body.measureCode)) {
    throw AppError.conflict('该措施不在列入决定的惩戒措施中', [{ path: 'measureCode', message: `可登记的措施：${span.measures.join('、')}` }]);
  }
  try {
    const created = await FeedbackModel.create({
      caseId,
      uscc: doc.uscc,
      subjectName: doc.subjectName,
      districtCode: doc.districtCode,
      partnerId: ctx.principal.id,
      partnerName: ctx.principal.name,
      measureCode: body.measureCode,
      measureText: measureOf(body.measureCode)!.text,
      appliedOn: body.appliedOn,
      caseNumber: body.caseNumber,
      note: body.note ?? null,
      at: new Date(),
      requestId: currentRequestId() ?? null,
    });
    const out = presentFeedback(created.toObject() as LeanFeedback);
    await recordAudit({ action: 'dishonesty.feedback', resource: 'punishmentFeedback', resourceId: out.id, principal: ctx.principal, ip: ctx.ip, after: { listingId: caseId, measureCode: body.measureCode, appliedOn: body.appliedOn, caseNumber: body.caseNumber } });
    return out;
  } catch (err) {
    if (isDuplicateKey(err)) throw AppError.conflict('本部门已登记过该案件的这项惩戒措施');
    throw err;
  }
}

export async function listFeedback(q: PageRequest & { uscc?: string; partner?: string; caseId?: string }, p: Principal) {
  const and: Record<string, unknown>[] = [scopeFilter(p, { uscc: 'uscc', district: 'districtCode' })];
  if (q.uscc) and.push({ uscc: q.uscc });
  if (q.partner) and.push({ partnerId: q.partner });
  if (q.caseId) and.push({ caseId: q.caseId });
  const page = await paginate(FeedbackModel, { $and: and }, q, { field: '_id', order: -1 });
  return { items: page.items.map((d) => presentFeedback(d as LeanFeedback)), nextCursor: page.nextCursor };
}

/** Measures applied, counted per partner department or per punished subject, and per measure. */
export async function feedbackSummary(by: 'partner' | 'subject', p: Principal) {
  const key = by === 'partner' ? { id: '$partnerId', name: '$partnerName' } : { id: '$uscc', name: '$subjectName' };
  const groups = await FeedbackModel.aggregate<{ _id: { id: string; name: string; measure: string }; n: number }>([
    { $match: scopeFilter(p, { uscc: 'uscc', district: 'districtCode' }) },
    { $group: { _id: { ...key, measure: '$measureCode' }, n: { $sum: 1 } } },
  ]);
  const out = new Map<string, { id: string; name: string; total: number; byMeasure: Record<string, number> }>();
  for (const g of groups) {
    const e = out.get(g._id.id) ?? { id: g._id.id, name: g._id.name, total: 0, byMeasure: {} };
    e.total += g.n;
    e.byMeasure[g._id.measure] = (e.byMeasure[g._id.measure] ?? 0) + g.n;
    out.set(g._id.id, e);
  }
  // Most measures first; ties in pinyin order of the name (zh-CN collation), then by id.
  return { by, items: [...out.values()].sort((a, b) => b.total - a.total || a.name.localeCompare(b.name, 'zh-CN') || a.id.localeCompare(b.id)) };
}

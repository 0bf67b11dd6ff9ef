/**
 * Import templates (导入模板): a kind's columns (imports/kinds.ts, from the field tables) as the header row,
 * so a filled template imports as it is.
 *  - CSV: UTF-8 with BOM (Excel shows the Chinese headers), the header row only.
 *  - XLSX: the first worksheet is the template, its columns formatted as text (Excel would otherwise turn
 *    an all-digit USCC into a rounded number and a division code or date into something else); a second
 *    worksheet, 填写说明, describes each column (field code, required, what to write, an example). Imports
 *    read the first worksheet only, so the example never becomes data.
 * What a column requires is read from the joi schema that validates the rows.
 */
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import type Joi from 'joi';
import { recordBody } from '../../../schemas/records.js';
import { createEnterpriseBody } from '../../../schemas/enterprises.js';
import { IMPORT_KIND_LABEL, IMPORT_KIND_PATH, importTable, type ImportField, type ImportKind } from './kinds.js';

export type TemplateFormat = 'csv' | 'xlsx';

export const TEMPLATE_CONTENT_TYPES: Record<TemplateFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** The template's file name: `企业名录导入模板.xlsx`, with an ASCII one for clients that cannot take another. */
export function templateFileName(kind: ImportKind, format: TemplateFormat): { name: string; ascii: string } {
  return { name: `${IMPORT_KIND_LABEL[kind]}导入模板.${format}`, ascii: `${IMPORT_KIND_PATH[kind]}-template.${format}` };
}

/** The schema each row of the kind is validated with. */
function rowSchema(kind: ImportKind): Joi.ObjectSchema {
  return kind === 'enterprise' ? createEnterpriseBody : recordBody(kind);
}

interface Described {
  type: string;
  flags?: { presence?: string; only?: boolean; default?: unknown; description?: string };
  allow?: unknown[];
  rules?: { name: string; args?: { limit?: number } }[];
  items?: Described[];
  whens?: { then?: Described; otherwise?: Described; switch?: { then?: Described; otherwise?: Described }[] }[];
}

const required = (d: Described | undefined) => d?.flags?.presence === 'required';

/** 必填, 选填, or 视情况必填 (a condition on other columns, e.g. 罚款金额 when 处罚类别 has 罚款). */
function requirement(d: Described): string {
  if (required(d)) return '必填';
  if (!d.whens?.length) return '选填';
  // Required whichever way the condition goes (e.g. the USCC, with or without an override).
  const always = d.whens.every((w) => (w.switch ? w.switch.every((c) => required(c.then)) && w.switch.some((c) => c.otherwise && required(c.otherwise)) : required(w.then) && required(w.otherwise)));
  return always ? '必填' : '视情况必填';
}

const TYPE_HINTS: Partial<Record<ImportField['type'], string>> = {
  date: '日期，如 2026-11-02（也可写 2026/11/2、2026年11月2日或 Excel 日期）',
  money: '金额（万元），数字，最多 6 位小数',
  boolean: '是 / 否',
  uscc: '18 位统一社会信用代码',
};

/** What to write in a column: its format, allowed values, length limit and default. */
function guidance(f: ImportField, d: Described): string {
  const hints: string[] = [];
  if (f.note) hints.push(f.note);
  const hint = TYPE_HINTS[f.type];
  if (hint) hints.push(hint);
  const values = (x: Described | undefined) => (x?.flags?.only && x.allow?.length ? x.allow.map(String).join('、') : undefined);
  const allowed = values(d) ?? values(d.items?.[0]);
  if (allowed) hints.push(d.type === 'array' ? `可多选，用“；”分隔：${allowed}` : `可选值：${allowed}`);
  const max = d.type === 'string' ? d.rules?.find((r) => r.name === 'max')?.args?.limit : undefined;
  if (max) hints.push(`不超过 ${max} 个字符`);
  if (d.flags?.default !== undefined) hints.push(`留空时为“${String(d.flags.default)}”`);
  return hints.join('；');
}

export async function templateFile(kind: ImportKind, format: TemplateFormat): Promise<Buffer> {
  const { fields } = importTable(kind);
  if (format === 'csv') return Buffer.from(stringify([fields.map((f) => f.label)], { bom: true, record_delimiter: 'windows' }), 'utf8');

  const keys = (rowSchema(kind).describe() as { keys: Record<string, Described> }).keys;
  const wb = new ExcelJS.Workbook();
  wb.creator = '安全生产信用监管服务';
  const sheet = wb.addWorksheet(IMPORT_KIND_LABEL[kind], { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = fields.map((f) => ({ header: f.label, key: f.name, width: Math.min(40, Math.max(14, f.label.length * 2 + 4)), style: { numFmt: '@' } }));
  sheet.getRow(1).font = { bold: true };

  const guide = wb.addWorksheet('填写说明');
  guide.columns = [{ width: 28 }, { width: 22 }, { width: 12 }, { width: 70 }, { width: 24 }];
  guide.addRow([`本工作表仅作说明，不会导入：导入只读取第一个工作表“${IMPORT_KIND_LABEL[kind]}”，其首行为表头（可用中文名称或字段代码），此后每行一条。`]);
  guide.addRow([]);
  guide.addRow(['列名', '字段代码', '是否必填', '填写说明', '示例']).font = { bold: true };
  for (const f of fields) {
    const d = keys[f.name];
    guide.addRow([f.label, f.code, d ? requirement(d) : '选填', d ? guidance(f, d) : '', f.example ?? '']);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

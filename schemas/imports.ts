import Joi from 'joi';
import { idParam, paginationQuery, text } from './common.js';

/** Bulk import (批量导入) request contracts. The file itself is the raw request body (see the route's `rawBody`). */
export const IMPORT_KINDS = ['permits', 'penalties'] as const;
export type ImportKindParam = (typeof IMPORT_KINDS)[number];
export const IMPORT_STATUSES = ['queued', 'running', 'done', 'failed'] as const;

export const createImportQuery = Joi.object({
  kind: Joi.string()
    .valid(...IMPORT_KINDS)
    .required()
    .description('导入的记录种类：permits = 行政许可，penalties = 行政处罚'),
  fileName: text(255).min(1).description('原始文件名（仅作记录）'),
});

export const listImportsQuery = Joi.object({
  kind: Joi.string().valid(...IMPORT_KINDS).description('记录种类'),
  status: Joi.string().valid(...IMPORT_STATUSES).description('导入状态'),
  ...paginationQuery,
});

export const importIdParams = idParam.messages({ 'string.length': '导入编号无效', 'string.hex': '导入编号无效' });

import Joi from 'joi';
import { idParam, paginationQuery, text } from './common.js';
import { IMPORT_KIND_LABEL, IMPORT_KIND_LIST, IMPORT_KIND_PATH } from '../src/modules/imports/kinds.js';

/** Bulk import (批量导入) request contracts. The file itself is the raw request body (see the route's `rawBody`). */
export const IMPORT_KINDS = IMPORT_KIND_LIST.map((k) => IMPORT_KIND_PATH[k]);
export const IMPORT_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
const KINDS_DESCRIBED = IMPORT_KIND_LIST.map((k) => `${IMPORT_KIND_PATH[k]} = ${IMPORT_KIND_LABEL[k]}`).join('，');

export const createImportQuery = Joi.object({
  kind: Joi.string()
    .valid(...IMPORT_KINDS)
    .required()
    .description(`导入的种类：${KINDS_DESCRIBED}`),
  fileName: text(255).min(1).description('原始文件名（仅作记录）'),
});

export const listImportsQuery = Joi.object({
  kind: Joi.string().valid(...IMPORT_KINDS).description(`导入的种类：${KINDS_DESCRIBED}`),
  status: Joi.string().valid(...IMPORT_STATUSES).description('导入状态'),
  ...paginationQuery,
});

export const importIdParams = idParam.messages({ 'string.length': '导入编号无效', 'string.hex': '导入编号无效' });

export const templateParams = Joi.object({
  kind: Joi.string()
    .valid(...IMPORT_KINDS)
    .required()
    .description(`模板的种类：${KINDS_DESCRIBED}`),
});

import Joi from 'joi';
import { legalDate, text } from './common.js';

/** Request contracts of the holiday calendar (节假日安排). Year-dependent checks: src/modules/calendar/rules.ts. */

export const calendarYearParams = Joi.object({
  year: Joi.number().integer().min(2000).max(2100).required().messages({ 'number.base': '年份应为 4 位数字', 'number.min': '年份不得早于 {#limit}', 'number.max': '年份不得晚于 {#limit}' }),
});

/** PUT /calendar/years/:year — a year's official schedule (国务院办公厅关于某年部分节假日安排的通知). */
export const scheduleBody = Joi.object({
  holidays: Joi.array()
    .items(legalDate())
    .min(1)
    .max(60)
    .unique()
    .required()
    .messages({ 'array.unique': '放假日期重复' })
    .description('放假日期（含放假期间的周六、周日），YYYY-MM-DD'),
  workdays: Joi.array()
    .items(legalDate())
    .max(20)
    .unique()
    .default([])
    .messages({ 'array.unique': '调休上班日期重复' })
    .description('调休上班的周六、周日，YYYY-MM-DD'),
  source: text(200).min(4).required().description('依据：通知的文号与标题，如“国办发明电〔2026〕7号”'),
});

export const recomputeBody = Joi.object({
  from: legalDate().description('重算截止日期在此日期及以后的期限（默认：本年 1 月 1 日）'),
});

export const calendarYearView = Joi.object({
  year: Joi.number().integer(),
  official: Joi.boolean().description('是否已有正式放假安排（否：按法定节假日暂定）'),
  basis: Joi.string().valid('loaded', 'config', 'library', 'statutory').description('来源：loaded 管理员导入；config 配置文件；library 节假日库；statutory 法定节假日（暂定）'),
  source: Joi.string(),
  loadedAt: Joi.date().allow(null),
  loadedBy: Joi.string().allow(null),
});

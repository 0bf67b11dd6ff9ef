import Joi from 'joi';

export const timelinessQuery = Joi.object({
  month: Joi.string()
    .pattern(/^\d{4}-(0[1-9]|1[0-2])$/)
    .messages({ 'string.pattern.base': '月份格式应为 YYYY-MM' })
    .description('统计月份（按决定日期）；缺省为本月（Asia/Shanghai）'),
});

export const runBody = Joi.object({
  budgetSeconds: Joi.number().integer().min(1).max(600).default(120).description('本次推送最长运行秒数'),
}).default();

import Joi from 'joi';

export const timelinessQuery = Joi.object({
  month: Joi.string()
    .pattern(/^\d{4}-(0[1-9]|1[0-2])$/)
    .messages({ 'string.pattern.base': '月份格式应为 YYYY-MM' })
    .description('统计月份（按决定日期）；缺省为本月（Asia/Shanghai）'),
});

export const statusQuery = Joi.object({
  limit: Joi.number()
    .integer()
    .min(0)
    .max(500)
    .default(100)
    .messages({ 'number.base': '列表条数应为 0–500 的整数', 'number.integer': '列表条数应为 0–500 的整数', 'number.min': '列表条数应为 0–500 的整数', 'number.max': '列表条数应为 0–500 的整数' })
    .description('每个平台的逾期、失败、拒收、审核后拒收列表各列出多少条（0：只要数量，不列记录）；缺省 100'),
});

export const runBody = Joi.object({
  budgetSeconds: Joi.number().integer().min(1).max(600).default(120).description('本次推送最长运行秒数'),
}).default();

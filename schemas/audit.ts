import Joi from 'joi';
import { paginationQuery, text } from './common.js';

export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;

/** GET /audit: every filter is optional and they combine (AND); newest first. */
export const listAuditQuery = Joi.object({
  resource: text(50).min(1).description('资源类型（如 enterprise、apiKey、auth）'),
  resourceId: text(200).min(1).description('资源标识（如统一社会信用代码、密钥 ID）'),
  principal: text(200).min(1).description('操作主体 ID（如 apikey:…、jwt:…、cli）'),
  action: text(100).min(1).description('操作（如 enterprise.create、auth.failed）'),
  outcome: Joi.string().valid(...AUDIT_OUTCOMES).description('结果'),
  from: Joi.date().iso().description('起始时间（含，ISO 8601）'),
  to: Joi.date()
    .iso()
    .when('from', { is: Joi.exist(), then: Joi.date().min(Joi.ref('from')) })
    .messages({ 'date.min': '结束时间不得早于起始时间' })
    .description('结束时间（含，ISO 8601）'),
  ...paginationQuery,
});

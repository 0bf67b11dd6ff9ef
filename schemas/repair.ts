import Joi from 'joi';
import { legalDate, paginationQuery, pastDate, text } from './common.js';
import { REPAIR_STATES } from '../src/modules/repair/rules.js';

/** Request contracts of credit repair (信用修复). */

const objectId = (label: string) =>
  Joi.string()
    .hex()
    .length(24)
    .messages({ 'string.length': `${label}无效`, 'string.hex': `${label}无效` });

export const repairIdParams = Joi.object({ id: objectId('申请编号').required() });
export const repairFileParams = Joi.object({ id: objectId('申请编号').required(), fileId: objectId('文件编号').required() });
export const penaltyIdParams = Joi.object({ id: objectId('记录编号').required() });

export const fulfilmentBody = Joi.object({
  finePaidDate: pastDate().description('罚没款缴清日期（含罚款或没收违法所得的处罚须登记）'),
  correctionConfirmedDate: pastDate().description('决定机关确认违法行为已纠正、其他义务已履行完毕的日期'),
  evidence: text(2000).min(2).required().description('依据：缴款凭证号、整改复查意见书文号等'),
})
  .or('finePaidDate', 'correctionConfirmedDate')
  .messages({ 'object.missing': '至少登记罚没款缴清日期或违法行为纠正确认日期之一' });

export const eligibilityQuery = Joi.object({
  date: legalDate().description('评估日期（默认今天，Asia/Shanghai）'),
});

const phone = () =>
  Joi.string()
    .trim()
    .pattern(/^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$/)
    .messages({ 'string.pattern.base': '联系电话应为 11 位手机号或带区号的固定电话' });

/**
 * Text fields of the multipart application (files come as `evidence` parts). The commitment text's
 * minimum length is configured (config/repair.json commitmentMinLength).
 */
export function applicationFields(commitmentMinLength: number): Joi.ObjectSchema {
  return Joi.object({
    recordId: objectId('记录编号').required().description('申请修复的行政处罚记录编号'),
    commitmentText: text(5000)
      .min(commitmentMinLength)
      .when('commitmentAccepted', { is: true, then: Joi.required() })
      .description('信用修复承诺书全文（已在信用承诺中登记有效的信用修复承诺的，可省略）'),
    commitmentAccepted: Joi.boolean().description('明确同意信用承诺（须为 true；已登记有效的信用修复承诺的，可省略）'),
    contactName: text(50).min(1).required().description('联系人'),
    contactPhone: phone().required().description('联系电话'),
    statement: text(2000).description('申请说明（纠正违法行为、履行义务的情况）'),
  }).with('commitmentText', 'commitmentAccepted');
}

export const listRepairsQuery = Joi.object({
  state: Joi.string().valid(...REPAIR_STATES).description('申请状态'),
  recordId: objectId('记录编号').description('行政处罚记录编号'),
  uscc: Joi.string().trim().uppercase().max(18).description('申请企业统一社会信用代码'),
  ...paginationQuery,
});

export const overdueQuery = Joi.object({
  date: legalDate().description('以该日期判断是否逾期（默认今天）'),
  ...paginationQuery,
});

const note = () => text(2000).min(1).description('说明');
const items = (label: string) => Joi.array().items(text(500).min(1)).min(1).max(50).required().description(label);

export const acceptBody = Joi.object({ note: note() });
export const refuseBody = Joi.object({ missing: items('缺少或不符合要求的材料（逐项）'), note: note() });
export const extendBody = Joi.object({ reason: text(2000).min(2).required().description('延长办理期限的理由（情况复杂等）') });
export const approveBody = Joi.object({ note: note() });
export const denyBody = Joi.object({ reasons: items('不予修复的理由（逐项）'), note: note() });
export const revokeBody = Joi.object({ reasons: items('撤销信用修复的理由（逐项，如所提交的缴款凭证系伪造）'), note: note() });

import Joi from 'joi';
import { ROLES, rolesConflict } from '../src/modules/auth/roles.js';
import { divisionCode, text, uscc } from './common.js';

export const createApiKeyBody = Joi.object({
  name: text(100).min(1).required().description('密钥名称（使用人或系统）'),
  roles: Joi.array()
    .items(Joi.string().valid(...ROLES))
    .min(1)
    .unique()
    .required()
    // Separation of duties: never `enterprise` together with a staff role (one rule, src/modules/auth/roles.ts).
    .custom((roles: string[], helpers) => (rolesConflict(roles) ? helpers.message({ custom: rolesConflict(roles)! }) : roles))
    .description('角色（企业用户不能与录入、审核、监管查询、系统管理员角色同时授予）'),
  uscc: uscc().when('roles', { is: Joi.array().items().has('enterprise'), then: Joi.required(), otherwise: Joi.forbidden() })
    .messages({ 'any.required': '企业用户须绑定统一社会信用代码', 'any.unknown': '仅企业用户可绑定统一社会信用代码' }),
  scope: Joi.array().items(divisionCode()).unique().default([]).description('职权范围：行政区划代码（空 = 全部）'),
  authorityUscc: uscc()
    .when('roles', { is: Joi.array().items().has(Joi.valid('clerk', 'reviewer')), otherwise: Joi.forbidden() })
    .messages({ 'any.unknown': '仅录入人员、审核人员的密钥可绑定决定机关' })
    .description('所代表的行政机关统一社会信用代码：严重失信名单“谁处罚、谁决定”，只能办理本机关作出的处罚据以列入的案件'),
  authorityName: text(200).min(1).when('authorityUscc', { is: Joi.exist(), then: Joi.required(), otherwise: Joi.forbidden() }).description('所代表的行政机关名称'),
  fullIdNumbers: Joi.boolean()
    .when('roles', { is: Joi.array().items().has('partner'), otherwise: Joi.forbidden() })
    .messages({ 'any.unknown': '仅联合惩戒协同部门的密钥可接收完整证件号码' })
    .description('依数据共享协议接收列入人员完整证件号码（用于任职限制比对）；缺省脱敏，设置与每次使用均留痕'),
  expiresAt: Joi.date().iso().greater('now').description('过期时间（ISO 8601）'),
});

export const apiKeyIdParams = Joi.object({ id: Joi.string().hex().length(24).required() });

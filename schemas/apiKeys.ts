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
  expiresAt: Joi.date().iso().greater('now').description('过期时间（ISO 8601）'),
});

export const apiKeyIdParams = Joi.object({ id: Joi.string().hex().length(24).required() });

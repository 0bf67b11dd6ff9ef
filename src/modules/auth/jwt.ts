import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwtConfig } from '../../config.js';
import { AppError } from '../../http/errors.js';
import { ROLES, rolesConflict, type Principal, type Role } from './roles.js';

/** Verifies a bearer token and maps its claims to a principal; throws a 401 AppError otherwise. */
export type JwtVerifier = (token: string) => Promise<Principal>;

const USCC_SHAPE = /^[0-9A-HJ-NPQRTUWXY]{18}$/;
const DIVISION = /^\d{6}$/;

function claim(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), payload);
}

/** A claim that is an array of strings or one string of space- or comma-separated values. */
function stringList(value: unknown): string[] | null {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  return null;
}

const invalid = (message: string) => AppError.unauthorized(message);

/** Chinese reason for a failed verification; the cause is never echoed from the token itself. */
function reason(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof errors.JWTExpired) return invalid('令牌已过期');
  if (err instanceof errors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'iss':
        return invalid('令牌签发者不受信任');
      case 'aud':
        return invalid('令牌受众不匹配');
      case 'nbf':
        return invalid('令牌尚未生效');
      case 'iat':
        return invalid('令牌签发时间无效');
      default:
        return invalid(err.reason === 'missing' ? `令牌缺少必要声明：${err.claim}` : `令牌声明无效：${err.claim}`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed || err instanceof errors.JOSENotSupported) return invalid('令牌签名算法不被接受');
  if (err instanceof errors.JWSSignatureVerificationFailed) return invalid('令牌签名无效');
  if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) return invalid('找不到与令牌匹配的验证密钥');
  return invalid('令牌格式无效');
}

/**
 * Builds the verifier for one configuration. Only the configured algorithms are accepted (never `none`);
 * issuer, audience, expiry (required) and not-before are checked with the configured clock tolerance.
 *
 * Claims → principal: `sub` → id `jwt:<sub>`; `name` (or `preferred_username`, or `sub`) → name;
 * the roles claim (array or space/comma-separated string; unknown roles are ignored) → roles;
 * the uscc claim → the enterprise an `enterprise` principal acts for (required for that role);
 * the scope claim (6-digit division codes) → authority scope.
 */
export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  let key: KeyObject | JWTVerifyGetKey;
  if (config.key.kind === 'secret') key = createSecretKey(Buffer.from(config.key.secret, 'utf8'));
  else if (config.key.kind === 'publicKey') key = createPublicKey(config.key.pem);
  else key = createLocalJWKSet(config.key.jwks as Parameters<typeof createLocalJWKSet>[0]);
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: [...config.algorithms],
    clockTolerance: config.clockToleranceSec,
    requiredClaims: ['exp', 'sub'],
  };

  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
    } catch (err) {
      throw reason(err);
    }
    const roleClaim = stringList(claim(payload, config.claims.roles));
    if (roleClaim === null) throw invalid(`令牌的角色声明（${config.claims.roles}）格式无效`);
    const roles = roleClaim.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
    const conflict = rolesConflict(roles);
    if (conflict) throw AppError.forbidden(`令牌不可使用：${conflict}`);
    const scope = stringList(claim(payload, config.claims.scope));
    if (scope === null || !scope.every((d) => DIVISION.test(d))) throw invalid(`令牌的职权范围（${config.claims.scope}）须为 6 位行政区划代码`);
    const rawUscc = claim(payload, config.claims.uscc);
    const uscc = typeof rawUscc === 'string' ? rawUscc.trim().toUpperCase() : undefined;
    if (roles.includes('enterprise') && !(uscc && USCC_SHAPE.test(uscc))) {
      throw invalid(`企业用户令牌缺少有效的统一社会信用代码（${config.claims.uscc}）`);
    }
    const sub = String(payload.sub);
    const name = [payload.name, payload.preferred_username].find((v): v is string => typeof v === 'string' && v.length > 0) ?? sub;
    return {
      id: `jwt:${sub}`,
      name,
      roles,
      uscc: roles.includes('enterprise') ? uscc : undefined,
      scope: [...new Set(scope)],
      via: 'jwt',
    };
  };
}

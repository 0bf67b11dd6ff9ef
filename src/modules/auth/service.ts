import { createHash, randomBytes } from 'node:crypto';
import { ApiKeyModel, type ApiKeyDoc } from './model.js';
import { rolesConflict, type Principal, type Role } from './roles.js';
import { AppError } from '../../http/errors.js';
import type { JwtConfig } from '../../config.js';
import { createJwtVerifier, type JwtVerifier } from './jwt.js';
import { keyId } from '../../db/keyId.js';

export function hashKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export function generateKey(): string {
  return `csk_${randomBytes(24).toString('base64url')}`;
}

function toPrincipal(doc: ApiKeyDoc & { _id: unknown }): Principal {
  return {
    id: `apikey:${String(doc._id)}`,
    name: doc.name,
    roles: [...doc.roles],
    uscc: doc.uscc ?? undefined,
    scope: [...(doc.scope ?? [])],
    ...(doc.authorityUscc ? { authorityUscc: doc.authorityUscc, authorityName: doc.authorityName } : {}),
    ...(doc.fullIdNumbers ? { fullIdNumbers: true } : {}),
    via: 'apiKey',
  };
}

/** Minimum interval between lastUsedAt writes for one key, so hot keys do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** A key's `_id` derives from its hash, so authenticating is a point read (see keyId). */
const apiKeyId = (hash: string) => keyId(`apiKey:${hash}`);

export async function resolveApiKey(key: string): Promise<Principal> {
  const hash = hashKey(key);
  // Keys stored before ids were derived from hashes are found by the hash itself (its unique index).
  const doc = (await ApiKeyModel.findById(apiKeyId(hash)).lean()) ?? (await ApiKeyModel.findOne({ hash }).lean());
  if (!doc) throw AppError.unauthorized('API 密钥无效');
  if (doc.revokedAt) throw AppError.unauthorized('API 密钥已被吊销');
  const now = new Date();
  if (doc.expiresAt && doc.expiresAt <= now) throw AppError.unauthorized('API 密钥已过期');
  const conflict = rolesConflict(doc.roles);
  if (conflict) throw AppError.forbidden(`API 密钥不可使用：${conflict}，请吊销后分别创建`);
  if (!doc.lastUsedAt || now.getTime() - doc.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await ApiKeyModel.updateOne({ _id: doc._id }, { $set: { lastUsedAt: now } });
  }
  return toPrincipal(doc);
}

export interface Credentials {
  apiKey?: string;
  authorization?: string;
}

/** Resolves a request's credentials to a principal. Exactly one credential: an API key or a bearer token. */
export async function authenticateRequest(creds: Credentials, opts: { jwt?: JwtVerifier } = {}): Promise<Principal> {
  if (creds.apiKey && creds.authorization) throw AppError.unauthorized('请只提供一种认证凭据（X-API-Key 或 Authorization: Bearer）');
  if (creds.apiKey) return resolveApiKey(creds.apiKey);
  if (creds.authorization) {
    const bearer = /^Bearer +([A-Za-z0-9._~+/=-]+)$/i.exec(creds.authorization.trim());
    if (!bearer) throw AppError.unauthorized('Authorization 头格式无效，应为 Bearer <令牌>');
    if (!opts.jwt) throw AppError.unauthorized('本服务未启用令牌认证，请使用 X-API-Key');
    return opts.jwt(bearer[1]);
  }
  throw AppError.unauthorized('缺少认证凭据（X-API-Key 或 Authorization: Bearer <令牌>）');
}

/** How an app instance authenticates: API keys always, bearer tokens when JWT is configured. */
export type Authenticator = (creds: Credentials) => Promise<Principal>;

export function createAuthenticator(config: { jwt?: JwtConfig } = {}): Authenticator {
  const jwt = config.jwt ? createJwtVerifier(config.jwt) : undefined;
  return (creds) => authenticateRequest(creds, { jwt });
}

export interface CreateKeyInput {
  name: string;
  roles: Role[];
  uscc?: string;
  scope?: string[];
  authorityUscc?: string;
  authorityName?: string;
  fullIdNumbers?: boolean;
  expiresAt?: Date;
}

/** Creates a key and returns it once, in clear. */
export async function createApiKey(input: CreateKeyInput, createdBy?: string, key = generateKey()) {
  const conflict = rolesConflict(input.roles);
  if (conflict) throw AppError.validation([{ path: 'roles', message: conflict }]);
  const hash = hashKey(key);
  const doc = await ApiKeyModel.create({
    _id: apiKeyId(hash),
    name: input.name,
    prefix: key.slice(0, 12),
    hash,
    roles: input.roles,
    uscc: input.uscc,
    scope: input.scope ?? [],
    authorityUscc: input.authorityUscc,
    authorityName: input.authorityName,
    fullIdNumbers: input.fullIdNumbers || undefined,
    expiresAt: input.expiresAt,
    createdBy,
  });
  return { key, apiKey: presentKey(doc.toObject()) };
}

export function presentKey(doc: ApiKeyDoc & { _id: unknown }) {
  return {
    id: String(doc._id),
    name: doc.name,
    prefix: doc.prefix,
    roles: doc.roles,
    uscc: doc.uscc ?? null,
    scope: doc.scope ?? [],
    authorityUscc: doc.authorityUscc ?? null,
    authorityName: doc.authorityName ?? null,
    fullIdNumbers: doc.fullIdNumbers === true,
    expiresAt: doc.expiresAt ?? null,
    lastUsedAt: doc.lastUsedAt ?? null,
    revokedAt: doc.revokedAt ?? null,
    createdBy: doc.createdBy ?? null,
    createdAt: doc.createdAt,
  };
}

/** Seeds (or re-activates) the bootstrap admin key from ADMIN_API_KEY. Stored hashed like any key. */
export async function seedAdminKey(key: string): Promise<void> {
  const hash = hashKey(key);
  if (await ApiKeyModel.findOne({ hash }, { _id: 1 }).lean()) return;
  await ApiKeyModel.updateOne(
    { _id: apiKeyId(hash) },
    {
      $setOnInsert: { name: 'bootstrap-admin (ADMIN_API_KEY)', prefix: '(ADMIN_API_KEY)', hash, roles: ['admin'], scope: [], createdBy: 'system' },
    },
    { upsert: true },
  );
}

export async function listApiKeys() {
  const docs = await ApiKeyModel.find().sort({ createdAt: -1 }).lean();
  return docs.map(presentKey);
}

export async function revokeApiKey(id: string) {
  const doc = await ApiKeyModel.findOneAndUpdate({ _id: id, revokedAt: null }, { $set: { revokedAt: new Date() } }, { new: true }).lean();
  if (!doc) {
    const exists = await ApiKeyModel.exists({ _id: id });
    if (!exists) throw AppError.notFound('API 密钥不存在');
    throw AppError.conflict('API 密钥已被吊销');
  }
  return presentKey(doc);
}

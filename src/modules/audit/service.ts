import { AuditModel, type AuditDoc } from './model.js';
import { requestContext } from '../../lib/context.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import type { Principal } from '../auth/index.js';

export interface AuditInput {
  action: string;
  resource: string;
  resourceId?: string;
  outcome?: 'success' | 'denied' | 'failure';
  principal?: Pick<Principal, 'id' | 'name' | 'roles'>;
  /** Defaults to the current request's client address. */
  ip?: string;
  before?: unknown;
  after?: unknown;
  detail?: unknown;
}

/** Appends one audit entry. Callers await it: a write without its audit entry is not done. */
export async function recordAudit(input: AuditInput): Promise<void> {
  const ctx = requestContext.getStore();
  await AuditModel.create({
    at: new Date(),
    action: input.action,
    resource: input.resource,
    resourceId: input.resourceId,
    outcome: input.outcome ?? 'success',
    principalId: input.principal?.id,
    principalName: input.principal?.name,
    roles: input.principal?.roles ? [...input.principal.roles] : undefined,
    ip: input.ip ?? ctx?.ip,
    requestId: ctx?.requestId,
    before: input.before,
    after: input.after,
    detail: input.detail,
  });
}

export function presentAudit(doc: AuditDoc & { _id: unknown }) {
  return {
    id: String(doc._id),
    at: doc.at,
    action: doc.action,
    resource: doc.resource,
    resourceId: doc.resourceId ?? null,
    outcome: doc.outcome,
    principalId: doc.principalId ?? null,
    principalName: doc.principalName ?? null,
    roles: doc.roles ?? [],
    ip: doc.ip ?? null,
    requestId: doc.requestId ?? null,
    before: doc.before ?? null,
    after: doc.after ?? null,
    detail: doc.detail ?? null,
  };
}

export interface AuditListQuery extends PageRequest {
  resource?: string;
  resourceId?: string;
  principal?: string;
  action?: string;
  outcome?: AuditDoc['outcome'];
  from?: Date;
  to?: Date;
}

/** Audit entries matching every given filter, newest first, cursor-paginated. */
export async function listAudit(q: AuditListQuery) {
  const filter: Record<string, unknown>[] = [];
  if (q.resource) filter.push({ resource: q.resource });
  if (q.resourceId) filter.push({ resourceId: q.resourceId });
  if (q.principal) filter.push({ principalId: q.principal });
  if (q.action) filter.push({ action: q.action });
  if (q.outcome) filter.push({ outcome: q.outcome });
  if (q.from) filter.push({ at: { $gte: q.from } });
  if (q.to) filter.push({ at: { $lte: q.to } });
  const page = await paginate(AuditModel, filter.length ? { $and: filter } : {}, q, { field: 'at', order: -1 });
  return { items: page.items.map(presentAudit), nextCursor: page.nextCursor };
}

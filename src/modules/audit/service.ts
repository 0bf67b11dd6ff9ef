import type mongoose from 'mongoose';
import { AuditModel, type AuditDoc } from './model.js';
import { requestContext } from '../../lib/context.js';
import { paginate, type PageRequest } from '../../lib/pagination.js';
import { insertNew } from '../../db/bulk.js';
import { keyId } from '../../db/keyId.js';

export interface AuditInput {
  action: string;
  resource: string;
  resourceId?: string;
  outcome?: 'success' | 'denied' | 'failure';
  /** Who did it. An entry completed by a later request may know only the writer's id (see `completes`). */
  principal?: { id: string; name?: string; roles?: readonly string[] };
  /** Defaults to the current request's client address. */
  ip?: string;
  before?: unknown;
  after?: unknown;
  detail?: unknown;
  /** When the audited write happened (default: now). An entry written later keeps the time of its write. */
  at?: Date;
  /**
   * The entry's `_id` when the write it records must have exactly one entry: `auditId(<natural key>)`. Writing
   * it again — a repeated request completing what an interrupted one left out, or two requests racing to do
   * so — meets the unique `_id` and keeps the entry already stored.
   */
  id?: mongoose.Types.ObjectId;
  /**
   * Written by a later request (or job) than the write it records, whose own request stopped before writing
   * it (a crash) or has not written it yet: stored with `detail.completed: true`.
   */
  completes?: boolean;
}

/** The `_id` of the one audit entry of a write, from that write's natural key (e.g. "record:<id>:v2"). */
export const auditId = (key: string): mongoose.Types.ObjectId => keyId(`audit:${key}`);

function auditDoc(input: AuditInput): Record<string, unknown> {
  const ctx = requestContext.getStore();
  const detail = input.completes ? { ...(input.detail as object | undefined), completed: true } : input.detail;
  const doc: Record<string, unknown> = {
    _id: input.id,
    at: input.at ?? new Date(),
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
    detail,
  };
  for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
  return doc;
}

/**
 * The principal an entry names for a write made by `writerId`: the current caller when it is that writer, else
 * only the writer's id (an entry completed by someone else: the write is not theirs).
 */
export function writerPrincipal(writerId: string, current?: AuditInput['principal']): AuditInput['principal'] {
  return current && current.id === writerId ? current : { id: writerId };
}

/** Appends one audit entry. Callers await it: a write without its audit entry is not done. */
export async function recordAudit(input: AuditInput): Promise<void> {
  await recordAudits([input]);
}

/**
 * Appends audit entries in one unordered insert. An entry with an `id` that is already stored is kept as it
 * is (a duplicate key is "already there"). Returns the ids (as strings) of the entries with an `id` that this
 * call stored.
 */
export async function recordAudits(inputs: AuditInput[]): Promise<Set<string>> {
  const docs = inputs.map(auditDoc);
  const there = new Set(await insertNew(AuditModel.collection, docs));
  return new Set(inputs.flatMap((e, i) => (e.id && !there.has(i) ? [String(e.id)] : [])));
}

/** The ids among `ids` with no audit entry yet (one read by `_id`). */
export async function missingAudits(ids: mongoose.Types.ObjectId[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const found = await AuditModel.collection.find({ _id: { $in: ids } }, { projection: { _id: 1 } }).toArray();
  const stored = new Set(found.map((d) => String(d._id)));
  return new Set(ids.map(String).filter((id) => !stored.has(id)));
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

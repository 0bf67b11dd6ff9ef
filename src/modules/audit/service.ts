import { AuditModel } from './model.js';
import { currentRequestId } from '../../lib/context.js';
import type { Principal } from '../auth/index.js';

export interface AuditInput {
  action: string;
  resource: string;
  resourceId?: string;
  outcome?: 'success' | 'denied' | 'failure';
  principal?: Pick<Principal, 'id' | 'name' | 'roles'>;
  ip?: string;
  before?: unknown;
  after?: unknown;
  detail?: unknown;
}

/** Appends one audit entry. Callers await it: a write without its audit entry is not done. */
export async function recordAudit(input: AuditInput): Promise<void> {
  await AuditModel.create({
    at: new Date(),
    action: input.action,
    resource: input.resource,
    resourceId: input.resourceId,
    outcome: input.outcome ?? 'success',
    principalId: input.principal?.id,
    principalName: input.principal?.name,
    roles: input.principal?.roles ? [...input.principal.roles] : undefined,
    ip: input.ip,
    requestId: currentRequestId(),
    before: input.before,
    after: input.after,
    detail: input.detail,
  });
}

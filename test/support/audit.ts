import { expect } from 'chai';
import { AuditModel, type AuditDoc } from '../../src/modules/audit/index.js';

export type AuditEntry = AuditDoc & { _id: unknown };

/**
 * Asserts that an audit entry with this action (and resource id) exists, and returns the newest one.
 * `match` adds further exact conditions (e.g. `{ principalId }`, `{ outcome: 'denied' }`).
 * An entry written while serving a request must carry the client address, and when successful its principal.
 */
export async function expectAudited(action: string, resourceId?: string, match: Partial<Record<keyof AuditDoc, unknown>> = {}): Promise<AuditEntry> {
  const filter = { action, ...(resourceId !== undefined ? { resourceId } : {}), ...match };
  const entry = (await AuditModel.findOne(filter).sort({ at: -1, _id: -1 }).lean()) as AuditEntry | null;
  expect(entry, `no audit entry ${JSON.stringify(filter)}`).to.not.equal(null);
  expect(entry!.at).to.be.instanceOf(Date);
  expect(entry!.outcome, 'audit outcome').to.be.oneOf(['success', 'denied', 'failure']);
  if (entry!.requestId) {
    expect(entry!.ip, 'an entry written while serving a request has the client address').to.be.a('string').and.not.equal('');
    if (entry!.outcome === 'success') expect(entry!.principalId, 'a successful request names its principal').to.be.a('string');
  }
  return entry!;
}

/** A write request seen by the test app (see test/support/app.ts). */
export interface SeenWrite {
  method: string;
  url: string;
  status: number;
  requestId: string;
}

/**
 * Every successful write request (POST/PUT/PATCH/DELETE answered 2xx) left at least one audit entry
 * carrying its request id. Called by TestApp.close(), so every test file that writes through HTTP checks it.
 */
export async function expectWritesAudited(writes: readonly SeenWrite[]): Promise<void> {
  if (writes.length === 0) return;
  const ids = [...new Set(writes.map((w) => w.requestId))];
  const entries = await AuditModel.find({ requestId: { $in: ids } }, { requestId: 1 }).lean();
  const audited = new Set(entries.map((e) => e.requestId));
  const missing = writes.filter((w) => !audited.has(w.requestId));
  expect(missing.map((w) => `${w.method} ${w.url} → ${w.status} (request ${w.requestId})`), 'successful writes without an audit entry').to.deep.equal([]);
}

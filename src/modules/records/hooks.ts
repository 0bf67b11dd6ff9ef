/**
 * What other modules must do when a record changes in a way they depend on. Records cannot import the
 * modules that build on them (dishonesty imports records), so those register here through records' index.
 * A listener failing does not undo the change it follows: it logs, and its module's daily job catches up.
 */
import { logger } from '../../lib/logger.js';
import type { Principal } from '../auth/index.js';
import type { RecordKind } from './fields.js';
import type { RecordVersion } from './model.js';

export interface RecordRevokedEvent {
  recordId: string;
  kind: RecordKind;
  uscc: string | null;
  decisionNumber: string;
  revocation: NonNullable<RecordVersion['revocation']>;
}

export type RecordRevokedListener = (e: RecordRevokedEvent, ctx: { principal: Principal; ip?: string }) => Promise<void>;

const revokedListeners: RecordRevokedListener[] = [];

/** Registers a listener called after a record was revoked (撤销: 行政复议、行政诉讼、决定机关自行纠错). */
export function onRecordRevoked(listener: RecordRevokedListener): void {
  if (!revokedListeners.includes(listener)) revokedListeners.push(listener);
}

export async function emitRecordRevoked(e: RecordRevokedEvent, ctx: { principal: Principal; ip?: string }): Promise<void> {
  for (const listener of revokedListeners) {
    try {
      await listener(e, ctx);
    } catch (err) {
      logger.error('a listener of a record revocation failed; its daily job will catch up', { recordId: e.recordId, err });
    }
  }
}

import mongoose, { Schema } from 'mongoose';

/** Append-only audit trail (执法全过程记录). Nothing in the service updates or deletes an entry. */
export interface AuditDoc {
  at: Date;
  action: string;
  resource: string;
  resourceId?: string;
  outcome: 'success' | 'denied' | 'failure';
  principalId?: string;
  principalName?: string;
  roles?: string[];
  ip?: string;
  requestId?: string;
  before?: unknown;
  after?: unknown;
  detail?: unknown;
}

const auditSchema = new Schema<AuditDoc>(
  {
    at: { type: Date, required: true, default: () => new Date() },
    action: { type: String, required: true },
    resource: { type: String, required: true },
    resourceId: String,
    outcome: { type: String, required: true },
    principalId: String,
    principalName: String,
    roles: [String],
    ip: String,
    requestId: String,
    before: Schema.Types.Mixed,
    after: Schema.Types.Mixed,
    detail: Schema.Types.Mixed,
  },
  { versionKey: false, collection: 'audit' },
);
auditSchema.index({ resource: 1, at: -1 });
auditSchema.index({ principalId: 1, at: -1 });
auditSchema.index({ at: -1 });

const APPEND_ONLY = 'audit entries are append-only';
const forbid = function () {
  throw new Error(APPEND_ONLY);
};
for (const op of ['updateOne', 'updateMany', 'findOneAndUpdate', 'replaceOne', 'deleteOne', 'deleteMany', 'findOneAndDelete', 'findOneAndReplace'] as const) {
  auditSchema.pre(op, { query: true, document: true }, forbid);
}
// Saving a loaded entry would overwrite it; only new entries may be saved. bulkWrite could carry updates.
auditSchema.pre('save', function () {
  if (!this.isNew) throw new Error(APPEND_ONLY);
});
auditSchema.pre('bulkWrite', forbid);

export const AuditModel = mongoose.model<AuditDoc>('Audit', auditSchema);

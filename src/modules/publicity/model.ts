import mongoose, { Schema } from 'mongoose';

/** Every delivery attempt of a record version to a platform (append-only log behind GET …/:id/deliveries). */
export interface DeliveryAttemptDoc {
  recordId: mongoose.Types.ObjectId;
  platform: string;
  kind: string;
  version: number;
  op: string;
  batchId: string;
  at: Date;
  ms: number;
  outcome: 'accepted' | 'duplicate' | 'stale' | 'rejected' | 'retry-after' | 'transient' | 'auth' | 'bad-request' | 'lease-lost';
  receiptId?: string;
  error?: { code?: string; field?: string; message: string };
  owner: string;
}

const attemptSchema = new Schema<DeliveryAttemptDoc>(
  {
    recordId: { type: Schema.Types.ObjectId, required: true },
    platform: { type: String, required: true },
    kind: String,
    version: Number,
    op: String,
    batchId: String,
    at: { type: Date, required: true },
    ms: Number,
    outcome: { type: String, required: true },
    receiptId: String,
    error: Schema.Types.Mixed,
    owner: String,
  },
  { collection: 'deliveryAttempts', versionKey: false },
);
attemptSchema.index({ recordId: 1, at: 1 });
attemptSchema.index({ platform: 1, at: -1 });
export const DeliveryAttemptModel = mongoose.model<DeliveryAttemptDoc>('DeliveryAttempt', attemptSchema);

/** Per platform: the opaque cursor of its feedback endpoint. */
export interface FeedbackCursorDoc {
  _id: string;
  cursor: string | null;
  updatedAt: Date;
  processed: number;
}
const cursorSchema = new Schema<FeedbackCursorDoc>({ _id: String, cursor: { type: String, default: null }, updatedAt: Date, processed: { type: Number, default: 0 } }, { collection: 'feedbackCursors', versionKey: false });
export const FeedbackCursorModel = mongoose.model<FeedbackCursorDoc>('FeedbackCursor', cursorSchema);

import mongoose, { Schema } from 'mongoose';
import type { CommitmentType } from './rules.js';

/**
 * 信用承诺: a commitment an enterprise signs (online as an enterprise principal, or on paper recorded
 * by a clerk) for a term. A clerk may record its breach (违约) with evidence. Kept (term ended without
 * breach) and broken commitments feed the credit grade.
 */
export interface CommitmentDoc {
  uscc: string;
  districtCode: string;
  type: CommitmentType;
  /** 告知承诺: the permit it was made for. */
  permitRecordId?: string | null;
  /** 信用修复: the penalty whose repair it supports. */
  penaltyRecordId?: string | null;
  text: string;
  signedDate: string;
  termEnd: string;
  /** online = signed by the enterprise's own principal; paper = a signed paper commitment recorded by a clerk. */
  channel: 'online' | 'paper';
  signedBy: string;
  breach?: { date: string; evidence: string; recordedBy: string; recordedAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

const commitmentSchema = new Schema<CommitmentDoc>(
  {
    uscc: { type: String, required: true },
    districtCode: { type: String, required: true },
    type: { type: String, required: true },
    permitRecordId: { type: String, default: null },
    penaltyRecordId: { type: String, default: null },
    text: { type: String, required: true },
    signedDate: { type: String, required: true },
    termEnd: { type: String, required: true },
    channel: { type: String, required: true },
    signedBy: { type: String, required: true },
    breach: { type: new Schema({ date: String, evidence: String, recordedBy: String, recordedAt: Date }, { _id: false }), default: null },
  },
  { collection: 'commitments', versionKey: false, timestamps: true },
);
commitmentSchema.index({ uscc: 1, signedDate: -1 });

export const CommitmentModel = mongoose.model<CommitmentDoc>('Commitment', commitmentSchema);

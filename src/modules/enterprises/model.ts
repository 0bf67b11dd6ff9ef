import mongoose, { Schema } from 'mongoose';
import type { StandardisationGrade, SubjectType } from './fields.js';

export interface EnterpriseDoc {
  uscc: string;
  name: string;
  subjectType: SubjectType;
  legalRepresentative: string;
  districtCode: string;
  industryCode: string;
  address?: string;
  standardisationGrade: StandardisationGrade;
  supervisingAuthority?: string;
  supervisingAuthorityUscc?: string;
  /** Set when the USCC failed its check character and was accepted by an explicit override. */
  usccOverride?: { reason: string; by: string; at: Date };
  /** Incremented on every change. */
  revision: number;
  createdBy: string;
  updatedBy: string;
  createdAt: Date;
  updatedAt: Date;
}

const enterpriseSchema = new Schema<EnterpriseDoc>(
  {
    uscc: { type: String, required: true, unique: true },
    name: { type: String, required: true },
    subjectType: { type: String, required: true },
    legalRepresentative: { type: String, required: true },
    districtCode: { type: String, required: true, index: true },
    industryCode: { type: String, required: true, index: true },
    address: String,
    standardisationGrade: { type: String, required: true },
    supervisingAuthority: String,
    supervisingAuthorityUscc: String,
    usccOverride: { type: new Schema({ reason: String, by: String, at: Date }, { _id: false }), default: undefined },
    revision: { type: Number, required: true, default: 1 },
    createdBy: { type: String, required: true },
    updatedBy: { type: String, required: true },
  },
  { timestamps: true, collection: 'enterprises', versionKey: false },
);
enterpriseSchema.index({ name: 1 });

export const EnterpriseModel = mongoose.model<EnterpriseDoc>('Enterprise', enterpriseSchema);

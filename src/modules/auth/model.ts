import mongoose, { Schema } from 'mongoose';
import type { Role } from './roles.js';

export interface ApiKeyDoc {
  name: string;
  /** First characters of the key, shown in listings so people can tell keys apart. */
  prefix: string;
  /** sha256 of the whole key; the key itself is shown once and never stored. */
  hash: string;
  roles: Role[];
  uscc?: string;
  scope: string[];
  /** The administrative authority (行政机关) a clerk/reviewer key acts for: "谁处罚、谁决定" (MEM Order 11 art. 4). */
  authorityUscc?: string;
  authorityName?: string;
  /** A partner department under a data-sharing agreement receives full ID numbers of listed persons (set by an admin, audited). */
  fullIdNumbers?: boolean;
  expiresAt?: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
  createdBy?: string;
  createdAt: Date;
  updatedAt: Date;
}

const apiKeySchema = new Schema<ApiKeyDoc>(
  {
    name: { type: String, required: true },
    prefix: { type: String, required: true },
    hash: { type: String, required: true, unique: true },
    roles: { type: [String], required: true },
    uscc: String,
    scope: { type: [String], default: [] },
    authorityUscc: String,
    authorityName: String,
    fullIdNumbers: Boolean,
    expiresAt: Date,
    lastUsedAt: Date,
    revokedAt: Date,
    createdBy: String,
  },
  { timestamps: true, collection: 'apiKeys' },
);

export const ApiKeyModel = mongoose.model<ApiKeyDoc>('ApiKey', apiKeySchema);

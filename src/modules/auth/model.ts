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
    expiresAt: Date,
    lastUsedAt: Date,
    revokedAt: Date,
    createdBy: String,
  },
  { timestamps: true, collection: 'apiKeys' },
);

export const ApiKeyModel = mongoose.model<ApiKeyDoc>('ApiKey', apiKeySchema);

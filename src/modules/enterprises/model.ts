import mongoose, { Schema } from 'mongoose';
import type { StandardisationGrade, SubjectType } from './fields.js';
import { keyId } from '../../db/keyId.js';

export interface EnterpriseDoc {
  uscc: string;
  name: string;
  subjectType: SubjectType;
  legalRepresentative: string;
  districtCode: string;
  industryCode?: string | null;
  address?: string;
  standardisationGrade: StandardisationGrade;
  supervisingAuthority?: string;
  supervisingAuthorityUscc?: string;
  /** Set when the USCC failed its check character and was accepted by an explicit override. */
  usccOverride?: { reason: string; by: string; at: Date };
  /** How it came to exist: registered through the API, or created from a record's subject fields. */
  origin?: 'api' | 'record';
  /**
   * Created implicitly by a record (or an import of records) and still lacking required fields (the industry):
   * shown as 待补全 until a clerk completes it (PATCH, the batch or the roster import); cleared in the write
   * that completes it. Stored (false for complete enterprises) so the list of them is an indexed equality.
   */
  needsCompletion?: boolean;
  /** Set when a record, listing or repair of this enterprise changed: the grading sweep regrades it and clears the flag. */
  gradeDirty?: boolean;
  /**
   * Ids of this enterprise's records (行政许可/行政处罚): a new enterprise is created listing the records it is
   * created for, an existing one gets the ids of records once they are stored (`linkRecords`). Read only by
   * the grading sweep (grading/facts.ts), which checks that each record exists and names this USCC; record
   * lists query `records` by `uscc` instead. A crash between storing a record and linking it is repaired by
   * the nightly full regrade, which reads every record.
   */
  recordIds?: mongoose.Types.ObjectId[];
  /**
   * Set in the insert that creates the enterprise, cleared (conditionally) once its `enterprise.create` audit
   * entry is stored: an enterprise still marked was created by a request that may have stopped before auditing
   * it (a crash). A repeated request, or the grading sweep for marks older than a grace period, completes it
   * (`completeEnterprises`).
   */
  auditPending?: boolean;
  /** 严重失信主体名单: maintained by the dishonesty module (the grading module forces tier D while active). */
  listing?: { active: boolean; listingId: string; since: string; until: string | null } | null;
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
    industryCode: { type: String, index: true },
    address: String,
    standardisationGrade: { type: String, required: true },
    supervisingAuthority: String,
    supervisingAuthorityUscc: String,
    usccOverride: { type: new Schema({ reason: String, by: String, at: Date }, { _id: false }), default: undefined },
    origin: { type: String, default: 'api' },
    needsCompletion: { type: Boolean, default: false },
    // New enterprises start dirty: the grading sweep gives them their first grade within a minute.
    gradeDirty: { type: Boolean, default: true, index: true },
    listing: { type: Schema.Types.Mixed, default: undefined },
    recordIds: { type: [Schema.Types.ObjectId], default: undefined },
    auditPending: { type: Boolean, default: undefined },
    revision: { type: Number, required: true, default: 1 },
    createdBy: { type: String, required: true },
    updatedBy: { type: String, required: true },
  },
  { timestamps: true, collection: 'enterprises', versionKey: false },
);
enterpriseSchema.index({ name: 1 });
// Lists by district, in USCC order (listEnterprises: equality on a whole district code, then the sort key).
enterpriseSchema.index({ districtCode: 1, uscc: 1 });
// Only enterprises still awaiting their audit entry are in it (the mark is removed, not set false).
enterpriseSchema.index({ auditPending: 1 }, { sparse: true });
// Enterprises awaiting completion, in USCC order (listEnterprises with needsCompletion).
enterpriseSchema.index({ needsCompletion: 1, uscc: 1 });

export const EnterpriseModel = mongoose.model<EnterpriseDoc>('Enterprise', enterpriseSchema);

/**
 * An enterprise's `_id`, derived from its USCC (a second insert of one USCC fails on the `_id` as well as
 * on the unique `uscc` index). Lookups by USCC use the `uscc` index.
 */
export const enterpriseId = (uscc: string) => keyId(`enterprise:${uscc}`);


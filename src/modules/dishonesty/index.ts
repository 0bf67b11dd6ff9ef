import { onRecordRevoked } from '../records/index.js';
import { onPenaltyRevoked } from './basis.js';
export { dishonestyRoutes } from './routes.js';
export { CaseModel, LedgerPageModel, LedgerHeadModel, ExportModel, FeedbackModel, type CaseDoc, type ExportDoc, type FeedbackDoc } from './model.js';
export {
  propose,
  issueNotice,
  serveNotice,
  submitObjection,
  decide,
  correctListing,
  applyForRemoval,
  decideRemoval,
  revokeRemoval,
  removeExpired,
  reconcile,
  syncEffects,
  checkListed,
  removalEligibility,
  presentCase,
  hashIdNumber,
} from './service.js';
export { runExport, exportToFile, writeDailyExports, ledgerRows, getManifest, presentManifest, exportFileName, CONTENT_TYPES, type ExportRequest, type Manifest } from './exports.js';
export { compareSubjects, readSubjects, comparisonCsv } from './compare.js';
export { appendEntriesBulk, syncLedger, ledgerSize, entryOf, packEntries, unpackEntries, LEDGER_PAGE_SIZE } from './ledger.js';
export { encodeEntry, decodeEntry, rowsOfEntry, cellsOf, columnsFor, EXPORT_COLUMNS, type LedgerEntry, type ExportRow, type RowQuery } from './rows.js';
export * from './rules.js';
export { runDailyDishonesty } from './jobs.js';
export { recomputeCaseDeadlines } from './recompute.js';
export { checkBasis, sweepBasis, listBasisReviews, decideBasisReview } from './basis.js';

// A revoked penalty takes away (part of) the basis of the listings citing it (basis.ts).
onRecordRevoked(onPenaltyRevoked);

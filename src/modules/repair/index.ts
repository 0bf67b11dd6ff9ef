export { repairRoutes } from './routes.js';
export { RepairModel, RepairFileModel, FulfilmentModel, type RepairDoc } from './model.js';
export {
  assessEligibility,
  overdueStep,
  paymentRequired,
  repairConfig,
  repairConfigSchema,
  REPAIR_STATES,
  STATE_LABELS,
  type Eligibility,
  type EligibilityInput,
  type RepairConfig,
  type RepairState,
} from './rules.js';
export { repairEligibility, recordFulfilment, submitApplication, decide, runEffects, sweepEffects, listOverdue, allOverdue } from './service.js';
export { runRepairEffectsOnce, runRepairOverdueDaily } from './jobs.js';
export { renderRepairNotice, renderDecisionLetter, COMMITMENT_TEMPLATE } from './documents.js';
export { recomputeRepairDueDates } from './recompute.js';

export { commitmentRoutes } from './routes.js';
export { CommitmentModel, type CommitmentDoc } from './model.js';
export { COMMITMENT_TYPES, COMMITMENT_STATES, commitmentState, commitmentInForce, type CommitmentType, type CommitmentState } from './rules.js';
export { createCommitment, getCommitment, recordBreach, listCommitments, listEnterpriseCommitments, presentCommitment, validRepairCommitment, hasValidRepairCommitment } from './service.js';

export { gradingRoutes } from './routes.js';
export { grade, ageFactor, tierOfScore, listingInForce, permitValid, hazardOpen, round1, INDICATORS, type GradeFacts, type GradeResult, type GradeReason, type Indicator, type ListingFact } from './rules.js';
export { scorecard, scorecardSchema, TIERS, ACCIDENT_LEVELS, type Scorecard, type Tier, type AccidentLevel } from './scorecard.js';
export { supervisionPolicy, supervisionPolicySchema, drawPlan, drawCount, dueBy, PlanConflict, type SupervisionPolicy, type PlanInput, type PlanItem, type Inspector } from './draw.js';
export { GradeModel, GradeHistoryModel, GradingRunModel, GradingClaimModel, AccidentModel, HazardModel, gradeId, historyId, type GradeDoc, type GradeHistoryDoc, type GradeTrigger } from './model.js';
export { regradeAll, regradeUsccs, sweepDirty, getGrade, gradeHistory, listGrades, gradeStats, presentGrade, GRADING_PRINCIPAL, CLAIM_LEASE_MS, type RegradeCounts, type RegradeProgress } from './service.js';
export { runGradeSweep, runFullRegrade, runRegradeUsccs, regradeNow, GRADING_LOCK } from './jobs.js';
export { createPlan, getPlan, SupervisionPlanModel, PlanItemModel, inputsHash } from './plans.js';
export { collectFacts, RECORD_FIELDS, type EnterpriseFacts } from './facts.js';

/** Validates the grading configuration files (scorecard, supervision policy): called at start-up, throws ConfigError. */
export { validateGradingConfig } from './config.js';

import { scorecard } from './scorecard.js';
import { supervisionPolicy } from './draw.js';

/**
 * Loads and validates config/scorecard.json and config/supervision-policy.json. Called at start-up so an
 * invalid file stops the service with every problem listed (ConfigError), not at the first regrade.
 */
export function validateGradingConfig(): { scorecardVersion: string; policyVersion: string } {
  return { scorecardVersion: scorecard().version, policyVersion: supervisionPolicy().version };
}

/**
 * Current grades read by other modules (enterprise lists, supervision plans). Depends on the grade model only,
 * so a module the grading service itself imports (enterprises) can read grades without an import cycle.
 */
import { GradeModel } from './model.js';
import type { Tier } from './scorecard.js';

/** Current grades of some enterprises: USCC → tier, score and when graded. */
export async function gradesOf(filter: Record<string, unknown>): Promise<Map<string, { tier: Tier; score: number; gradedAt: Date }>> {
  const out = new Map<string, { tier: Tier; score: number; gradedAt: Date }>();
  const cursor = GradeModel.collection.find(filter, { projection: { uscc: 1, tier: 1, score: 1, gradedAt: 1 }, batchSize: 5000 });
  for await (const g of cursor) out.set(g.uscc as string, { tier: g.tier as Tier, score: g.score as number, gradedAt: g.gradedAt as Date });
  return out;
}

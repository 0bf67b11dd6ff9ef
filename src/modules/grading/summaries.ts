import { defineTally, readTally, type TallyRead } from '../../db/tally.js';
import { GradeModel, type GradeDoc } from './model.js';

/**
 * Grade statistics kept with each write (see db/tally.ts): the number of enterprises per district, tier
 * (信用等级) and industry (GB/T 4754 code; '' when unknown). The statistics endpoint reads these instead of
 * every grade.
 */
export const gradeSummaries = defineTally<Pick<GradeDoc, 'districtCode' | 'tier' | 'industryCode'>>({
  name: 'grades',
  collection: () => GradeModel.collection,
  projection: { districtCode: 1, tier: 1, industryCode: 1 },
  families: { grades: ['district', 'tier', 'industry'] },
  keysOf: (g) => [{ family: 'grades', values: [g.districtCode ?? '', g.tier, g.industryCode ?? ''] }],
});

export async function gradeCounts(): Promise<TallyRead> {
  return readTally('grades', 'grades');
}

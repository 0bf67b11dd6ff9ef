/**
 * Migration of stored listing periods to the one period convention (《民法典》第二百零一条至第二百零三条): a
 * listing decided on D was stored as ending on the day before D + 3 years (the start day counted); it ends on
 * D + 3 years. Listed cases still on the list get their end, decision end and current stretch moved one day
 * later, through the case's own change path (history event, audit), then their effects re-synced (the penalties'
 * marks, the enterprise flag, the export ledger). Cases already removed are history: left as they were.
 * CLI `npm run cli -- recompute-periods`. Idempotent.
 */
import { addDays } from '../../lib/calendar.js';
import { SYSTEM_PRINCIPAL } from '../records/index.js';
import { CaseModel } from './model.js';
import { listingPeriod } from './rules.js';
import { audit, lastSpan, mutate, syncEffects, type CallContext } from './service.js';

export async function recomputeListingEnds(ctx: CallContext = { principal: SYSTEM_PRINCIPAL }, opts: { dryRun?: boolean } = {}): Promise<{ scanned: number; changed: string[] }> {
  const listed = await CaseModel.find({ status: 'listed' }, { listing: 1 }).lean();
  const changed: string[] = [];
  for (const c of listed) {
    if (!c.listing) continue;
    const { end } = listingPeriod(c.listing.start);
    if (c.listing.end === end || addDays(c.listing.end, 1) !== end) continue;
    changed.push(String(c._id));
    if (opts.dryRun) continue;
    const { before, after } = await mutate(String(c._id), ctx, (doc) => {
      const { span, index } = lastSpan(doc);
      const oldEnd = doc.listing!.end;
      return {
        set: { 'listing.end': end, 'decision.end': end, [`spans.${index}`]: { ...span, to: span.to === oldEnd ? end : span.to } },
        event: { type: 'period_recomputed', on: null, note: `列入期限按《民法典》第二百零一条至第二百零三条计算，截止日期由 ${oldEnd} 更正为 ${end}` },
        sync: true,
      };
    });
    await audit('period.recompute', ctx, before, after, { before: before.listing?.end, end });
    await syncEffects(String(c._id), ctx);
  }
  return { scanned: listed.length, changed };
}

/** 严重失信名单 (enterprise role): its own cases (from the notice on), what each awaits, and a link to read and act on it. */
import { get } from '../api.js';
import { Badge, Card, PageHeader, Show, useApi } from '../components/ui.js';
import { today } from '../labels.js';
import type { Page } from '../types.js';
import { deadlineText, groundText, periodText, statusTone, type ListingCase } from './listingModel.js';

/** What the enterprise may do on a case now, in words. */
function whatNow(c: ListingCase, now: string): string {
  if (c.status === 'objection') {
    if (c.objectionPeriod?.waivedOn) return `已放弃陈述申辩，等待决定`;
    if (c.objectionPeriod && now <= c.objectionPeriod.deadline) return `可于 ${deadlineText(c)} 前提出陈述申辩`;
    return `陈述申辩期已于 ${deadlineText(c)} 届满，等待决定`;
  }
  if (c.status === 'notified') return '告知书待送达';
  if (c.status === 'listed') return '列入期间：可查看提前移出条件';
  return '';
}

export function MyListing() {
  const cases = useApi(() => get<Page<ListingCase>>('/dishonesty-list'), []);
  const now = today();
  return (
    <>
      <PageHeader title="严重失信主体名单案件" />
      <p class="muted">决定机关拟将本单位列入或已列入安全生产严重失信主体名单的案件：可查看告知书和决定书，在陈述申辩期内提出陈述申辩，列入满规定期限后申请提前移出。</p>
      <Show loaded={cases} what="名单案件">
        {(page) =>
          page.items.length === 0 ? (
            <Card>
              <p class="muted">本单位没有严重失信主体名单案件。</p>
            </Card>
          ) : (
            <>
              {page.items.map((c) => (
                <Card key={c.id} class="listing-item">
                  <div data-testid="my-case" data-case-id={c.id}>
                    <p>
                      <Badge tone={statusTone(c.status)}>{c.statusLabel}</Badge>
                    </p>
                    <p>
                      <span class="muted">列入事由：</span>
                      {groundText(c.ground)}
                    </p>
                    <p>
                      <span class="muted">决定机关：</span>
                      {c.authorityName}
                    </p>
                    {c.listing ? (
                      <p>
                        <span class="muted">列入期间：</span>
                        {periodText(c.listing)}
                      </p>
                    ) : null}
                    {whatNow(c, now) ? <p class="small">{whatNow(c, now)}</p> : null}
                    <a class="button" href={`#/listing/${c.id}`}>
                      查看案件
                    </a>
                  </div>
                </Card>
              ))}
            </>
          )
        }
      </Show>
    </>
  );
}

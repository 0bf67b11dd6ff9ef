/** 修复与名单待办: open repair applications and listing cases awaiting a decision, due dates, overdue highlighted. */
import { allPages, get } from '../api.js';
import { RepairsTable } from '../components/credit.js';
import { Badge, Card, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { today, withProvisional } from '../labels.js';
import { hasRole, useMe } from '../session.js';
import type { DishonestyCase, OverdueItem, Page, Repair } from '../types.js';
import { groundText, nextStep } from './listingModel.js';

/** Statuses of a listing case still being handled. */
const OPEN_LISTING = ['proposed', 'notified', 'objection', 'suspended'];

function OverdueCard() {
  const overdue = useApi(() => get<Page<OverdueItem> & { date: string }>('/repairs/overdue'), []);
  return (
    <Card title="逾期未办结的修复环节" id="overdue">
      <Show loaded={overdue} what="逾期环节">
        {(o) => (
          <Table head={['申请编号', '企业', '环节', '期限', '逾期（工作日）']} empty={o.items.length === 0}>
            {o.items.map((i) => (
              <tr key={`${i.id}-${i.step}`} class="row-overdue">
                <td>
                  <a href={`#/repairs/${i.id}`}>{i.number}</a>
                </td>
                <td>{i.subjectName}</td>
                <td>{i.stepLabel}</td>
                <td class="nowrap">{i.due}</td>
                <td>
                  <Badge tone="bad">{i.overdueWorkdays}</Badge>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
    </Card>
  );
}

/** Open listing cases (提请 → 告知 → 送达 → 陈述申辩 → 决定; 复核), each with its next step; the step is taken on the case page. */
function ListingQueue() {
  const cases = useApi(async () => {
    const open = (await Promise.all(OPEN_LISTING.map((status) => allPages<DishonestyCase>('/dishonesty-list', { status })))).flat();
    const removals = await allPages<DishonestyCase>('/dishonesty-list', { pendingRemoval: true });
    return [...open, ...removals];
  }, []);
  const now = today();
  return (
    <Card title="办理中的严重失信名单案件" id="listings">
      <p class="muted small">提请列入、制发告知书、登记送达由录入人员办理；陈述申辩期届满（或当事人放弃）后由审核人员作出决定；提前移出申请由审核人员决定。点击“办理”进入案件。</p>
      <Show loaded={cases} what="名单案件">
        {(items) => (
          <Table head={['企业', '列入事由', '状态', '陈述申辩期限', '下一步']} empty={items.length === 0} label="办理中的严重失信名单案件">
            {items.map((c) => {
              const step = c.status === 'listed' ? '提前移出决定' : nextStep(c, now);
              return (
                <tr key={c.id} data-case-id={c.id}>
                  <td>{c.subjectName}</td>
                  <td>{groundText(c.ground)}</td>
                  <td>{c.statusLabel}</td>
                  <td class="nowrap">{c.objectionPeriod ? withProvisional(c.objectionPeriod.deadline, c.provisionalDates, 'objectionPeriod.deadline') : '未送达'}</td>
                  <td>
                    {step === '作出决定' || step === '提前移出决定' ? <Badge tone="warn">待审核人员决定</Badge> : null}{' '}
                    <a href={`#/listing/${c.id}`} aria-label={`办理 ${c.subjectName}：${step}`}>
                      办理：{step}
                    </a>
                  </td>
                </tr>
              );
            })}
          </Table>
        )}
      </Show>
    </Card>
  );
}

export function WorkQueue() {
  const me = useMe();
  const repairs = useApi(async () => [...(await allPages<Repair>('/repairs', { state: 'submitted' })), ...(await allPages<Repair>('/repairs', { state: 'accepted' }))], []);
  const now = today();
  return (
    <>
      <PageHeader title="修复与名单待办" />
      <Card title="待办的信用修复申请" id="repair-queue">
        <p class="muted small">受理 3 个工作日内、受理后 7 个工作日内作出决定；逾期的标红。点击申请编号进入审核。</p>
        <Show loaded={repairs} what="修复申请">
          {(items) => <RepairsTable repairs={[...items].sort((a, b) => ((a.due.acceptance ?? a.due.decision ?? '') < (b.due.acceptance ?? b.due.decision ?? '') ? -1 : 1))} today={now} />}
        </Show>
      </Card>
      {hasRole(me, 'reviewer', 'regulator') ? <OverdueCard /> : null}
      <ListingQueue />
    </>
  );
}

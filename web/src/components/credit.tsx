/** Pieces shown both to regulators (enterprise page) and to the enterprise itself: grade, records, repairs. */
import { useMemo } from 'preact/hooks';
import type { ChartConfiguration } from 'chart.js';
import type { ComponentChildren } from 'preact';
import { ApiError } from '../api.js';
import { ChartView } from './chart.js';
import { Badge, Card, DefinitionList, ErrorBox, Loading, Table, TierBadge, type Loaded } from './ui.js';
import { dateTime, deliveryLabel, INDICATOR_LABELS, KIND_LABELS, platformLabel, publicityState, TIER_COLORS, TIER_LABELS, TRIGGER_LABELS, withProvisional } from '../labels.js';
import { districtLabel, industryLabel } from '../names.js';
import { groundText, periodText } from '../pages/listingModel.js';
import type { DishonestyCase, Eligibility, Enterprise, Grade, GradeHistoryItem, RecordItem, Repair } from '../types.js';

export function ProfileCard({ enterprise: e }: { enterprise: Enterprise }) {
  return (
    <Card title="企业信息" id="profile">
      <DefinitionList
        items={[
          ['企业名称', e.name],
          ['统一社会信用代码', <span class="mono">{e.uscc}</span>],
          ['主体类别', e.subjectType],
          ['法定代表人', e.legalRepresentative],
          ['行政区划', districtLabel(e.districtCode)],
          ['行业', e.industryCode ? industryLabel(e.industryCode) : '未填写'],
          ['地址', e.address],
          ['安全生产标准化等级', e.standardisationGrade],
          ['监管部门', e.supervisingAuthority],
        ]}
      />
    </Card>
  );
}

/** The current grade with every reason and its points (they add up to the score). A missing grade (404) is "not yet graded". */
export function GradeCard({ grade }: { grade: Loaded<Grade> }) {
  if (grade.error instanceof ApiError && grade.error.status === 404) {
    return (
      <Card title="当前信用等级" id="grade">
        <p class="muted">尚未评级（登记或变更后由评级任务计算）。</p>
      </Card>
    );
  }
  return (
    <Card title="当前信用等级" id="grade">
      {grade.error ? <ErrorBox error={grade.error} /> : null}
      {!grade.data && !grade.error ? <Loading what="信用等级" /> : null}
      {grade.data ? (
        <>
          <div class="grade-head">
            <TierBadge tier={grade.data.tier} />
            <div>
              <div class="grade-score">
                <span data-testid="grade-score">{grade.data.score}</span> 分 · {TIER_LABELS[grade.data.tier]}
              </div>
              <div class="muted small">
                评分表 {grade.data.scorecardVersion} · 评级于 {dateTime(grade.data.gradedAt)}
              </div>
            </div>
          </div>
          <Table head={['评分项', '理由', '分值']} caption="评分理由（逐项相加即为总分）">
            {grade.data.reasons.map((r, i) => (
              <tr key={i} data-testid="grade-reason">
                <td>{INDICATOR_LABELS[r.indicator] ?? r.indicator}</td>
                <td>{r.detail}</td>
                <td class={`num ${r.points < 0 ? 'neg' : 'pos'}`}>{r.points > 0 && r.indicator !== 'base' ? `+${r.points}` : r.points}</td>
              </tr>
            ))}
          </Table>
        </>
      ) : null}
    </Card>
  );
}

/**
 * Axis labels of the grade history: the date, with the time where one day has several changes, and a number
 * where even the minute repeats (so every point has its own label).
 */
export function historyLabels(times: string[]): string[] {
  const full = times.map((t) => dateTime(t));
  const perDay = new Map<string, number>();
  for (const f of full) perDay.set(f.slice(0, 10), (perDay.get(f.slice(0, 10)) ?? 0) + 1);
  const seen = new Map<string, number>();
  return full.map((f) => {
    const label = (perDay.get(f.slice(0, 10)) ?? 0) > 1 ? f : f.slice(0, 10);
    const n = (seen.get(label) ?? 0) + 1;
    seen.set(label, n);
    return n > 1 ? `${label}（${n}）` : label;
  });
}

export function GradeHistoryCard({ history }: { history: Loaded<{ items: GradeHistoryItem[] }> }) {
  const items = useMemo(() => (history.data ? [...history.data.items].reverse() : []), [history.data]);
  const labels = useMemo(() => historyLabels(items.map((h) => h.gradedAt)), [items]);
  const config = useMemo<ChartConfiguration>(
    () => ({
      type: 'line',
      data: {
        labels,
        datasets: [
          {
            label: '信用评分',
            data: items.map((h) => h.score),
            borderColor: '#1565c0',
            pointBackgroundColor: items.map((h) => TIER_COLORS[h.tier]),
            pointRadius: 5,
            stepped: true,
          },
        ],
      },
      options: {
        scales: { x: { offset: true }, y: { min: 0, max: 100 } },
        plugins: { legend: { display: false }, tooltip: { callbacks: { afterLabel: (c) => `等级 ${items[c.dataIndex]?.tier}` } } },
      },
    }),
    [items, labels],
  );
  return (
    <Card title="信用等级历史" id="grade-history">
      {history.error && !(history.error instanceof ApiError && history.error.status === 404) ? <ErrorBox error={history.error} /> : null}
      {!history.data && !history.error ? <Loading what="等级历史" /> : null}
      {history.data && items.length === 0 ? <p class="muted">暂无历史。</p> : null}
      {items.length > 0 ? (
        <ChartView
          config={config}
          height={220}
          label={`信用评分历史：${items.map((h, i) => `${labels[i]} ${h.score} 分 ${h.tier} 级`).join('；')}`}
          table={{ head: ['时间', '评分', '等级', '触发'], rows: items.map((h) => [dateTime(h.gradedAt), h.score, h.tier, TRIGGER_LABELS[h.trigger] ?? h.trigger]) }}
        />
      ) : null}
    </Card>
  );
}

function deliveryTone(state: string): 'ok' | 'warn' | 'bad' | 'neutral' {
  if (state === 'delivered') return 'ok';
  if (state === 'rejected' || state === 'failed') return 'bad';
  if (state === 'pending' || state === 'inflight') return 'warn';
  return 'neutral';
}

export function DeliveryCell({ record }: { record: RecordItem }) {
  const entries = Object.entries(record.delivery).filter(([, d]) => d);
  if (entries.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="plain">
      {entries.map(([p, d]) => (
        <li key={p}>
          {platformLabel(p)}：<Badge tone={deliveryTone(d!.state)}>{deliveryLabel(d!.state)}</Badge>
          {d!.op === 'withdraw' ? <span class="muted small">（撤下）</span> : null}
        </li>
      ))}
    </ul>
  );
}

/** Records with their publicity and repair dates and delivery state; `action` adds a last column. */
export function RecordsTable({ records, action, actionHead = '操作' }: { records: RecordItem[]; action?: (r: RecordItem) => ComponentChildren; actionHead?: string }) {
  const head = ['类型', '决定文书号', '决定日期', '内容', '公示状态', '最早可申请修复', '报送状态', ...(action ? [actionHead] : [])];
  return (
    <Table head={head} empty={records.length === 0} label="许可和处罚记录">
      {records.map((r) => (
        <tr key={r.id} data-record-id={r.id}>
          <td>
            {KIND_LABELS[r.kind]}
            {r.severity ? <div class="muted small">{r.severity}</div> : null}
          </td>
          <td>{r.decisionNumber}</td>
          <td class="nowrap">{r.decisionDate}</td>
          <td>{r.kind === 'penalty' ? (r.penaltyTypes ?? []).join('、') : String(r.content ?? '')}</td>
          <td data-testid="publicity-state">{publicityState(r)}</td>
          <td class="nowrap">{r.kind === 'penalty' && r.lifecycle === 'active' ? (r.repairEarliestDate ?? '—') : '—'}</td>
          <td>
            <DeliveryCell record={r} />
          </td>
          {action ? <td>{action(r)}</td> : null}
        </tr>
      ))}
    </Table>
  );
}

function stateTone(state: string): 'ok' | 'warn' | 'bad' | 'neutral' {
  if (state === 'effected' || state === 'approved') return 'ok';
  if (state === 'denied' || state === 'refused-incomplete') return 'bad';
  return 'warn';
}

export function RepairState({ repair }: { repair: Pick<Repair, 'state' | 'stateLabel'> }) {
  return (
    <Badge tone={stateTone(repair.state)}>
      <span data-state={repair.state}>{repair.stateLabel}</span>
    </Badge>
  );
}

/** The next due date of an open application, and whether it has passed. */
export function nextDue(r: Repair): { label: string; date: string; shown: string } | null {
  const of = (label: string, date: string, path: string) => ({ label, date, shown: withProvisional(date, r.provisionalDates, path) });
  if (r.state === 'submitted' && r.due.acceptance) return of('受理期限', r.due.acceptance, 'due.acceptance');
  if (r.state === 'accepted' && r.due.decision) return of('决定期限', r.due.decision, 'due.decision');
  if (r.state === 'approved' && r.due.resultShared) return of('结果共享期限', r.due.resultShared, 'due.resultShared');
  return null;
}

export function RepairsTable({ repairs, today }: { repairs: Repair[]; today: string }) {
  return (
    <Table head={['申请编号', '处罚决定书文号', '企业', '提交日期', '状态', '期限']} empty={repairs.length === 0} label="信用修复申请">
      {repairs.map((r) => {
        const due = nextDue(r);
        const late = due !== null && due.date < today;
        return (
          <tr key={r.id} class={late ? 'row-overdue' : ''}>
            <td>
              <a href={`#/repairs/${r.id}`}>{r.number}</a>
            </td>
            <td>{r.decisionNumber}</td>
            <td>{r.subjectName}</td>
            <td class="nowrap">{r.submittedDate}</td>
            <td>
              <RepairState repair={r} />
            </td>
            <td class="nowrap">
              {due ? (
                <>
                  {due.label} {due.shown}
                  {late ? (
                    <>
                      {' '}
                      <Badge tone="bad">已逾期</Badge>
                    </>
                  ) : null}
                </>
              ) : (
                '—'
              )}
            </td>
          </tr>
        );
      })}
    </Table>
  );
}

/** Serious-dishonesty cases of the enterprise (严重失信主体名单): status, ground (article and text), listing period, link to the case. */
export function ListingTable({ cases }: { cases: DishonestyCase[] }) {
  return (
    <Table head={['状态', '列入事由', '决定机关', '陈述申辩期限', '列入期间', '案件']} empty={cases.length === 0} label="严重失信主体名单">
      {cases.map((c) => (
        <tr key={c.id} data-case-id={c.id}>
          <td>
            <Badge tone={c.status === 'listed' ? 'bad' : c.status === 'removed' || c.status === 'not_listed' ? 'neutral' : 'warn'}>{c.statusLabel}</Badge>
          </td>
          <td>{groundText(c.ground)}</td>
          <td>{c.authorityName}</td>
          <td class="nowrap">{withProvisional(c.objectionPeriod?.deadline, c.provisionalDates, 'objectionPeriod.deadline')}</td>
          <td data-testid="listing-period">{periodText(c.listing)}</td>
          <td>
            <a href={`#/listing/${c.id}`}>查看</a>
          </td>
        </tr>
      ))}
    </Table>
  );
}

/** The repair eligibility of a penalty (GET /penalties/:id/repair-eligibility), with its deciding authority and contact. */
export interface RepairEligibility extends Eligibility {
  paymentRequired?: boolean;
  fulfilment?: { finePaidDate: string | null; correctionConfirmedDate: string | null; evidence: string; updatedAt?: string } | null;
  authority?: { name: string | null; uscc: string | null; contact: { office: string | null; phone: string; address: string | null; hours: string | null } | null };
}

/** Reasons only the deciding authority can lift: it records the payment and confirms the correction (履行登记). */
const AUTHORITY_REASONS = ['FINE_NOT_PAID', 'CORRECTION_NOT_CONFIRMED'];

export const waitsOnAuthority = (el: RepairEligibility) => el.reasons.some((r) => AUTHORITY_REASONS.includes(r.code));

/**
 * Whom the enterprise contacts when its repair waits on the deciding authority (罚没款缴款登记, 违法行为纠正确认):
 * the authority by name and, when configured, its office and phone ("谁认定、谁修复").
 */
/** A repair's conditions, each met or not with its note, the reasons it cannot be applied for yet, and whom to contact. */
export function RepairConditions({ el, eligibleText, ineligibleText, testId }: { el: RepairEligibility; eligibleText: string; ineligibleText: string; testId?: string }) {
  return (
    <>
      <p data-testid={testId}>{el.eligible ? <Badge tone="ok">{eligibleText}</Badge> : <Badge tone="bad">{ineligibleText}</Badge>}</p>
      <ul class="plain conditions">
        {el.conditions.map((c) => (
          <li key={c.code}>
            <span aria-hidden="true">{c.met ? '✔' : '✘'}</span> <strong>{c.label}</strong>
            <span class="sr-only">{c.met ? '（已满足）' : '（未满足）'}</span>：{c.note}
          </li>
        ))}
      </ul>
      {el.reasons.length > 0 ? (
        <ul class="field-error">
          {el.reasons.map((r) => (
            <li key={r.code}>{r.message}</li>
          ))}
        </ul>
      ) : null}
      <AuthorityContact eligibility={el} />
    </>
  );
}

export function AuthorityContact({ eligibility: el, compact }: { eligibility: RepairEligibility; compact?: boolean }) {
  if (!waitsOnAuthority(el)) return null;
  const a = el.authority;
  const c = a?.contact;
  const waiting = el.reasons.filter((r) => AUTHORITY_REASONS.includes(r.code)).map((r) => (r.code === 'FINE_NOT_PAID' ? '罚没款缴清情况' : '违法行为纠正确认'));
  return (
    <div class={`contact-box ${compact ? 'small' : ''}`} data-testid="authority-contact">
      <p>
        尚待决定机关登记{waiting.join('、')}：请持缴款凭证、整改材料联系 <strong>{a?.name ?? '作出处罚决定的机关'}</strong>
        {c?.office ? `（${c.office}）` : ''}
        {c ? (
          <>
            ，电话 <a href={`tel:${c.phone}`}>{c.phone}</a>
            {c.address ? `，地址：${c.address}` : ''}
            {c.hours ? `，${c.hours}` : ''}
          </>
        ) : null}
        。登记后方可申请信用修复。
      </p>
    </div>
  );
}

/** The repair column of an enterprise's own penalty: 申请修复 only when eligible; otherwise why not, and whom to contact. */
export function RepairOffer({ record: r, eligibility: el, open }: { record: RecordItem; eligibility: RepairEligibility | null | undefined; open: boolean }) {
  if (open) return <span class="muted small">办理中</span>;
  if (el === undefined) return <span class="muted small">正在查询修复条件…</span>;
  if (el === null) return <span class="muted small">修复条件暂时无法查询，请稍后刷新</span>;
  if (el.eligible) {
    return (
      <a class="button small" href={`#/repair/${r.id}`} aria-label={`为 ${r.decisionNumber} 申请信用修复`}>
        申请修复
      </a>
    );
  }
  if (waitsOnAuthority(el)) return <AuthorityContact eligibility={el} compact />;
  return (
    <span class="muted small" data-testid="repair-not-yet">
      暂不能申请：{el.reasons.map((x) => x.message).join('；')}
    </span>
  );
}

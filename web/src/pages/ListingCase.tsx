/**
 * 严重失信名单案件: one case with its whole history, its documents (告知书, 决定书), the statements, the
 * listing period and early-removal applications — and the next step the signed-in role may take (clerks prepare,
 * reviewers decide, the enterprise states its case and applies for early removal). After each step the page
 * shows a success message and is read again from the service.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { download, get, getText } from '../api.js';
import { Badge, Card, DefinitionList, ErrorBox, Loading, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { dateTime, today, withProvisional } from '../labels.js';
import { districtName } from '../names.js';
import { hasRole, useMe } from '../session.js';
import type { Me } from '../types.js';
import {
  APPLICATION_STATUS_LABELS,
  deadlineText,
  eventLabel,
  groundText,
  periodText,
  RULES,
  statusTone,
  VIA_LABELS,
  type Application,
  type ListingCase,
  type RemovalEligibility,
} from './listingModel.js';
import { ApplicationDetail, ApplicationForm, BasisReviewForm, DecisionForm, NoticeForm, ObjectionForm, RemovalDecisionForm, RevocationForm, ServiceForm, StatementsList, type Done } from './ListingSteps.js';

/** A message for the next case page shown (the proposal form navigates to the new case). */
let carried: string | null = null;
export function carryMessage(message: string): void {
  carried = message;
}

/** A document the API serves as HTML (告知书, 决定书), read with the credential and shown in a sandboxed frame. */
function DocumentViewer({ path, title, fileName }: { path: string; title: string; fileName: string }) {
  const [open, setOpen] = useState(false);
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const apiPath = path.replace(/^\/api\/v1/, '');
  useEffect(() => {
    if (!open || html !== null) return;
    getText(apiPath).then(setHtml, setError);
  }, [open, apiPath, html]);
  return (
    <div class="doc-viewer">
      <div class="form-actions">
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? `收起${title}` : `查看${title}`}
        </button>
        <button type="button" onClick={() => void download(apiPath, fileName)}>
          下载{title}
        </button>
      </div>
      {open ? (
        <>
          <ErrorBox error={error} />
          {html === null && !error ? <Loading what={title} /> : null}
          {html !== null ? <iframe class="doc-frame" title={title} sandbox="" srcdoc={html} /> : null}
        </>
      ) : null}
    </div>
  );
}

function SummaryCard({ c, staff }: { c: ListingCase; staff: boolean }) {
  return (
    <Card title="案件概况" id="case-summary">
      <DefinitionList
        items={[
          [
            '状态',
            <Badge tone={statusTone(c.status)}>
              <span data-testid="case-status" data-status={c.status}>
                {c.statusLabel}
              </span>
            </Badge>,
          ],
          ['单位', staff ? <a href={`#/enterprises/${c.uscc}`}>{c.subjectName}</a> : c.subjectName],
          ['统一社会信用代码', <span class="mono">{c.uscc}</span>],
          ['行政区划', districtName(c.districtCode)],
          ['列入事由', <span data-testid="ground">{groundText(c.ground)}</span>],
          ['列入主体', c.unitListed ? (c.persons.length ? '单位及所列人员' : '单位') : '仅主要负责人（不列入单位）'],
          [
            '列入人员',
            c.persons.length ? (
              <ul class="plain">
                {c.persons.map((p) => (
                  <li key={p.idNumber}>
                    {p.roleLabel}：{p.name}
                    {p.position ? `（${p.position}）` : ''} <span class="mono small">{p.idNumber}</span>
                  </li>
                ))}
              </ul>
            ) : (
              '无'
            ),
          ],
          [
            '据以列入的行政处罚',
            <ul class="plain">
              {c.penalties.map((p) => (
                <li key={p.id}>
                  {p.decisionNumber}（{p.decisionDate}）
                </li>
              ))}
            </ul>,
          ],
          ['决定机关', c.authorityName],
          ['提请', `${c.proposal.proposedOn} · ${c.proposal.byName}`],
          ['列入期间', <span data-testid="listing-period">{periodText(c.listing)}</span>],
        ]}
      />
      <h3 class="subhead">事实和理由</h3>
      <p class="statement-text">{c.facts}</p>
    </Card>
  );
}

function NoticeCard({ c }: { c: ListingCase }) {
  if (!c.notice) return null;
  return (
    <Card title="告知与陈述申辩" id="notice-card">
      <DefinitionList
        items={[
          ['告知书文号', c.notice.number],
          ['告知书日期', c.notice.issuedOn],
          ['拟采取的惩戒措施', <ul class="plain">{c.notice.measures.map((m) => <li key={m.code}>{m.text}</li>)}</ul>],
          ['送达', c.service ? `${c.service.servedOn} · ${c.service.method} · 签收人 ${c.service.recipient}` : '尚未送达'],
          ['陈述申辩期限', c.service ? <span data-testid="objection-deadline">{deadlineText(c)}</span> : '送达后计算'],
          ['放弃陈述申辩', c.waiver ? `${c.waiver.waivedOn}（${VIA_LABELS[c.waiver.via]}）` : '—'],
        ]}
      />
      <DocumentViewer path={c.notice.document} title="告知书" fileName="告知书.html" />
      {c.objections?.length ? (
        <>
          <h3 class="subhead">陈述申辩意见</h3>
          <StatementsList objections={c.objections} />
        </>
      ) : null}
    </Card>
  );
}

function DecisionCard({ c }: { c: ListingCase }) {
  const d = c.decision;
  if (!d) return null;
  return (
    <Card title={d.outcome === 'list' ? '列入决定' : '不予列入决定'} id="decision-card">
      <DefinitionList
        items={[
          ['决定', d.outcome === 'list' ? '列入严重失信主体名单' : '不予列入'],
          ['决定书文号', d.decisionNumber ?? '—'],
          ['决定日期', `${d.decidedOn} · ${d.byName}`],
          ['决定理由', <span class="statement-text">{d.reasons}</span>],
          ['对陈述申辩的答复', d.objectionResponse ? <span class="statement-text">{d.objectionResponse}</span> : '—'],
          ...(d.outcome === 'list'
            ? ([
                ['列入期间', periodText(c.listing)],
                ['惩戒措施', <ul class="plain">{d.measures.map((m) => <li key={m.code}>{m.text}</li>)}</ul>],
                ['移出条件', <ul class="plain">{d.removalConditions.map((r, i) => <li key={i}>{r}</li>)}</ul>],
              ] as [string, ComponentChildren][])
            : []),
        ]}
      />
      <DocumentViewer path={d.document} title="决定书" fileName="决定书.html" />
    </Card>
  );
}

function ConditionList({ e }: { e: RemovalEligibility }) {
  return (
    <ul class="plain conditions" data-testid="conditions">
      {e.conditions.map((x) => (
        <li key={x.code} data-met={String(x.met)}>
          <Badge tone={x.met === true ? 'ok' : x.met === false ? 'bad' : 'neutral'}>{x.met === true ? '满足' : x.met === false ? '不满足' : '申请时声明'}</Badge> {x.reason}
        </li>
      ))}
    </ul>
  );
}

function ApplicationsTable({ c }: { c: ListingCase }) {
  const apps = c.applications ?? [];
  if (apps.length === 0) return null;
  return (
    <Table head={['申请', '申请日期', '提出方式', '决定期限', '状态', '决定']} label="提前移出申请">
      {apps.map((a, i) => (
        <tr key={a.no} data-testid="application">
          <td>第 {a.no} 次</td>
          <td class="nowrap">{a.appliedOn}</td>
          <td>{VIA_LABELS[a.via]}</td>
          <td class="nowrap">{withProvisional(a.deadline, c.provisionalDates, `applications.${i}.deadline`)}</td>
          <td>
            <Badge tone={a.status === 'approved' ? 'ok' : a.status === 'pending' ? 'warn' : 'neutral'}>
              <span data-app-status={a.status}>{APPLICATION_STATUS_LABELS[a.status]}</span>
            </Badge>
          </td>
          <td>
            {a.decision ? `${a.decision.decidedOn}：${a.decision.reasons}${a.decision.late ? '（逾期作出）' : ''}` : '—'}
            {a.revocation ? <div class="small">撤销：{a.revocation.revokedOn} {a.revocation.reasons}</div> : null}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function HistoryCard({ c }: { c: ListingCase }) {
  return (
    <Card title="办理过程" id="history">
      <Table head={['日期', '环节', '经办', '说明', '记录时间']} empty={!c.history?.length} label="办理过程">
        {(c.history ?? []).map((h) => (
          <tr key={h.seq} data-testid="event" data-type={h.type}>
            <td class="nowrap">{h.on ?? '—'}</td>
            <td>{eventLabel(h.type)}</td>
            <td>{h.byName}</td>
            <td>{h.note ?? ''}</td>
            <td class="nowrap">{dateTime(h.at)}</td>
          </tr>
        ))}
      </Table>
    </Card>
  );
}

interface NextStep {
  title: string;
  body: ComponentChildren;
}

/** The step the signed-in user may take on this case now, or why none. */
function nextStepFor(c: ListingCase, me: Me, eligibility: RemovalEligibility | undefined, done: Done): NextStep | null {
  const clerk = hasRole(me, 'clerk');
  const reviewer = hasRole(me, 'reviewer');
  const enterprise = hasRole(me, 'enterprise');
  const now = today();
  const p = c.objectionPeriod;
  const info = (title: string, text: string): NextStep => ({ title, body: <p class="muted" data-testid="next-info">{text}</p> });
  switch (c.status) {
    case 'proposed':
      return clerk ? { title: '制发告知书', body: <NoticeForm c={c} done={done} /> } : info('待制发告知书', '案件已提请列入，待录入人员制发告知书。');
    case 'notified':
      return clerk ? { title: '登记告知书送达', body: <ServiceForm c={c} done={done} /> } : info('待送达', '告知书已制发，待登记送达；陈述申辩期自送达次日起计算。');
    case 'objection': {
      const open = !c.waiver && p !== null && now <= p.deadline;
      const decidable = p !== null && (c.waiver !== null || now > p.deadline);
      if (enterprise) {
        if (open) return { title: '陈述申辩', body: <><p>请于 <strong>{deadlineText(c)}</strong> 前提出陈述、申辩意见；逾期未提出的，视为放弃。</p><ObjectionForm c={c} done={done} clerk={false} /></> };
        return info('陈述申辩', c.waiver ? `本单位已于 ${c.waiver.waivedOn} 放弃陈述申辩，等待决定机关作出决定。` : `陈述申辩期已于 ${deadlineText(c)} 届满，不能再提出陈述申辩；等待决定机关作出决定。`);
      }
      if (reviewer && decidable) {
        if (c.proposal.by === me.id) return info('作出决定', '提出列入建议的人员不能对同一案件作出决定（职责分离），请由其他审核人员决定。');
        return { title: '作出决定', body: <DecisionForm c={c} done={done} /> };
      }
      if (clerk && !c.waiver) return { title: '记录陈述申辩', body: <><p class="muted small">当事人通过其他方式提出的陈述申辩或放弃，由录入人员在此记录（陈述申辩期至 {deadlineText(c)}）。</p><ObjectionForm c={c} done={done} clerk /></> };
      return info('等待陈述申辩期届满', decidable ? '陈述申辩期已届满，待审核人员作出决定。' : `陈述申辩期至 ${deadlineText(c)} 届满，届满后方可作出决定（当事人明确放弃的除外）。`);
    }
    case 'listed': {
      const pending = c.applications?.find((a) => a.status === 'pending');
      if (pending) {
        if (reviewer) return { title: '提前移出决定', body: <RemovalDecisionForm c={c} application={pending} done={done} /> };
        return info('提前移出申请待决定', `第 ${pending.no} 次提前移出申请已于 ${pending.appliedOn} 提出，决定机关应于 ${pending.deadline} 前作出决定。`);
      }
      if (!clerk && !enterprise) return null;
      if (!eligibility) return { title: '申请提前移出', body: <Loading what="提前移出条件" /> };
      if (!eligibility.canApply) return null;
      return { title: '申请提前移出', body: <ApplicationForm c={c} done={done} clerk={clerk} /> };
    }
    case 'removed':
      if (reviewer && c.listing?.removal?.kind === 'early') return { title: '撤销提前移出决定', body: <RevocationForm c={c} done={done} /> };
      return null;
    case 'suspended':
      if (reviewer && c.basisReview?.status === 'pending') return { title: '复核列入依据', body: <BasisReviewForm c={c} done={done} /> };
      return info('暂停列入', '据以列入的部分行政处罚已撤销，待审核人员复核。');
    default:
      return null;
  }
}

function RemovalCard({ c, eligibility }: { c: ListingCase; eligibility: RemovalEligibility | undefined }) {
  if (c.status !== 'listed' && !c.applications?.length) return null;
  return (
    <Card title="提前移出" id="removal">
      {c.status === 'listed' ? (
        eligibility ? (
          <>
            <p data-testid="eligibility">
              {eligibility.canApply ? (
                <Badge tone="ok">可以申请提前移出</Badge>
              ) : (
                <Badge tone="bad">暂不能申请提前移出</Badge>
              )}{' '}
              {eligibility.earliestDate ? <span class="small">列入满 {RULES.earlyRemovalMinMonths} 个月后（{eligibility.earliestDate} 起）可以申请。</span> : null}
            </p>
            <ConditionList e={eligibility} />
          </>
        ) : (
          <Loading what="提前移出条件" />
        )
      ) : null}
      <ApplicationsTable c={c} />
      {(c.applications ?? [])
        .filter((a: Application) => a.status !== 'pending')
        .slice(-1)
        .map((a) => (
          <details key={a.no} class="small">
            <summary>第 {a.no} 次申请的内容</summary>
            <ApplicationDetail a={a} />
          </details>
        ))}
    </Card>
  );
}

export function ListingCasePage({ id }: { id: string }) {
  const me = useMe();
  const staff = hasRole(me, 'clerk', 'reviewer', 'regulator');
  const loaded = useApi(() => get<ListingCase>(`/dishonesty-list/${id}`), [id]);
  const listed = loaded.data?.status === 'listed';
  const rev = loaded.data ? `${loaded.data.status}-${loaded.data.applications?.length ?? 0}-${loaded.data.history?.length ?? 0}` : '';
  const eligibility = useApi(() => (listed ? get<RemovalEligibility>(`/dishonesty-list/${id}/removal-eligibility`) : Promise.resolve(undefined)), [id, listed, rev]);
  const [message, setMessage] = useState<string | null>(() => {
    const m = carried;
    carried = null;
    return m;
  });
  const flash = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (message) flash.current?.focus();
  }, [message]);
  // A step's message shows once the case has been read again, so message and new state appear together.
  const [pending, setPending] = useState<{ message: string; before: unknown } | null>(null);
  useEffect(() => {
    if (pending && (loaded.data !== pending.before || loaded.error)) {
      setMessage(pending.message);
      setPending(null);
    }
  }, [pending, loaded.data, loaded.error]);
  const done: Done = (m) => {
    setMessage(null);
    setPending({ message: m, before: loaded.data });
    loaded.reload();
  };
  return (
    <>
      <PageHeader title={loaded.data ? `严重失信名单案件 · ${loaded.data.subjectName}` : '严重失信名单案件'}>
        <a class="button" href={hasRole(me, 'enterprise') ? '#/listing' : '#/queue'}>
          返回
        </a>
      </PageHeader>
      {message ? (
        <div class="alert alert-ok" role="status" tabIndex={-1} ref={flash} data-testid="success">
          {message}
        </div>
      ) : null}
      <Show loaded={loaded} what="名单案件">
        {(c) => {
          const step = nextStepFor(c, me, eligibility.data, done);
          return (
            <>
              {step ? (
                <Card title={step.title} id="next-step">
                  {step.body}
                </Card>
              ) : null}
              <SummaryCard c={c} staff={staff} />
              <NoticeCard c={c} />
              <DecisionCard c={c} />
              <RemovalCard c={c} eligibility={eligibility.data} />
              {eligibility.error ? <ErrorBox error={eligibility.error} /> : null}
              <HistoryCard c={c} />
            </>
          );
        }}
      </Show>
    </>
  );
}

/** 修复与名单待办: open repair applications and listing cases awaiting a decision, due dates, overdue highlighted. */
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { allPages, get, post } from '../api.js';
import { RepairsTable } from '../components/credit.js';
import { ErrorSummary, Field, useFormErrors, bindText } from '../components/form.js';
import { Badge, Card, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { today, withProvisional } from '../labels.js';
import { hasRole, useMe } from '../session.js';
import type { DishonestyCase, OverdueItem, Page, Repair } from '../types.js';

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

function ListingDecision({ c, onDone }: { c: DishonestyCase; onDone: () => void }) {
  const form = useFormErrors(['outcome', 'reasons', 'decisionNumber', 'objectionResponse'], { formId: `listing-${c.id}` });
  const [v, setV] = useState({ outcome: 'list', reasons: '', decisionNumber: '', objectionResponse: '' });
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    const body: Record<string, string> = { outcome: v.outcome, reasons: v.reasons };
    if (v.decisionNumber.trim()) body.decisionNumber = v.decisionNumber;
    if (v.objectionResponse.trim()) body.objectionResponse = v.objectionResponse;
    setBusy(true);
    try {
      await post(`/dishonesty-list/${c.id}/decision`, body);
      onDone();
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }
  const bind = (k: keyof typeof v) => ({ ...form.input(k), ...bindText(v, setV, k) });
  return (
    <form id={`listing-${c.id}`} class="form-grid" onSubmit={submit} noValidate>
      <ErrorSummary form={form} />
      <Field form={form} name="outcome" label="决定" required>
        <select {...bind('outcome')} onChange={(e) => setV({ ...v, outcome: e.currentTarget.value })}>
          <option value="list">列入严重失信主体名单</option>
          <option value="not_list">不予列入</option>
        </select>
      </Field>
      <Field form={form} name="decisionNumber" label="列入决定书文号" required={v.outcome === 'list'}>
        <input {...bind('decisionNumber')} />
      </Field>
      <Field form={form} name="reasons" label="决定理由" required wide>
        <textarea {...bind('reasons')} rows={2} />
      </Field>
      <Field form={form} name="objectionResponse" label="对陈述申辩的采纳情况" wide hint="有陈述申辩意见的必填">
        <textarea {...bind('objectionResponse')} rows={2} />
      </Field>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>
          提交决定
        </button>
      </div>
    </form>
  );
}

function ListingQueue({ reviewer }: { reviewer: boolean }) {
  const cases = useApi(async () => [...(await allPages<DishonestyCase>('/dishonesty-list', { status: 'notified' })), ...(await allPages<DishonestyCase>('/dishonesty-list', { status: 'objection' }))], []);
  const [open, setOpen] = useState<string | null>(null);
  const now = today();
  return (
    <Card title="待决定的严重失信名单案件" id="listings">
      <Show loaded={cases} what="名单案件">
        {(items) => (
          <Table head={['企业', '列入事由', '状态', '陈述申辩期限', '']} empty={items.length === 0}>
            {items.map((c) => {
              const deadline = c.objectionPeriod?.deadline;
              const ready = Boolean(c.objectionPeriod?.waivedOn) || (deadline !== undefined && deadline < now);
              return (
                <Fragment key={c.id}>
                  <tr>
                    <td>
                      <a href={`#/enterprises/${c.uscc}`}>{c.subjectName}</a>
                    </td>
                    <td>（{c.ground.code}）</td>
                    <td>{c.statusLabel}</td>
                    <td class="nowrap">
                      {deadline ? withProvisional(deadline, c.provisionalDates, 'objectionPeriod.deadline') : '未送达'} {ready ? <Badge tone="warn">可作出决定</Badge> : null}
                    </td>
                    <td>
                      {reviewer && ready ? (
                        <button type="button" aria-expanded={open === c.id} onClick={() => setOpen(open === c.id ? null : c.id)}>
                          作出决定
                        </button>
                      ) : null}
                    </td>
                  </tr>
                  {open === c.id ? (
                    <tr>
                      <td colSpan={5}>
                        <ListingDecision
                          c={c}
                          onDone={() => {
                            setOpen(null);
                            cases.reload();
                          }}
                        />
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
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
      <ListingQueue reviewer={hasRole(me, 'reviewer')} />
    </>
  );
}

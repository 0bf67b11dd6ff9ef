/** 信用修复申请详情: steps, due dates, commitment, evidence, history; the reviewer decides here. */
import { useEffect, useState } from 'preact/hooks';
import { download, get, post } from '../api.js';
import { DeliveryCell, nextDue, RepairState } from '../components/credit.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Badge, Card, DefinitionList, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { publicityState, today } from '../labels.js';
import { hasRole, useMe } from '../session.js';
import type { RecordItem, Repair } from '../types.js';

type Action = 'accept' | 'refuse' | 'extend' | 'approve' | 'deny';
const ACTION_LABELS: Record<Action, string> = { accept: '受理', refuse: '不予受理（材料不全）', extend: '延长决定期限', approve: '准予信用修复', deny: '不予信用修复' };
const STEP_LABELS: Record<string, string> = { submit: '提交申请', effect: '执行完毕（停止公示、重新评级）', ...ACTION_LABELS };

/** The actions the application's current state allows (the decision period is extended once at most). */
function actionsFor(r: Repair & { extension?: unknown }): Action[] {
  if (r.state === 'submitted') return ['accept', 'refuse'];
  if (r.state === 'accepted') return r.extension ? ['approve', 'deny'] : ['approve', 'deny', 'extend'];
  return [];
}

/** What the reviewer is told after an action, with the application's new state. */
const DONE_LABELS: Record<Action, string> = { accept: '已受理', refuse: '已作出不予受理决定', extend: '已延长决定期限', approve: '已准予信用修复', deny: '已作出不予信用修复决定' };

/** The lines of a textarea as a list (missing materials, reasons). */
const lines = (s: string) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function DecisionForm({ repair, onDone }: { repair: Repair; onDone: (action: Action, after: Repair) => void }) {
  const actions = actionsFor(repair);
  const [action, setAction] = useState<Action>(actions[0]);
  const [note, setNote] = useState('');
  const [list, setList] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useFormErrors(['note', 'missing', 'reasons', 'reason'], { formId: 'decide' });
  const listField = action === 'refuse' ? 'missing' : action === 'deny' ? 'reasons' : null;

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    const body: Record<string, unknown> = {};
    if (action === 'extend') body.reason = note;
    else if (note.trim()) body.note = note;
    if (listField) body[listField] = lines(list);
    setBusy(true);
    try {
      const after = await post<Repair>(`/repairs/${repair.id}/${action}`, body);
      setNote('');
      setList('');
      onDone(action, after);
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form id="decide" class="form-grid" onSubmit={submit} noValidate>
      <ErrorSummary form={form} />
      <fieldset class="field field-wide">
        <legend>审核决定</legend>
        <div class="checks">
          {actions.map((a) => (
            <label key={a} class="check">
              <input type="radio" name="action" value={a} checked={action === a} onChange={() => setAction(a)} />
              {ACTION_LABELS[a]}
            </label>
          ))}
        </div>
      </fieldset>
      {listField ? (
        <Field form={form} name={listField} label={listField === 'missing' ? '需补正的材料（每行一项）' : '不予修复的理由（每行一项）'} required wide>
          <textarea {...form.input(listField)} rows={3} value={list} onInput={(e) => setList(e.currentTarget.value)} />
        </Field>
      ) : null}
      <Field form={form} name={action === 'extend' ? 'reason' : 'note'} label={action === 'extend' ? '延期理由' : '审核意见'} required={action === 'extend'} wide>
        <textarea {...form.input(action === 'extend' ? 'reason' : 'note')} rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </Field>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? '正在提交…' : `确认：${ACTION_LABELS[action]}`}
        </button>
      </div>
    </form>
  );
}

function RecordPanel({ recordId }: { recordId: string }) {
  const record = useApi(() => get<RecordItem>(`/penalties/${recordId}`), [recordId]);
  return (
    <Card title="处罚记录的公示" id="record">
      <Show loaded={record} what="处罚记录">
        {(r) => (
          <DefinitionList
            items={[
              ['决定文书号', r.decisionNumber],
              ['公示状态', <strong data-testid="record-publicity">{publicityState(r)}</strong>],
              ['公示截止日期', r.publicityEndDate],
              ['最早可申请修复日期', r.repairEarliestDate],
              ['报送状态', <DeliveryCell record={r} />],
            ]}
          />
        )}
      </Show>
    </Card>
  );
}

export function RepairPage({ id }: { id: string }) {
  const me = useMe();
  const repair = useApi(() => get<Repair>(`/repairs/${id}`), [id]);
  const [version, setVersion] = useState(0);
  const [done, setDone] = useState<string | null>(null);
  // The application as the last action answered it, shown at once (until the reload brings the same or newer).
  const [after, setAfter] = useState<Repair | null>(null);
  useEffect(() => setAfter(null), [repair.data]);
  const shown = { ...repair, data: after ?? repair.data };
  const reviewer = hasRole(me, 'reviewer');
  return (
    <>
      <PageHeader title={repair.data ? `信用修复申请 ${repair.data.number}` : '信用修复申请'}>
        <a class="button" href={hasRole(me, 'enterprise') ? '#/' : '#/queue'}>
          返回
        </a>
      </PageHeader>
      <Show loaded={shown} what="申请">
        {(r) => {
          const due = nextDue(r);
          const late = due !== null && due.date < today();
          return (
            <>
              {done ? (
                <div class="alert alert-ok" role="status" data-testid="decision-done">
                  {done}
                </div>
              ) : null}
              <div class="grid-2">
                <Card title="办理情况" id="status">
                  <DefinitionList
                    items={[
                      ['状态', <RepairState repair={r} />],
                      ['企业', r.subjectName],
                      ['处罚决定书文号', r.decisionNumber],
                      ['决定机关', r.authorityName],
                      ['提交日期', r.submittedDate],
                      ['受理日期', r.acceptedDate],
                      ['决定日期', r.decidedDate],
                      ['执行完毕日期', r.effectedDate],
                      ['当前期限', due ? <span class={late ? 'overdue' : ''}>{`${due.label} ${due.shown}`}{late ? <Badge tone="bad">已逾期</Badge> : null}</span> : '—'],
                    ]}
                  />
                  {r.documentUrl ? (
                    <button type="button" onClick={() => download(r.documentUrl!.replace('/api/v1', ''), `${r.number}-决定书.html`)}>
                      下载决定书
                    </button>
                  ) : null}
                </Card>
                <RecordPanel recordId={r.recordId} key={`${r.recordId}-${version}`} />
              </div>
              {reviewer && actionsFor(r).length > 0 ? (
                <Card title="审核" id="decision">
                  <DecisionForm
                    // A fresh form for each new state: only the actions that state allows, the first one chosen.
                    key={`${r.state}-${r.history?.length ?? 0}-${version}`}
                    repair={r}
                    onDone={(action, next) => {
                      setDone(`${DONE_LABELS[action]}。当前状态：${next.stateLabel}`);
                      setAfter(next);
                      repair.reload();
                      setVersion((n) => n + 1);
                    }}
                  />
                </Card>
              ) : null}
              <div class="grid-2">
                <Card title="信用承诺与联系人" id="commitment">
                  <p class="commitment">{r.commitment?.text ?? '（已登记的信用修复承诺）'}</p>
                  <p class="muted small">
                    联系人：{r.contact?.name ?? '—'} {r.contact?.phone ?? ''}
                  </p>
                  {r.statement ? <p>{r.statement}</p> : null}
                </Card>
                <Card title="证明材料" id="files">
                  <Table head={['文件', '类型', '大小']} empty={r.files.length === 0}>
                    {r.files.map((f) => (
                      <tr key={f.id}>
                        <td>
                          <button type="button" class="link" onClick={() => download(f.url.replace('/api/v1', ''), f.name)}>
                            {f.name}
                          </button>
                        </td>
                        <td>{f.mime}</td>
                        <td>{Math.ceil(f.size / 1024)} KB</td>
                      </tr>
                    ))}
                  </Table>
                </Card>
              </div>
              {r.history ? (
                <Card title="办理过程" id="history">
                  <Table head={['日期', '环节', '经办', '说明']}>
                    {r.history.map((h) => (
                      <tr key={h.seq}>
                        <td class="nowrap">{h.date}</td>
                        <td>{STEP_LABELS[h.action] ?? h.action}</td>
                        <td>{h.byName ?? '—'}</td>
                        <td>{h.note ?? ''}</td>
                      </tr>
                    ))}
                  </Table>
                </Card>
              ) : null}
            </>
          );
        }}
      </Show>
    </>
  );
}


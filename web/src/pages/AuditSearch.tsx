/**
 * 审计日志 (admin): search the audit trail (GET /audit) by who (操作主体), what (操作, 资源类型, 资源标识), outcome
 * and a date range; newest first, 20 at a time, more with 加载更多 (the API's cursor).
 */
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Badge, Card, PageHeader, Table } from '../components/ui.js';
import { ACTION_LABELS, actionLabel, dateTime, OUTCOME_LABELS, RESOURCE_LABELS, resourceLabel } from '../labels.js';
import { hashQuery } from '../router.js';
import type { Page } from '../types.js';
import { ROLE_LABELS, type Role } from '../../../src/modules/auth/roles.js';

interface AuditEntry {
  id: string;
  at: string;
  action: string;
  resource: string;
  resourceId: string | null;
  outcome: 'success' | 'denied' | 'failure';
  principalId: string | null;
  principalName: string | null;
  roles: string[];
  ip: string | null;
  requestId: string | null;
}

const PAGE = 20;
const OUTCOME_TONES: Record<AuditEntry['outcome'], 'ok' | 'bad' | 'warn'> = { success: 'ok', denied: 'bad', failure: 'warn' };

interface Filters {
  principal: string;
  action: string;
  resource: string;
  resourceId: string;
  outcome: string;
  from: string;
  to: string;
}

/** The API's query for the filters: dates are whole days in Beijing time. */
function queryOf(f: Filters) {
  return {
    principal: f.principal.trim(),
    action: f.action.trim(),
    resource: f.resource,
    resourceId: f.resourceId.trim(),
    outcome: f.outcome,
    from: f.from ? `${f.from}T00:00:00+08:00` : undefined,
    to: f.to ? `${f.to}T23:59:59.999+08:00` : undefined,
    limit: PAGE,
  };
}

export function AuditSearch({ path }: { path: string }) {
  const q = hashQuery(path);
  const [f, setF] = useState<Filters>({ principal: q.get('principal') ?? '', action: q.get('action') ?? '', resource: '', resourceId: q.get('resourceId') ?? '', outcome: '', from: '', to: '' });
  const [items, setItems] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [searched, setSearched] = useState<Filters | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors(['principal', 'action', 'resource', 'resourceId', 'outcome', 'from', 'to'], { formId: 'audit' });
  const set = (k: keyof Filters) => (e: Event) => setF({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });

  async function load(filters: Filters, cursor: string | null) {
    form.clear();
    setBusy(true);
    try {
      const page = await get<Page<AuditEntry>>('/audit', { ...queryOf(filters), cursor });
      setItems(cursor ? [...(items ?? []), ...page.items] : page.items);
      setNext(page.nextCursor);
      setSearched(filters);
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  // Opened with filters (…?resourceId= from the key list): searched at once.
  useEffect(() => {
    if (q.get('principal') || q.get('action') || q.get('resourceId')) void load(f, null);
  }, []);

  return (
    <>
      <PageHeader title="审计日志" />
      <Card title="查询条件" id="audit-filters">
        <form
          id="audit"
          class="form-grid"
          onSubmit={(e) => {
            e.preventDefault();
            void load(f, null);
          }}
          noValidate
        >
          <ErrorSummary form={form} />
          <Field form={form} name="action" label="操作">
            <select {...form.input('action')} value={f.action} onChange={set('action')}>
              <option value="">全部操作</option>
              {Object.entries(ACTION_LABELS).map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <Field form={form} name="principal" label="操作主体编号" hint="如 apikey:…（密钥）或 jwt:…（统一身份认证用户）">
            <input {...form.input('principal')} value={f.principal} onInput={set('principal')} autoComplete="off" spellcheck={false} />
          </Field>
          <Field form={form} name="resource" label="对象类型">
            <select {...form.input('resource')} value={f.resource} onChange={set('resource')}>
              <option value="">全部类型</option>
              {Object.entries(RESOURCE_LABELS).map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <Field form={form} name="resourceId" label="对象标识" hint="如统一社会信用代码、记录编号、密钥编号">
            <input {...form.input('resourceId')} value={f.resourceId} onInput={set('resourceId')} autoComplete="off" spellcheck={false} />
          </Field>
          <Field form={form} name="outcome" label="结果">
            <select {...form.input('outcome')} value={f.outcome} onChange={set('outcome')}>
              <option value="">全部结果</option>
              {Object.entries(OUTCOME_LABELS).map(([code, label]) => (
                <option key={code} value={code}>
                  {label}
                </option>
              ))}
            </select>
          </Field>
          <Field form={form} name="from" label="起始日期">
            <input {...form.input('from')} type="date" value={f.from} onInput={set('from')} />
          </Field>
          <Field form={form} name="to" label="结束日期">
            <input {...form.input('to')} type="date" value={f.to} onInput={set('to')} />
          </Field>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy && !items ? '正在查询…' : '查询'}
            </button>
          </div>
        </form>
      </Card>
      {items && searched ? (
        <Card title="查询结果" id="audit-results">
          <p class="muted" role="status" data-testid="audit-count">
            已显示 {items.length} 条{next ? '，还有更多' : '，已全部显示'}（按时间倒序）
          </p>
          <Table head={['时间', '操作', '操作主体', '对象', '结果', '来源地址', '请求编号']} empty={items.length === 0} label="审计记录">
            {items.map((a) => (
              <tr key={a.id} data-action={a.action} data-resource-id={a.resourceId ?? ''}>
                <td class="nowrap">{dateTime(a.at)}</td>
                <td>{actionLabel(a.action)}</td>
                <td>
                  {a.principalName ?? '—'}
                  {a.roles.length ? <span class="muted">（{a.roles.map((r) => ROLE_LABELS[r as Role] ?? r).join('、')}）</span> : null}
                  {a.principalId ? <div class="muted small mono break">{a.principalId}</div> : null}
                </td>
                <td>
                  {resourceLabel(a.resource)}
                  {a.resourceId ? <div class="muted small mono break">{a.resourceId}</div> : null}
                </td>
                <td>
                  <Badge tone={OUTCOME_TONES[a.outcome] ?? 'neutral'}>{OUTCOME_LABELS[a.outcome] ?? a.outcome}</Badge>
                </td>
                <td class="mono">{a.ip ?? '—'}</td>
                <td class="mono small break">{a.requestId ?? '—'}</td>
              </tr>
            ))}
          </Table>
          {next ? (
            <div class="form-actions">
              <button type="button" onClick={() => load(searched, next)} disabled={busy}>
                {busy ? '正在加载…' : '加载更多'}
              </button>
            </div>
          ) : null}
        </Card>
      ) : null}
    </>
  );
}

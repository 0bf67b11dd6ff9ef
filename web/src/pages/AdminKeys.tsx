/**
 * API 密钥 (admin): the keys (name, roles, what they are bound to, created, last used, revoked), creating one — its
 * secret shown once, kept only in this screen's memory, gone on navigation — and revoking one after a confirmation.
 */
import { useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Badge, Card, ErrorBox, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { dateTime } from '../labels.js';
import { districtLabel } from '../names.js';
import type { Page } from '../types.js';
import { useMe } from '../session.js';
import { ROLE_LABELS, ROLES, type Role } from '../../../src/modules/auth/roles.js';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  roles: Role[];
  uscc: string | null;
  scope: string[];
  authorityUscc: string | null;
  authorityName: string | null;
  fullIdNumbers: boolean;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

const rolesText = (roles: readonly Role[]) => roles.map((r) => ROLE_LABELS[r] ?? r).join('、');

function Binding({ k }: { k: ApiKey }) {
  const parts: string[] = [];
  if (k.uscc) parts.push(`企业 ${k.uscc}`);
  if (k.authorityName) parts.push(`决定机关 ${k.authorityName}${k.authorityUscc ? `（${k.authorityUscc}）` : ''}`);
  if (k.scope.length) parts.push(`辖区 ${k.scope.map(districtLabel).join('、')}`);
  if (k.fullIdNumbers) parts.push('可接收完整证件号码');
  return <>{parts.length ? parts.join('；') : '—'}</>;
}

function stateOf(k: ApiKey): { text: string; tone: 'ok' | 'bad' | 'warn' } {
  if (k.revokedAt) return { text: `已吊销（${dateTime(k.revokedAt)}）`, tone: 'bad' };
  if (k.expiresAt && new Date(k.expiresAt) <= new Date()) return { text: `已过期（${dateTime(k.expiresAt)}）`, tone: 'warn' };
  return { text: k.expiresAt ? `有效（至 ${dateTime(k.expiresAt)}）` : '有效', tone: 'ok' };
}

/** The secret of the key just created: shown here once; this component's state is all that holds it. */
function NewSecret({ created, onDismiss }: { created: ApiKey & { key: string }; onDismiss: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied('已复制到剪贴板');
    } catch {
      const el = document.getElementById('new-key-secret');
      if (el) window.getSelection()?.selectAllChildren(el);
      setCopied('浏览器不允许自动复制：密钥已选中，请按 Ctrl+C（手机上长按）复制');
    }
  }
  return (
    <div class="alert alert-warn new-key" role="alert" data-testid="new-key">
      <strong>
        已创建密钥「{created.name}」（{rolesText(created.roles)}）。请立即复制并交给使用人妥善保存：密钥只显示这一次，离开本页后无法再次查看；遗失只能吊销后重新创建。
      </strong>
      <p class="secret">
        <code id="new-key-secret" class="mono break" data-testid="new-key-secret">
          {created.key}
        </code>
      </p>
      <div class="form-actions">
        <button type="button" class="primary" onClick={copy}>
          复制密钥
        </button>
        <button type="button" onClick={onDismiss}>
          我已保存，隐藏密钥
        </button>
        {copied ? (
          <span class="muted" role="status">
            {copied}
          </span>
        ) : null}
      </div>
    </div>
  );
}

function CreateKey({ onCreated }: { onCreated: (k: ApiKey & { key: string }) => void }) {
  const form = useFormErrors(['name', 'roles', 'uscc', 'scope', 'authorityUscc', 'authorityName', 'fullIdNumbers', 'expiresAt'], { formId: 'new-key' });
  const [name, setName] = useState('');
  const [roles, setRoles] = useState<Role[]>([]);
  const [v, setV] = useState({ uscc: '', scope: '', authorityUscc: '', authorityName: '', expiresAt: '' });
  const [fullIdNumbers, setFullIdNumbers] = useState(false);
  const [busy, setBusy] = useState(false);
  const has = (...r: Role[]) => roles.some((x) => r.includes(x));
  const set = (k: keyof typeof v) => (e: Event) => setV({ ...v, [k]: (e.currentTarget as HTMLInputElement).value });

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setBusy(true);
    try {
      const scope = v.scope.split(/[\s,，、]+/).filter(Boolean);
      const body: Record<string, unknown> = { name, roles };
      // Only the fields shown for the chosen roles are sent; the API states what is missing or not allowed.
      if (has('enterprise')) body.uscc = v.uscc.trim();
      if (has('clerk', 'reviewer', 'regulator') && scope.length) body.scope = scope;
      if (has('clerk', 'reviewer') && v.authorityUscc.trim()) body.authorityUscc = v.authorityUscc.trim();
      if (has('clerk', 'reviewer') && v.authorityName.trim()) body.authorityName = v.authorityName.trim();
      if (has('partner') && fullIdNumbers) body.fullIdNumbers = true;
      if (v.expiresAt) body.expiresAt = `${v.expiresAt}T23:59:59+08:00`;
      const created = await api<ApiKey & { key: string }>('/api-keys', { method: 'POST', json: body });
      setName('');
      setRoles([]);
      setV({ uscc: '', scope: '', authorityUscc: '', authorityName: '', expiresAt: '' });
      setFullIdNumbers(false);
      onCreated(created);
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  const rolesError = form.errors.fields.roles;
  const rolesId = form.input('roles').id;
  return (
    <Card title="创建 API 密钥" id="create-key">
      <form id="new-key" class="form-grid" onSubmit={submit} noValidate>
        <ErrorSummary form={form} />
        <Field form={form} name="name" label="名称（使用人或系统）" required>
          <input {...form.input('name')} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <fieldset class={`field field-wide ${rolesError ? 'field-invalid' : ''}`} aria-describedby={rolesError ? `${rolesId}-error` : undefined}>
          <legend>
            角色<span class="required"> *</span>
          </legend>
          <div class="checks">
            {ROLES.map((r, i) => (
              <label key={r} class="check">
                <input
                  type="checkbox"
                  name="roles"
                  id={i === 0 ? rolesId : undefined}
                  checked={roles.includes(r)}
                  onChange={(e) => setRoles(e.currentTarget.checked ? [...roles, r] : roles.filter((x) => x !== r))}
                />
                {ROLE_LABELS[r]}
              </label>
            ))}
          </div>
          <p class="hint">企业用户不能与录入、审核、监管查询、系统管理员角色授予同一密钥（职责分离）。</p>
          {rolesError ? (
            <p class="field-error" id={`${rolesId}-error`} data-path="roles">
              {rolesError.join('；')}
            </p>
          ) : null}
        </fieldset>
        {has('enterprise') ? (
          <Field form={form} name="uscc" label="企业统一社会信用代码" required hint="企业用户只能查看和办理本企业的信息">
            <input {...form.input('uscc')} value={v.uscc} onInput={set('uscc')} autoComplete="off" spellcheck={false} />
          </Field>
        ) : null}
        {has('clerk', 'reviewer', 'regulator') ? (
          <Field form={form} name="scope" label="辖区（行政区划代码）" hint="6 位代码，多个以空格或逗号分隔；不填 = 全部辖区">
            <input {...form.input('scope')} value={v.scope} onInput={set('scope')} inputMode="numeric" />
          </Field>
        ) : null}
        {has('clerk', 'reviewer') ? (
          <>
            <Field form={form} name="authorityUscc" label="所代表的行政机关（统一社会信用代码）" hint="绑定后只能办理本机关作出的处罚据以列入的名单案件（谁处罚、谁决定）">
              <input {...form.input('authorityUscc')} value={v.authorityUscc} onInput={set('authorityUscc')} autoComplete="off" spellcheck={false} />
            </Field>
            <Field form={form} name="authorityName" label="行政机关名称">
              <input {...form.input('authorityName')} value={v.authorityName} onInput={set('authorityName')} />
            </Field>
          </>
        ) : null}
        {has('partner') ? (
          <Field form={form} name="fullIdNumbers" label="完整证件号码" hint="仅依数据共享协议勾选：名单查询、比对和导出中列入人员的证件号码不再脱敏；授予和每次使用都记入审计日志" wide>
            <label class="check">
              <input {...form.input('fullIdNumbers')} type="checkbox" checked={fullIdNumbers} onChange={(e) => setFullIdNumbers(e.currentTarget.checked)} />
              依数据共享协议接收完整证件号码
            </label>
          </Field>
        ) : null}
        <Field form={form} name="expiresAt" label="有效期至" hint="不填 = 长期有效，直至吊销">
          <input {...form.input('expiresAt')} type="date" value={v.expiresAt} onInput={set('expiresAt')} />
        </Field>
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? '正在创建…' : '创建密钥'}
          </button>
        </div>
      </form>
    </Card>
  );
}

export function AdminKeys() {
  const me = useMe();
  const [version, setVersion] = useState(0);
  const keys = useApi(() => get<Page<ApiKey>>('/api-keys'), [version]);
  const [created, setCreated] = useState<(ApiKey & { key: string }) | null>(null);
  const [confirm, setConfirm] = useState<ApiKey | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function revoke(k: ApiKey) {
    setError(null);
    setMessage(null);
    setBusy(true);
    try {
      const out = await api<ApiKey>(`/api-keys/${k.id}`, { method: 'DELETE' });
      setMessage(`已吊销密钥「${out.name}」：使用它的请求从现在起被拒绝。`);
      setConfirm(null);
      setVersion((x) => x + 1);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader title="API 密钥" />
      {created ? <NewSecret created={created} onDismiss={() => setCreated(null)} /> : null}
      <CreateKey
        onCreated={(k) => {
          setMessage(null);
          setCreated(k);
          setVersion((x) => x + 1);
        }}
      />
      <Card title="全部密钥" id="keys">
        {message ? (
          <div class="alert alert-ok" role="status" data-testid="keys-message">
            {message}
          </div>
        ) : null}
        <ErrorBox error={error} />
        <Show loaded={keys} what="密钥">
          {(page) => (
            <Table head={['名称', '角色', '绑定', '创建时间', '最近使用', '状态', '']} empty={page.items.length === 0} label="API 密钥">
              {page.items.map((k) => {
                const st = stateOf(k);
                return (
                  <tr key={k.id} data-key-id={k.id} data-revoked={k.revokedAt ? 'true' : 'false'}>
                    <td>
                      {k.name}
                      {me.id === `apikey:${k.id}` ? (
                        <>
                          {' '}
                          <Badge>当前登录</Badge>
                        </>
                      ) : null}
                      <div class="muted small mono">{k.prefix}…</div>
                    </td>
                    <td>{rolesText(k.roles)}</td>
                    <td>
                      <Binding k={k} />
                    </td>
                    <td class="nowrap">{dateTime(k.createdAt)}</td>
                    <td class="nowrap">{k.lastUsedAt ? dateTime(k.lastUsedAt) : '从未使用'}</td>
                    <td>
                      <Badge tone={st.tone}>{st.text}</Badge>
                    </td>
                    <td>
                      <a href={`#/audit?resourceId=${k.id}`} aria-label={`${k.name} 的审计记录`}>
                        审计记录
                      </a>{' '}
                      {k.revokedAt ? null : confirm?.id === k.id ? (
                        <div class="confirm" role="group" aria-label={`确认吊销 ${k.name}`}>
                          <p>吊销后，使用该密钥的请求立即被拒绝，且无法恢复。{me.id === `apikey:${k.id}` ? '这是您当前登录使用的密钥，吊销后将立即退出。' : ''}</p>
                          <button type="button" class="primary danger" disabled={busy} onClick={() => revoke(k)}>
                            确认吊销
                          </button>{' '}
                          <button type="button" onClick={() => setConfirm(null)}>
                            取消
                          </button>
                        </div>
                      ) : (
                        <button type="button" class="link" onClick={() => setConfirm(k)} aria-label={`吊销 ${k.name}`}>
                          吊销
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </Table>
          )}
        </Show>
      </Card>
    </>
  );
}

import { useState } from 'preact/hooks';
import type { CredentialKind } from '../api.js';
import { signIn } from '../session.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import type { Me } from '../types.js';

/** Sign-in with an API key or a bearer token; kept in this tab's sessionStorage only. */
export function SignIn({ onSignedIn, notice }: { onSignedIn: (me: Me) => void; notice: string | null }) {
  const [kind, setKind] = useState<CredentialKind>('apiKey');
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useFormErrors(['credential'], { formId: 'signin' });

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    const v = value.trim().replace(/^Bearer\s+/i, '');
    if (!v) {
      form.show('请填写凭据');
      return;
    }
    setBusy(true);
    try {
      onSignedIn(await signIn({ kind, value: v }));
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin" id="main">
      <form id="signin" class="card signin-card" onSubmit={submit} noValidate>
        <h1>安全生产信用监管 · 网页控制台</h1>
        <p class="muted">监管人员和企业用户使用分配的 API 密钥或单点登录令牌登录。凭据只保存在本标签页中，关闭即清除。</p>
        {notice ? (
          <p class="alert alert-info" role="status">
            {notice}
          </p>
        ) : null}
        <ErrorSummary form={form} />
        <fieldset class="field">
          <legend>凭据类型</legend>
          <div class="checks">
            <label class="check">
              <input type="radio" name="kind" value="apiKey" checked={kind === 'apiKey'} onChange={() => setKind('apiKey')} />
              API 密钥（X-API-Key）
            </label>
            <label class="check">
              <input type="radio" name="kind" value="bearer" checked={kind === 'bearer'} onChange={() => setKind('bearer')} />
              访问令牌（Bearer）
            </label>
          </div>
        </fieldset>
        <Field form={form} name="credential" label={kind === 'apiKey' ? 'API 密钥' : '访问令牌'} required wide>
          <input {...form.input('credential')} type="password" autoComplete="off" spellcheck={false} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </Field>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? '正在登录…' : '登录'}
        </button>
      </form>
    </main>
  );
}

/**
 * 撤销 a permit or penalty (clerk): the revoking decision (文书号, 日期, 途径) and the reason, confirmed once more
 * before PATCH {action: 'revoke'}; the record then shows 已撤销 (a penalty stops being published).
 */
import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Card } from '../components/ui.js';
import { KIND_LABELS, today } from '../labels.js';
import type { RecordItem } from '../types.js';

/** 撤销途径 as the API accepts them (schemas/records.ts REVOCATION_BASES). */
const BASES = ['行政复议', '行政诉讼', '自行纠错', '其他'] as const;
const BASIS_LABELS: Record<(typeof BASES)[number], string> = { 行政复议: '行政复议决定撤销', 行政诉讼: '人民法院判决撤销（行政诉讼）', 自行纠错: '决定机关自行纠错撤销', 其他: '其他' };
const FIELDS = ['decisionNumber', 'decisionDate', 'basis', 'reason'];

export function RevokePanel({ record, onDone, onCancel }: { record: RecordItem; onDone: (after: RecordItem) => void; onCancel: () => void }) {
  const form = useFormErrors(FIELDS, { formId: 'revoke', prefixes: ['body', 'revocation'] });
  const [v, setV] = useState({ decisionNumber: '', decisionDate: '', basis: '自行纠错', reason: '' });
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const path = `/${record.kind === 'penalty' ? 'penalties' : 'permits'}/${record.id}`;

  function ask(e: Event) {
    e.preventDefault();
    form.clear();
    setConfirming(true);
  }

  async function revoke() {
    setBusy(true);
    try {
      const revocation = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x.trim()]).filter(([, x]) => x));
      const after = await api<RecordItem>(path, { method: 'PATCH', json: { action: 'revoke', revocation } });
      onDone(after);
    } catch (err) {
      setConfirming(false);
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  const text = (k: keyof typeof v) => ({ ...form.input(k), value: v[k], onInput: (e: Event) => setV({ ...v, [k]: (e.currentTarget as HTMLInputElement).value }) });
  const effect = record.kind === 'penalty' ? '撤销后该处罚停止公示，并向信用平台报送撤下，重新评定企业信用等级' : '撤销后该许可按“无效”状态公示';
  return (
    <Card title={`撤销${KIND_LABELS[record.kind]}：${record.decisionNumber}`} id="revoke-panel">
      <form id="revoke" class="form-grid" onSubmit={ask} noValidate>
        <ErrorSummary form={form} />
        <Field form={form} name="decisionNumber" label="撤销决定文书号" required>
          <input {...text('decisionNumber')} type="text" />
        </Field>
        <Field form={form} name="decisionDate" label="撤销决定日期" required>
          <input {...text('decisionDate')} type="date" max={today()} />
        </Field>
        <Field form={form} name="basis" label="撤销途径">
          <select {...form.input('basis')} value={v.basis} onChange={(e) => setV({ ...v, basis: e.currentTarget.value })}>
            {BASES.map((b) => (
              <option key={b} value={b}>
                {BASIS_LABELS[b]}
              </option>
            ))}
          </select>
        </Field>
        <Field form={form} name="reason" label="撤销原因" required wide>
          <textarea {...text('reason')} rows={2} />
        </Field>
        {confirming ? (
          <div class="alert alert-warn field-wide" role="alertdialog" aria-labelledby="revoke-confirm-text" data-testid="revoke-confirm">
            <p id="revoke-confirm-text">
              确定撤销 <strong>{record.decisionNumber}</strong>？{effect}。撤销不可恢复。
            </p>
            <div class="form-actions">
              <button type="button" class="danger" onClick={revoke} disabled={busy}>
                {busy ? '正在撤销…' : '确认撤销'}
              </button>
              <button type="button" onClick={() => setConfirming(false)} disabled={busy}>
                再想想
              </button>
            </div>
          </div>
        ) : (
          <div class="form-actions">
            <button type="submit" class="primary">
              撤销…
            </button>
            <button type="button" onClick={onCancel}>
              取消
            </button>
          </div>
        )}
      </form>
    </Card>
  );
}

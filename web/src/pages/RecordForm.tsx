/**
 * 录入 / 更正 a permit or penalty. The fields come from the service's one field table
 * (src/modules/records/fields.ts); validation is the API's: its messages appear under the fields they name.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { CheckboxGroup, ErrorSummary, Field, useFormErrors, type FormErrorState } from '../components/form.js';
import { Card, ErrorBox, Loading, PageHeader } from '../components/ui.js';
import { hashQuery } from '../router.js';
import { withProvisional } from '../labels.js';
import { ID_TYPES, inputFieldsOf, KIND_PATH, labelOf, PENALTY_TYPES, PERMIT_CATEGORIES, SUBJECT_TYPES, type FieldDef, type RecordKind } from '../../../src/modules/records/fields.js';
import type { RecordItem } from '../types.js';

type Values = Record<string, string | string[] | boolean>;

const ENUMS: Record<string, readonly string[]> = { subjectType: SUBJECT_TYPES, permitCategory: PERMIT_CATEGORIES, legalRepIdType: ID_TYPES, subjectIdType: ID_TYPES, status: ['1', '2'] };
const ENUM_LABELS: Record<string, Record<string, string>> = { status: { '1': '1 有效', '2': '2 无效' } };
const COMMON_REQUIRED = ['subjectName', 'subjectType', 'uscc', 'decisionNumber', 'decisionDate', 'authorityName', 'authorityUscc', 'sourceName', 'sourceUscc', 'content'];
const REQUIRED: Record<RecordKind, Set<string>> = {
  penalty: new Set([...COMMON_REQUIRED, 'violationType', 'facts', 'legalBasis', 'penaltyTypes', 'validUntil']),
  permit: new Set([...COMMON_REQUIRED, 'documentName', 'permitCategory', 'validFrom']),
};

function emptyValue(f: FieldDef): string | string[] | boolean {
  if (f.type === 'enumList') return [];
  if (f.type === 'boolean') return false;
  return '';
}

function toValues(kind: RecordKind, r?: Record<string, unknown>): Values {
  const out: Values = {};
  for (const f of inputFieldsOf(kind)) {
    const v = r?.[f.name];
    out[f.name] = v === undefined || v === null ? emptyValue(f) : f.type === 'enumList' ? (v as string[]) : f.type === 'boolean' ? Boolean(v) : String(v);
  }
  return out;
}

/** The request value of a field (undefined = not sent). */
function wire(f: FieldDef, v: string | string[] | boolean): unknown {
  if (f.type === 'enumList') return (v as string[]).length ? v : undefined;
  if (f.type === 'boolean') return v ? true : undefined;
  const s = (v as string).trim();
  if (!s) return undefined;
  return f.type === 'money' && !Number.isNaN(Number(s)) ? Number(s) : s;
}

function Input({ f, kind, form, value, set }: { f: FieldDef; kind: RecordKind; form: FormErrorState; value: string | string[] | boolean; set: (v: string | string[] | boolean) => void }) {
  const label = labelOf(kind, f);
  const required = REQUIRED[kind].has(f.name);
  if (f.type === 'enumList') return <CheckboxGroup form={form} name={f.name} legend={label} options={PENALTY_TYPES} value={value as string[]} onChange={set} required={required} />;
  const props = { ...form.input(f.name), onInput: (e: Event) => set((e.currentTarget as HTMLInputElement).value) };
  let control;
  if (f.type === 'boolean') control = <input {...form.input(f.name)} type="checkbox" checked={value as boolean} onChange={(e) => set(e.currentTarget.checked)} />;
  else if (f.type === 'enum')
    control = (
      <select {...props} value={value as string} onChange={(e) => set(e.currentTarget.value)}>
        <option value="">请选择</option>
        {(ENUMS[f.name] ?? []).map((o) => (
          <option key={o} value={o}>
            {ENUM_LABELS[f.name]?.[o] ?? o}
          </option>
        ))}
      </select>
    );
  else if (f.type === 'date') control = <input {...props} type="date" value={value as string} />;
  else if (f.type === 'money') control = <input {...props} type="text" inputMode="decimal" value={value as string} />;
  else if ((f.max ?? 0) > 500) control = <textarea {...props} rows={3} value={value as string} maxLength={f.max} />;
  else control = <input {...props} type="text" value={value as string} maxLength={f.max} spellcheck={false} class={f.type === 'uscc' ? 'mono' : undefined} />;
  return (
    <Field form={form} name={f.name} label={label} required={required} wide={(f.max ?? 0) > 500}>
      {control}
    </Field>
  );
}

export function RecordForm({ path, correct }: { path: string; correct?: { kind: RecordKind; id: string } }) {
  const query = hashQuery(path);
  const [kind, setKind] = useState<RecordKind>(correct?.kind ?? (query.get('kind') === 'permit' ? 'permit' : 'penalty'));
  const fields = useMemo(() => inputFieldsOf(kind), [kind]);
  const [original, setOriginal] = useState<Values | null>(null);
  const [values, setValues] = useState<Values>(() => ({ ...toValues(kind), uscc: query.get('uscc') ?? '' }));
  const [reason, setReason] = useState('');
  const [loadError, setLoadError] = useState<unknown>(null);
  const [done, setDone] = useState<{ record: RecordItem; status: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors([...fields.map((f) => f.name), 'reason'], { formId: 'record', prefixes: ['body', 'changes'] });

  useEffect(() => {
    if (!correct) return;
    get<RecordItem>(`/${KIND_PATH[correct.kind]}/${correct.id}`).then((r) => {
      const v = toValues(correct.kind, r);
      setOriginal(v);
      setValues(v);
    }, setLoadError);
  }, [correct?.id]);

  function changeKind(k: RecordKind) {
    setKind(k);
    setValues({ ...toValues(k), uscc: values.uscc as string });
    form.clear();
  }

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setDone(null);
    setBusy(true);
    try {
      if (correct) {
        const changes: Record<string, unknown> = {};
        for (const f of fields) {
          const w = wire(f, values[f.name]);
          if (w !== undefined && JSON.stringify(values[f.name]) !== JSON.stringify(original![f.name])) changes[f.name] = w;
        }
        const r = await api<RecordItem>(`/${KIND_PATH[kind]}/${correct.id}`, { method: 'PATCH', json: { action: 'correct', reason, changes } });
        setDone({ record: r, status: `已更正，生成第 ${r.version} 版，将重新报送` });
        setOriginal(toValues(kind, r));
      } else {
        const body = Object.fromEntries(fields.map((f) => [f.name, wire(f, values[f.name])]).filter(([, v]) => v !== undefined));
        const r = await api<RecordItem>(`/${KIND_PATH[kind]}`, { method: 'POST', json: body });
        setDone({ record: r, status: '已录入，将在公示期限内报送' });
      }
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  if (loadError) return <ErrorBox error={loadError} />;
  if (correct && !original) return <Loading what="记录" />;
  return (
    <>
      <PageHeader title={correct ? `更正${kind === 'penalty' ? '行政处罚' : '行政许可'}` : '录入行政许可 / 行政处罚'} />
      <Card>
        <form id="record" class="form-grid" onSubmit={submit} noValidate>
          {done ? (
            <div class="alert alert-ok" role="status">
              {done.status}：{done.record.decisionNumber}（公示期限 {withProvisional(done.record.publicityDeadline, done.record.provisionalDates, 'publicityDeadline')}）。<a href={`#/enterprises/${done.record.uscc}`}>查看企业</a>
            </div>
          ) : null}
          <ErrorSummary form={form} />
          {!correct ? (
            <fieldset class="field field-wide">
              <legend>记录类型</legend>
              <div class="checks">
                {(['penalty', 'permit'] as const).map((k) => (
                  <label key={k} class="check">
                    <input type="radio" name="kind" checked={kind === k} onChange={() => changeKind(k)} />
                    {k === 'penalty' ? '行政处罚' : '行政许可'}
                  </label>
                ))}
              </div>
            </fieldset>
          ) : (
            <Field form={form} name="reason" label="更正原因" required wide>
              <textarea {...form.input('reason')} rows={2} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
            </Field>
          )}
          {fields.map((f) => (
            <Input key={`${kind}-${f.name}`} f={f} kind={kind} form={form} value={values[f.name]} set={(v) => setValues({ ...values, [f.name]: v })} />
          ))}
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? '正在提交…' : correct ? '提交更正' : '提交录入'}
            </button>
          </div>
        </form>
      </Card>
    </>
  );
}

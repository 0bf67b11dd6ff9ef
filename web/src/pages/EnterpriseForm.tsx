/**
 * 企业登记 / 修改 / 补全 (clerk): one form over the service's enterprise field table
 * (src/modules/enterprises/fields.ts). Registration is POST /enterprises (an enterprise created implicitly by a
 * record is completed by it: 200); editing is PATCH /enterprises/:uscc with the changed fields only. An
 * enterprise awaiting completion (待补全) has its missing fields marked; saving them clears the flag.
 * Also 待补全企业: the list of enterprises created by records or imports and still lacking required fields.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { ErrorSummary, Field, useFormErrors, type FormErrorState } from '../components/form.js';
import { Card, ErrorBox, Loading, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { dateTime } from '../labels.js';
import { districtName, industryName } from '../names.js';
import { ENTERPRISE_FIELDS, STANDARDISATION_GRADES, SUBJECT_TYPES } from '../../../src/modules/enterprises/fields.js';
import type { Enterprise, Page } from '../types.js';

type FieldName = (typeof ENTERPRISE_FIELDS)[number]['name'];

/** An enterprise as the API answers it, with its completion state. */
export interface EnterpriseFull extends Enterprise {
  supervisingAuthorityUscc?: string | null;
  needsCompletion: boolean;
  missingFields: FieldName[];
  revision: number;
  createdAt: string;
  updatedAt: string;
}

type Values = Record<FieldName, string>;

const NAMES = ENTERPRISE_FIELDS.map((f) => f.name) as FieldName[];
const LABELS = Object.fromEntries(ENTERPRISE_FIELDS.map((f) => [f.name, f.label])) as Record<FieldName, string>;
const ENUMS: Partial<Record<FieldName, readonly string[]>> = { subjectType: SUBJECT_TYPES, standardisationGrade: STANDARDISATION_GRADES };
const HINTS: Partial<Record<FieldName, string>> = {
  uscc: '18 位，登记后不可修改',
  districtCode: '6 位数字（GB/T 2260），如 440305',
  industryCode: '门类字母加 2–4 位数字（GB/T 4754），如 C2614',
};

/** Chinese labels of fields (missingFields, for messages). */
export const fieldLabels = (names: string[]) => names.map((n) => LABELS[n as FieldName] ?? n).join('、');

function toValues(e?: Partial<EnterpriseFull>): Values {
  const out = {} as Values;
  for (const n of NAMES) {
    const v = e?.[n as keyof EnterpriseFull];
    out[n] = v === undefined || v === null ? '' : String(v);
  }
  return out;
}

function EnterpriseInput({ name, form, value, set, missing, readOnly }: { name: FieldName; form: FormErrorState; value: string; set: (v: string) => void; missing: boolean; readOnly?: boolean }) {
  const def = ENTERPRISE_FIELDS.find((f) => f.name === name)!;
  const props = { ...form.input(name), onInput: (e: Event) => set((e.currentTarget as HTMLInputElement).value) };
  const options = ENUMS[name];
  const shown = name === 'districtCode' && value ? `${HINTS.districtCode}。当前：${districtName(value)}` : name === 'industryCode' && value ? `${HINTS.industryCode}。当前：${industryName(value)}` : HINTS[name];
  const control = options ? (
    <select {...props} value={value} onChange={(e) => set(e.currentTarget.value)}>
      <option value="">请选择</option>
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  ) : (
    <input {...props} type="text" value={value} readOnly={readOnly} spellcheck={false} class={def.type === 'uscc' ? 'mono' : undefined} />
  );
  return (
    <div class={missing ? 'field-missing' : undefined} data-missing={missing ? 'true' : undefined}>
      <Field form={form} name={name} label={missing ? `${def.label}（待补全）` : def.label} required={def.required} hint={shown}>
        {control}
      </Field>
    </div>
  );
}

/** 登记企业 (uscc undefined) or 修改 / 补全企业信息 (`uscc`). */
export function EnterpriseForm({ uscc }: { uscc?: string }) {
  const editing = uscc !== undefined;
  const [current, setCurrent] = useState<EnterpriseFull | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [values, setValues] = useState<Values>(() => ({ ...toValues(), subjectType: SUBJECT_TYPES[0], standardisationGrade: '无' }));
  const [done, setDone] = useState<{ tone: 'ok' | 'info'; text: string; uscc: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors(NAMES, { formId: 'enterprise' });

  useEffect(() => {
    if (!uscc) return;
    get<EnterpriseFull>(`/enterprises/${uscc}`).then((e) => {
      setCurrent(e);
      setValues(toValues(e));
    }, setLoadError);
  }, [uscc]);

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setDone(null);
    setBusy(true);
    try {
      if (editing && current) {
        const before = toValues(current);
        const patch = Object.fromEntries(NAMES.filter((n) => n !== 'uscc' && values[n].trim() !== before[n]).map((n) => [n, values[n].trim()]));
        if (Object.keys(patch).length === 0) {
          setDone({ tone: 'info', text: '没有修改任何信息', uscc: current.uscc });
          return;
        }
        const after = await api<EnterpriseFull>(`/enterprises/${current.uscc}`, { method: 'PATCH', json: patch });
        const completed = current.needsCompletion && !after.needsCompletion;
        setCurrent(after);
        setValues(toValues(after));
        setDone({
          tone: 'ok',
          text: completed ? `已保存，${after.name}的信息已补全，不再列入待补全企业` : after.needsCompletion ? `已保存，仍需补全：${fieldLabels(after.missingFields)}` : `已保存${after.name}的企业信息`,
          uscc: after.uscc,
        });
      } else {
        const body = Object.fromEntries(NAMES.filter((n) => values[n].trim()).map((n) => [n, values[n].trim()]));
        const created = await api<EnterpriseFull>('/enterprises', { method: 'POST', json: body });
        setValues({ ...toValues(), subjectType: SUBJECT_TYPES[0], standardisationGrade: '无' });
        setDone({ tone: 'ok', text: `已登记${created.name}（统一社会信用代码 ${created.uscc}）`, uscc: created.uscc });
      }
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  if (loadError) return <ErrorBox error={loadError} />;
  if (editing && !current) return <Loading what="企业信息" />;
  const missing = new Set<string>(current?.needsCompletion ? current.missingFields : []);
  return (
    <>
      <PageHeader title={editing ? (current!.needsCompletion ? `补全企业信息：${current!.name}` : `修改企业信息：${current!.name}`) : '登记企业'}>
        {editing ? (
          <a class="button" href={`#/enterprises/${current!.uscc}`}>
            返回企业详情
          </a>
        ) : (
          <a class="button" href="#/incomplete">
            待补全企业
          </a>
        )}
      </PageHeader>
      <Card>
        <form id="enterprise" class="form-grid" onSubmit={submit} noValidate>
          {done ? (
            <div class={`alert alert-${done.tone}`} role="status" data-testid="enterprise-done">
              {done.text}。<a href={`#/enterprises/${done.uscc}`}>查看企业</a>
            </div>
          ) : null}
          {missing.size > 0 ? (
            <div class="alert alert-warn" data-testid="missing-fields">
              该企业由行政许可、行政处罚记录或批量导入自动建立，尚缺少：<strong>{fieldLabels([...missing])}</strong>。请补全后保存（已在下方标出）。
            </div>
          ) : null}
          <ErrorSummary form={form} />
          {NAMES.map((n) => (
            <EnterpriseInput key={n} name={n} form={form} value={values[n]} set={(v) => setValues({ ...values, [n]: v })} missing={missing.has(n)} readOnly={editing && n === 'uscc'} />
          ))}
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? '正在提交…' : editing ? '保存' : '登记'}
            </button>
          </div>
        </form>
      </Card>
    </>
  );
}

/** 待补全企业 (clerk): enterprises created implicitly by records or imports, each opening its completion form. */
export function IncompleteEnterprises() {
  const list = useApi(() => get<Page<EnterpriseFull>>('/enterprises', { needsCompletion: true, limit: 100 }), []);
  return (
    <>
      <PageHeader title="待补全企业">
        <a class="button" href="#/register">
          登记企业
        </a>
      </PageHeader>
      <Card id="incomplete">
        <p class="muted small">录入或导入行政许可、行政处罚时，尚未登记的企业按记录中的行政相对人信息自动建立，缺少行业等必填信息，补全后方可准确评级。</p>
        <Show loaded={list} what="待补全企业">
          {(page) => (
            <>
              <Table head={['企业名称', '统一社会信用代码', '行政区划', '缺少的信息', '建立时间', '操作']} empty={page.items.length === 0} label="待补全企业">
                {page.items.map((e) => (
                  <tr key={e.uscc} data-uscc={e.uscc}>
                    <td>{e.name}</td>
                    <td class="mono">{e.uscc}</td>
                    <td>{districtName(e.districtCode)}</td>
                    <td>{fieldLabels(e.missingFields)}</td>
                    <td class="nowrap">{dateTime(e.createdAt)}</td>
                    <td>
                      <a class="button small" href={`#/enterprises/${e.uscc}/edit`} aria-label={`补全 ${e.name}`}>
                        补全
                      </a>
                    </td>
                  </tr>
                ))}
              </Table>
              {page.nextCursor ? <p class="muted small">仅列出前 100 家，补全后刷新可看到其余企业。</p> : null}
            </>
          )}
        </Show>
      </Card>
    </>
  );
}

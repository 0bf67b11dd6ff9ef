/** 信用修复申请 (enterprise): eligibility, the commitment text, contact, evidence files → POST /repairs (multipart). */
import { useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Card, DefinitionList, PageHeader, Show, useApi } from '../components/ui.js';
import { navigate } from '../router.js';
import { RepairConditions, type RepairEligibility } from '../components/credit.js';
import type { RecordItem, Repair } from '../types.js';

const COMMITMENT =
  '本单位郑重承诺：已纠正相关违法行为，已履行行政处罚决定规定的全部义务，所提交材料真实、准确、完整；如违反承诺，自愿接受撤销修复决定、恢复公示等处理，并依法承担相应责任。';
const FIELDS = ['commitmentText', 'commitmentAccepted', 'contactName', 'contactPhone', 'statement', 'evidence'];
const ACCEPT = 'application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png';

export function RepairApply({ recordId }: { recordId: string }) {
  const record = useApi(() => get<RecordItem>(`/penalties/${recordId}`), [recordId]);
  const eligibility = useApi(() => get<RepairEligibility>(`/penalties/${recordId}/repair-eligibility`), [recordId]);
  const form = useFormErrors(FIELDS, { formId: 'repair' });
  const [v, setV] = useState({ commitmentText: COMMITMENT, commitmentAccepted: false, contactName: '', contactPhone: '', statement: '' });
  const [files, setFiles] = useState<File[]>([]);
  const [busy, setBusy] = useState(false);

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    const body = new FormData();
    body.set('recordId', recordId);
    body.set('commitmentText', v.commitmentText);
    body.set('commitmentAccepted', String(v.commitmentAccepted));
    body.set('contactName', v.contactName);
    body.set('contactPhone', v.contactPhone);
    if (v.statement.trim()) body.set('statement', v.statement);
    for (const f of files) body.append('evidence', f, f.name);
    setBusy(true);
    try {
      const created = await api<Repair>('/repairs', { method: 'POST', form: body });
      navigate(`/repairs/${created.id}`);
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  const text = (k: 'commitmentText' | 'contactName' | 'contactPhone' | 'statement') => ({
    ...form.input(k),
    value: v[k],
    onInput: (e: Event) => setV({ ...v, [k]: (e.currentTarget as HTMLInputElement).value }),
  });

  return (
    <>
      <PageHeader title="申请信用修复">
        <a class="button" href="#/">
          返回
        </a>
      </PageHeader>
      <div class="grid-2">
        <Card title="处罚记录" id="record">
          <Show loaded={record} what="处罚记录">
            {(r) => (
              <DefinitionList
                items={[
                  ['决定文书号', r.decisionNumber],
                  ['决定日期', r.decisionDate],
                  ['处罚类别', (r.penaltyTypes ?? []).join('、')],
                  ['失信程度', r.severity],
                  ['最早可申请修复日期', r.repairEarliestDate],
                  ['公示截止日期', r.publicityEndDate],
                ]}
              />
            )}
          </Show>
        </Card>
        <Card title="修复条件" id="eligibility">
          <Show loaded={eligibility} what="修复条件">
            {(el) => <RepairConditions el={el} eligibleText="符合申请条件" ineligibleText="暂不符合申请条件" />}
          </Show>
        </Card>
      </div>
      {eligibility.data && !eligibility.data.eligible ? (
        <Card title="暂不能申请" id="apply">
          <p>该处罚信息目前不符合信用修复条件（见上方“修复条件”），暂不能提交申请；条件满足后再申请。</p>
        </Card>
      ) : eligibility.data ? (
        <Card title="申请材料" id="apply">
          <form id="repair" class="form-grid" onSubmit={submit} noValidate>
            <ErrorSummary form={form} />
            <Field form={form} name="commitmentText" label="信用修复承诺书" required wide hint="可按实际情况修改，不少于 20 个字。">
              <textarea {...text('commitmentText')} rows={5} />
            </Field>
            <Field form={form} name="commitmentAccepted" label="承诺确认" required wide>
              <label class="check">
                <input
                  {...form.input('commitmentAccepted')}
                  type="checkbox"
                  checked={v.commitmentAccepted}
                  onChange={(e) => setV({ ...v, commitmentAccepted: e.currentTarget.checked })}
                />
                本单位已阅读并同意上述信用承诺，承诺内容将随申请公开
              </label>
            </Field>
            <Field form={form} name="contactName" label="联系人" required>
              <input {...text('contactName')} autoComplete="name" />
            </Field>
            <Field form={form} name="contactPhone" label="联系电话" required>
              <input {...text('contactPhone')} type="tel" autoComplete="tel" inputMode="tel" />
            </Field>
            <Field form={form} name="statement" label="申请说明" wide hint="纠正违法行为、履行义务的情况（选填）">
              <textarea {...text('statement')} rows={3} />
            </Field>
            <Field form={form} name="evidence" label="证明材料" wide hint="缴款凭证、整改报告等：PDF、JPG 或 PNG，每个不超过 5 MB，最多 10 个。">
              <input {...form.input('evidence')} type="file" multiple accept={ACCEPT} onChange={(e) => setFiles([...(e.currentTarget.files ?? [])])} />
            </Field>
            {files.length > 0 ? (
              <ul class="plain small" aria-label="已选择的文件">
                {files.map((f) => (
                  <li key={f.name}>
                    {f.name}（{Math.ceil(f.size / 1024)} KB）
                  </li>
                ))}
              </ul>
            ) : null}
            <div class="form-actions">
              <button type="submit" class="primary" disabled={busy}>
                {busy ? '正在提交…' : '提交申请'}
              </button>
            </div>
          </form>
        </Card>
      ) : null}
    </>
  );
}

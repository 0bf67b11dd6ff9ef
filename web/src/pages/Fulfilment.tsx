/**
 * 履行登记 (clerk of the deciding authority): records that a penalty's fine was paid and the correction confirmed
 * (POST /penalties/:id/fulfilment), which the enterprise's credit repair waits on; then shows the eligibility anew.
 */
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { RepairConditions, type RepairEligibility } from '../components/credit.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Card, DefinitionList, PageHeader, Show, useApi } from '../components/ui.js';
import { dateTime, today } from '../labels.js';
import type { RecordItem } from '../types.js';

const FIELDS = ['finePaidDate', 'correctionConfirmedDate', 'evidence'];


export function Fulfilment({ recordId }: { recordId: string }) {
  const record = useApi(() => get<RecordItem>(`/penalties/${recordId}`), [recordId]);
  const eligibility = useApi(() => get<RepairEligibility>(`/penalties/${recordId}/repair-eligibility`), [recordId]);
  const form = useFormErrors(FIELDS, { formId: 'fulfilment' });
  const [v, setV] = useState({ finePaidDate: '', correctionConfirmedDate: '', evidence: '' });
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const needsPayment = eligibility.data?.paymentRequired !== false;

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setDone(null);
    const body: Record<string, string> = { evidence: v.evidence.trim() };
    if (v.finePaidDate) body.finePaidDate = v.finePaidDate;
    if (v.correctionConfirmedDate) body.correctionConfirmedDate = v.correctionConfirmedDate;
    setBusy(true);
    try {
      await post(`/penalties/${recordId}/fulfilment`, body);
      setV({ finePaidDate: '', correctionConfirmedDate: '', evidence: '' });
      setDone('已登记履行情况，修复条件已按登记重新判断');
      eligibility.reload();
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  const text = (k: keyof typeof v) => ({ ...form.input(k), value: v[k], onInput: (e: Event) => setV({ ...v, [k]: (e.currentTarget as HTMLInputElement).value }) });
  const f = eligibility.data?.fulfilment;
  return (
    <>
      <PageHeader title="履行登记">
        {record.data?.uscc ? (
          <a class="button" href={`#/enterprises/${record.data.uscc}`}>
            返回企业详情
          </a>
        ) : null}
      </PageHeader>
      {done ? (
        <div class="alert alert-ok" role="status" data-testid="fulfilment-done">
          {done}
          {eligibility.data?.eligible ? '：企业现在可以申请信用修复。' : '。'}
        </div>
      ) : null}
      <div class="grid-2">
        <Card title="行政处罚记录" id="record">
          <Show loaded={record} what="处罚记录">
            {(r) => (
              <DefinitionList
                items={[
                  ['企业', r.subjectName],
                  ['决定文书号', r.decisionNumber],
                  ['决定日期', r.decisionDate],
                  ['决定机关', r.authorityName],
                  ['处罚类别', (r.penaltyTypes ?? []).join('、')],
                  ['罚款金额', r.fineAmount !== undefined && r.fineAmount !== null ? `${r.fineAmount} 万元` : '—'],
                  ['最早可申请修复日期', r.repairEarliestDate],
                ]}
              />
            )}
          </Show>
        </Card>
        <Card title="信用修复条件" id="eligibility">
          <Show loaded={eligibility} what="修复条件">
            {(el) => <RepairConditions el={el} eligibleText="符合信用修复申请条件" ineligibleText="暂不符合信用修复申请条件" testId="fulfilment-eligibility" />}
          </Show>
        </Card>
      </div>
      {f ? (
        <Card title="已登记的履行情况" id="recorded">
          <DefinitionList
            items={[
              ['罚没款缴清日期', f.finePaidDate ?? '—'],
              ['违法行为纠正确认日期', f.correctionConfirmedDate ?? '—'],
              ['依据', f.evidence],
              ['登记时间', dateTime(f.updatedAt)],
            ]}
          />
        </Card>
      ) : null}
      <Card title="登记履行情况" id="register">
        <form id="fulfilment" class="form-grid" onSubmit={submit} noValidate>
          <ErrorSummary form={form} />
          {needsPayment ? (
            <Field form={form} name="finePaidDate" label="罚没款缴清日期" hint="以缴款凭证上的日期为准，不得早于处罚决定日期">
              <input {...text('finePaidDate')} type="date" max={today()} />
            </Field>
          ) : null}
          <Field form={form} name="correctionConfirmedDate" label="违法行为纠正确认日期" hint="决定机关确认违法行为已纠正、其他义务已履行完毕的日期">
            <input {...text('correctionConfirmedDate')} type="date" max={today()} />
          </Field>
          <Field form={form} name="evidence" label="依据" required wide hint="缴款凭证号、整改复查意见书文号等">
            <textarea {...text('evidence')} rows={3} />
          </Field>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? '正在提交…' : '登记'}
            </button>
          </div>
        </form>
      </Card>
    </>
  );
}

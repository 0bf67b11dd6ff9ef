/**
 * 惩戒反馈 (partner): record which joint-punishment measure this department applied to a listed unit, on which day,
 * under which of its own case numbers (POST /dishonesty-list/:id/measures). The unit's listings come from
 * GET /dishonesty-list/check; only the measures of the listing decision can be chosen.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Card, DefinitionList, PageHeader } from '../components/ui.js';
import { dateTime, today } from '../labels.js';
import { hashQuery } from '../router.js';
import type { CheckAnswer, Listing } from './partnerTypes.js';

interface Feedback {
  id: string;
  listingId: string;
  uscc: string;
  subjectName: string;
  partner: { id: string; name: string };
  measure: { code: string; text: string };
  appliedOn: string;
  caseNumber: string;
  note: string | null;
  at: string;
}

function FeedbackForm({ listing, onSaved }: { listing: Listing; onSaved: (f: Feedback) => void }) {
  const formId = `feedback-${listing.listingId}`;
  const form = useFormErrors(['measureCode', 'appliedOn', 'caseNumber', 'note'], { formId });
  const [v, setV] = useState({ measureCode: listing.measures[0]?.code ?? '', appliedOn: today(), caseNumber: '', note: '' });
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setBusy(true);
    try {
      const saved = await api<Feedback>(`/dishonesty-list/${listing.listingId}/measures`, {
        method: 'POST',
        json: { measureCode: v.measureCode, appliedOn: v.appliedOn, caseNumber: v.caseNumber, ...(v.note.trim() ? { note: v.note } : {}) },
      });
      setV({ ...v, caseNumber: '', note: '' });
      onSaved(saved);
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }
  const set = (k: keyof typeof v) => (e: Event) => setV({ ...v, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <form id={formId} class="form-grid" onSubmit={submit} noValidate data-testid="feedback-form">
      <ErrorSummary form={form} />
      <Field form={form} name="measureCode" label="实施的惩戒措施" required wide>
        <select {...form.input('measureCode')} value={v.measureCode} onChange={set('measureCode')}>
          {listing.measures.map((m) => (
            <option key={m.code} value={m.code}>
              {m.text}
            </option>
          ))}
        </select>
      </Field>
      <Field form={form} name="appliedOn" label="实施日期" required>
        <input {...form.input('appliedOn')} type="date" value={v.appliedOn} onInput={set('appliedOn')} />
      </Field>
      <Field form={form} name="caseNumber" label="本部门案件编号或文书号" required>
        <input {...form.input('caseNumber')} value={v.caseNumber} onInput={set('caseNumber')} />
      </Field>
      <Field form={form} name="note" label="说明" wide>
        <textarea {...form.input('note')} rows={2} value={v.note} onInput={set('note')} />
      </Field>
      <div class="form-actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? '正在登记…' : '登记反馈'}
        </button>
      </div>
    </form>
  );
}

export function PartnerFeedback({ path }: { path: string }) {
  const q = hashQuery(path);
  const [uscc, setUscc] = useState(q.get('uscc') ?? '');
  const [answer, setAnswer] = useState<CheckAnswer | null>(null);
  const [saved, setSaved] = useState<Feedback | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors(['uscc'], { formId: 'feedback-find' });

  async function find(code: string) {
    form.clear();
    setAnswer(null);
    setBusy(true);
    try {
      setAnswer(await get<CheckAnswer>('/dishonesty-list/check', { uscc: code.replace(/\s+/g, '').toUpperCase() }));
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }
  // Opened from a check result (…?uscc=): the unit's listings at once.
  useEffect(() => {
    if (q.get('uscc')) void find(q.get('uscc')!);
  }, []);

  const only = q.get('listing');
  const listings = answer ? answer.listings.filter((l) => !only || l.listingId === only || !answer.listings.some((x) => x.listingId === only)) : [];
  return (
    <>
      <PageHeader title="联合惩戒措施反馈" />
      <Card title="选择名单内的单位" id="feedback-find-card">
        <form
          id="feedback-find"
          class="form-grid"
          onSubmit={(e) => {
            e.preventDefault();
            setSaved(null);
            void find(uscc);
          }}
          noValidate
        >
          <ErrorSummary form={form} />
          <Field form={form} name="uscc" label="统一社会信用代码" required>
            <input {...form.input('uscc')} value={uscc} onInput={(e) => setUscc(e.currentTarget.value)} autoComplete="off" spellcheck={false} />
          </Field>
          <div class="form-actions">
            <button type="submit" disabled={busy}>
              {busy ? '正在查询…' : '查询名单'}
            </button>
          </div>
        </form>
        {answer && !answer.listed ? (
          <p class="alert alert-info" role="status">
            {answer.message}：不能登记惩戒措施。
          </p>
        ) : null}
      </Card>
      {saved ? (
        <div class="alert alert-ok" role="status" data-testid="feedback-saved">
          <strong>惩戒措施反馈已登记。</strong>
          <DefinitionList
            items={[
              ['被惩戒单位', `${saved.subjectName}（${saved.uscc}）`],
              ['惩戒措施', saved.measure.text],
              ['实施日期', saved.appliedOn],
              ['本部门案件编号', saved.caseNumber],
              ['登记部门', saved.partner.name],
              ['登记时间', dateTime(saved.at)],
            ]}
          />
        </div>
      ) : null}
      {listings.map((l) => (
        <Card key={l.listingId} title={`${l.subjectName}：${l.decisionNumber}`} id={`listing-${l.listingId}`}>
          <DefinitionList
            items={[
              ['列入事由', l.ground.text],
              ['决定机关', l.authorityName],
              ['列入期间', `${l.listingStart} 至 ${l.listingEnd}`],
            ]}
          />
          <FeedbackForm listing={l} onSaved={setSaved} />
        </Card>
      ))}
    </>
  );
}

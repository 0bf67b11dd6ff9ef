/**
 * 名单查询 (partner): is one subject — a unit by its 统一社会信用代码, a person by ID number — on the serious-dishonesty
 * list on a date, answered in words with the listing's ground, decision, period and measures. A unit's code goes to
 * GET /dishonesty-list/check; an ID number to the batch comparison with one row (the list is searched by ID number there).
 */
import { useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Badge, Card, DefinitionList, PageHeader } from '../components/ui.js';
import { hashQuery } from '../router.js';
import { isValidUscc } from '../../../src/lib/uscc.js';
import { compareFile, looksLikeIdNumber, RESULT_LABELS, RESULT_TONES, type CheckAnswer, type ComparisonResultCode, type Listing } from './partnerTypes.js';

/** One listing, in words. */
export function ListingDetails({ listing, subject }: { listing: Listing; subject?: { name: string; role: string; idNumber: string | null } }) {
  return (
    <div class="listing" data-testid="listing" data-listing-id={listing.listingId}>
      <DefinitionList
        items={[
          ...(subject && subject.role !== '单位' ? ([['列入人员', `${subject.role} ${subject.name}${subject.idNumber ? `（${subject.idNumber}）` : ''}`]] as [string, string][]) : []),
          ['单位名称', listing.subjectName],
          ['统一社会信用代码', <span class="mono">{listing.uscc}</span>],
          ['列入事由', listing.ground.text],
          ['列入决定书', `${listing.decisionNumber}（${listing.decisionDate}）`],
          ['决定机关', listing.authorityName],
          ['列入期间', `${listing.listingStart} 至 ${listing.listingEnd}`],
          [
            '惩戒措施',
            <ul class="plain">
              {listing.measures.map((m) => (
                <li key={m.code}>{m.text}</li>
              ))}
            </ul>,
          ],
          ...(listing.persons.length
            ? ([['同时列入的人员', listing.persons.map((p) => `${p.roleLabel} ${p.name}${p.idNumber ? `（${p.idNumber}）` : ''}`).join('；')]] as [string, string][])
            : []),
        ]}
      />
      <p>
        <a class="button small" href={`#/feedback?uscc=${encodeURIComponent(listing.uscc)}&listing=${listing.listingId}`}>
          登记惩戒措施反馈
        </a>
      </p>
    </div>
  );
}

interface Answer {
  input: string;
  date: string;
  result: ComparisonResultCode;
  subjectName: string | null;
  message: string;
  listings: { listing: Listing; subject?: { name: string; role: string; idNumber: string | null } }[];
  by: 'uscc' | 'idNumber';
}

export function PartnerCheck({ path }: { path: string }) {
  const initial = hashQuery(path);
  const [subject, setSubject] = useState(initial.get('uscc') ?? '');
  const [date, setDate] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<Answer | null>(null);
  const form = useFormErrors(['uscc', 'date'], { formId: 'check' });

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setAnswer(null);
    const v = subject.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
    setBusy(true);
    try {
      if (!isValidUscc(v) && looksLikeIdNumber(v)) {
        // A person: the batch comparison with one row finds listings by ID number (answered masked).
        const out = await compareFile(new Blob([`${v}\n`], { type: 'text/csv' }), 'text/csv', date || undefined);
        const r = out.results[0];
        setAnswer({
          input: r.input,
          date: out.date,
          result: r.result,
          subjectName: r.listings[0]?.subject.name ?? null,
          message: r.message,
          listings: r.listings.map((l) => ({ listing: l, subject: l.subject })),
          by: 'idNumber',
        });
      } else {
        const a = await get<CheckAnswer>('/dishonesty-list/check', { uscc: v, date: date || undefined });
        setAnswer({ input: a.uscc, date: a.date, result: a.listed ? 'listed' : 'not_listed', subjectName: a.subjectName, message: a.message, listings: a.listings.map((l) => ({ listing: l })), by: 'uscc' });
      }
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeader title="严重失信主体名单查询" />
      <Card title="查询一个主体" id="check-form">
        <form id="check" class="form-grid" onSubmit={submit} noValidate>
          <ErrorSummary form={form} />
          <Field form={form} name="uscc" label="统一社会信用代码或身份证号码" required hint="单位填 18 位统一社会信用代码；列入人员填 18 位居民身份证号码">
            <input {...form.input('uscc')} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} autoComplete="off" spellcheck={false} />
          </Field>
          <Field form={form} name="date" label="查询日期" hint="缺省为今天">
            <input {...form.input('date')} type="date" value={date} onInput={(e) => setDate(e.currentTarget.value)} />
          </Field>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? '正在查询…' : '查询'}
            </button>
          </div>
        </form>
      </Card>
      {answer ? (
        <Card title="查询结果" id="check-result">
          <div class={`alert ${answer.result === 'listed' ? 'alert-warn' : answer.result === 'invalid' ? 'alert-error' : 'alert-ok'}`} role="status" data-testid="check-answer" data-result={answer.result}>
            <p>
              <Badge tone={RESULT_TONES[answer.result]}>{RESULT_LABELS[answer.result]}</Badge>{' '}
              <strong>
                {answer.subjectName ?? answer.input}
                {answer.result === 'listed'
                  ? ` ${answer.date} 在安全生产严重失信主体名单内`
                  : answer.result === 'invalid'
                    ? `：${answer.by === 'idNumber' ? '证件号码' : '代码'}格式无效，无法判断是否在名单内`
                    : ` ${answer.date} 不在安全生产严重失信主体名单内`}
              </strong>
            </p>
            <p>{answer.message}</p>
          </div>
          {answer.listings.map((l) => (
            <ListingDetails key={l.listing.listingId + (l.subject?.name ?? '')} listing={l.listing} subject={l.subject} />
          ))}
        </Card>
      ) : null}
    </>
  );
}

/**
 * The steps of a listing case (严重失信主体名单), one form each, all through the API: 告知书, 送达, 陈述申辩,
 * 决定, 提前移出申请, 提前移出决定, 撤销移出决定, 复核列入依据. Each form reports the API's messages under
 * its fields and, when the step is done, hands a Chinese success message to the case page, which reloads.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { post } from '../api.js';
import { ErrorSummary, Field, useFormErrors, type FormErrorState } from '../components/form.js';
import { DefinitionList } from '../components/ui.js';
import { today, withProvisional } from '../labels.js';
import { measureApplies, RULES, SERVICE_METHODS, STATEMENT_LABELS, VIA_LABELS, type Application, type ListingCase, type Objection } from './listingModel.js';

export type Done = (message: string) => void;

/** Form state, busy flag and the one way a step is sent: the body without empty fields; the answer becomes the message. */
function useStep(formId: string, names: string[]) {
  const form = useFormErrors(names, { formId });
  const [busy, setBusy] = useState(false);
  async function send(path: string, body: Record<string, unknown>, done: Done, message: (answer: ListingCase) => string) {
    form.clear();
    const clean = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== '' && v !== undefined));
    setBusy(true);
    try {
      const answer = await post<ListingCase>(path, clean);
      done(message(answer));
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }
  return { form, busy, send };
}

function Submit({ busy, children }: { busy: boolean; children: ComponentChildren }) {
  return (
    <div class="form-actions">
      <button type="submit" class="primary" disabled={busy}>
        {busy ? '正在提交…' : children}
      </button>
    </div>
  );
}

function DateField({ form, name, label, value, onInput, hint }: { form: FormErrorState; name: string; label: string; value: string; onInput: (v: string) => void; hint?: string }) {
  return (
    <Field form={form} name={name} label={label} required hint={hint}>
      <input {...form.input(name)} type="date" value={value} max={today()} onInput={(e) => onInput(e.currentTarget.value)} />
    </Field>
  );
}

/** Measure checkboxes (codes sent, texts shown). */
function MeasureChoice({ form, options, value, onChange }: { form: FormErrorState; options: { code: string; text: string }[]; value: string[]; onChange: (v: string[]) => void }) {
  const messages = form.errors.fields.measures;
  const { id } = form.input('measures');
  return (
    <fieldset class={`field field-wide ${messages ? 'field-invalid' : ''}`} aria-describedby={messages ? `${id}-error` : undefined}>
      <legend>惩戒措施</legend>
      <div class="checks checks-column">
        {options.map((m, i) => (
          <label key={m.code} class="check">
            <input type="checkbox" name="measures" id={i === 0 ? id : undefined} checked={value.includes(m.code)} onChange={(e) => onChange(e.currentTarget.checked ? [...value, m.code] : value.filter((x) => x !== m.code))} />
            {m.text}
          </label>
        ))}
      </div>
      {messages ? (
        <p class="field-error" id={`${id}-error`} data-path="measures">
          {messages.join('；')}
        </p>
      ) : null}
    </fieldset>
  );
}

/** 制发告知书 (clerk, proposed). */
export function NoticeForm({ c, done }: { c: ListingCase; done: Done }) {
  const { form, busy, send } = useStep('notice', ['number', 'issuedOn', 'reasons', 'measures']);
  const subjects = { unit: c.unitListed, persons: c.persons.length > 0 };
  const options = RULES.measures.filter((m) => measureApplies(m, subjects));
  const [v, setV] = useState({ number: '', issuedOn: today(), reasons: c.facts });
  const [measures, setMeasures] = useState(options.filter((m) => m.default).map((m) => m.code));
  return (
    <form
      id="notice"
      class="form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void send(`/dishonesty-list/${c.id}/notice`, { ...v, measures }, done, (a) => `已制发告知书（${a.notice?.number ?? v.number}），请登记送达`);
      }}
    >
      <ErrorSummary form={form} />
      <Field form={form} name="number" label="告知书文号" required>
        <input {...form.input('number')} value={v.number} onInput={(e) => setV({ ...v, number: e.currentTarget.value })} />
      </Field>
      <DateField form={form} name="issuedOn" label="告知书日期" value={v.issuedOn} onInput={(x) => setV({ ...v, issuedOn: x })} hint={`不早于提请日期 ${c.proposal.proposedOn}`} />
      <Field form={form} name="reasons" label="告知的事实和理由" required wide>
        <textarea {...form.input('reasons')} rows={3} value={v.reasons} onInput={(e) => setV({ ...v, reasons: e.currentTarget.value })} />
      </Field>
      <MeasureChoice form={form} options={options} value={measures} onChange={setMeasures} />
      <Submit busy={busy}>制发告知书</Submit>
    </form>
  );
}

/** 登记送达 (clerk, notified): the objection period runs from the next day. */
export function ServiceForm({ c, done }: { c: ListingCase; done: Done }) {
  const { form, busy, send } = useStep('service', ['servedOn', 'method', 'recipient']);
  const [v, setV] = useState({ servedOn: today(), method: SERVICE_METHODS[0] as string, recipient: '' });
  return (
    <form
      id="service"
      class="form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void send(`/dishonesty-list/${c.id}/notice/service`, v, done, (a) => `已登记送达，陈述申辩期至 ${withProvisional(a.objectionPeriod?.deadline, a.provisionalDates, 'objectionPeriod.deadline')}`);
      }}
    >
      <ErrorSummary form={form} />
      <DateField form={form} name="servedOn" label="送达日期" value={v.servedOn} onInput={(x) => setV({ ...v, servedOn: x })} hint={`陈述申辩期自送达次日起 ${RULES.objectionWorkingDays} 个工作日`} />
      <Field form={form} name="method" label="送达方式" required>
        <select {...form.input('method')} value={v.method} onChange={(e) => setV({ ...v, method: e.currentTarget.value })}>
          {SERVICE_METHODS.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </Field>
      <Field form={form} name="recipient" label="签收人" required>
        <input {...form.input('recipient')} value={v.recipient} onInput={(e) => setV({ ...v, recipient: e.currentTarget.value })} />
      </Field>
      <Submit busy={busy}>登记送达</Submit>
    </form>
  );
}

/** 陈述申辩 or its express waiver (the enterprise itself, or a clerk recording it with its date). */
export function ObjectionForm({ c, done, clerk }: { c: ListingCase; done: Done; clerk: boolean }) {
  const { form, busy, send } = useStep('objection', ['kind', 'submittedOn', 'content', 'evidence']);
  const [v, setV] = useState({ kind: 'statement', submittedOn: today(), content: '', evidence: '' });
  const waiver = v.kind === 'waiver';
  return (
    <form
      id="objection"
      class="form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const body = { kind: v.kind, content: v.content, evidence: waiver ? '' : v.evidence, submittedOn: clerk ? v.submittedOn : '' };
        void send(`/dishonesty-list/${c.id}/objections`, body, done, () => (waiver ? '已登记放弃陈述申辩' : clerk ? '已记录陈述申辩意见' : '陈述申辩意见已提交，决定机关将进行复核'));
      }}
    >
      <ErrorSummary form={form} />
      <fieldset class="field field-wide">
        <legend>{clerk ? '当事人的意见' : '本单位的意见'}</legend>
        <div class="checks">
          <label class="check">
            <input type="radio" name="kind" value="statement" checked={!waiver} onChange={() => setV({ ...v, kind: 'statement' })} />
            提出陈述、申辩意见
          </label>
          <label class="check">
            <input type="radio" name="kind" value="waiver" checked={waiver} onChange={() => setV({ ...v, kind: 'waiver' })} />
            明确放弃陈述申辩
          </label>
        </div>
      </fieldset>
      {clerk ? <DateField form={form} name="submittedOn" label="提出日期" value={v.submittedOn} onInput={(x) => setV({ ...v, submittedOn: x })} hint={`须在陈述申辩期内（至 ${c.objectionPeriod?.deadline ?? '—'}）`} /> : null}
      <Field form={form} name="content" label={waiver ? '说明' : '陈述、申辩意见'} required={!waiver} wide>
        <textarea {...form.input('content')} rows={4} value={v.content} onInput={(e) => setV({ ...v, content: e.currentTarget.value })} />
      </Field>
      {!waiver ? (
        <Field form={form} name="evidence" label="证据材料（名称、份数）" wide>
          <textarea {...form.input('evidence')} rows={2} value={v.evidence} onInput={(e) => setV({ ...v, evidence: e.currentTarget.value })} />
        </Field>
      ) : null}
      <Submit busy={busy}>{waiver ? '确认放弃' : clerk ? '记录陈述申辩' : '提交陈述申辩'}</Submit>
    </form>
  );
}

/** The statements a decision must answer, as the subject made them. */
export function StatementsList({ objections }: { objections: Objection[] }) {
  return (
    <ol class="statements">
      {objections.map((o) => (
        <li key={o.no} data-testid="statement">
          <div class="muted small">
            {o.submittedOn} · {VIA_LABELS[o.via]}
            {o.via === 'clerk' ? `（${o.byName}）` : ''}
          </div>
          <p class="statement-text">{o.content}</p>
          {o.evidence ? <p class="small">证据材料：{o.evidence}</p> : null}
        </li>
      ))}
    </ol>
  );
}

/** 作出决定 (reviewer): list or not, answering the statements shown above the form. */
export function DecisionForm({ c, done }: { c: ListingCase; done: Done }) {
  const { form, busy, send } = useStep('decision', ['outcome', 'decidedOn', 'decisionNumber', 'reasons', 'objectionResponse', 'measures']);
  const objections = c.objections ?? [];
  const [v, setV] = useState({ outcome: 'list', decidedOn: today(), decisionNumber: '', reasons: '', objectionResponse: '' });
  const subjects = { unit: c.unitListed, persons: c.persons.length > 0 };
  const options = RULES.measures.filter((m) => measureApplies(m, subjects));
  const [measures, setMeasures] = useState((c.notice?.measures ?? []).map((m) => m.code));
  const list = v.outcome === 'list';
  return (
    <form
      id="decision"
      class="form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const body = { ...v, measures: list ? measures : undefined };
        void send(`/dishonesty-list/${c.id}/decision`, body, done, (a) =>
          a.decision?.outcome === 'list' ? `已作出列入决定（${a.decision.decisionNumber}），列入期间 ${a.listing?.start} 至 ${a.listing?.end}` : '已作出不予列入决定',
        );
      }}
    >
      <ErrorSummary form={form} />
      <div class="field field-wide">
        <h3 class="subhead">待答复的陈述申辩</h3>
        {objections.length ? (
          <StatementsList objections={objections} />
        ) : c.waiver ? (
          <p class="muted">当事人已于 {c.waiver.waivedOn} 明确放弃陈述申辩。</p>
        ) : (
          <p class="muted">当事人在陈述申辩期（至 {c.objectionPeriod?.deadline}）内未提出陈述、申辩意见。</p>
        )}
      </div>
      <Field form={form} name="outcome" label="决定" required>
        <select {...form.input('outcome')} value={v.outcome} onChange={(e) => setV({ ...v, outcome: e.currentTarget.value })}>
          <option value="list">列入严重失信主体名单</option>
          <option value="not_list">不予列入</option>
        </select>
      </Field>
      <DateField form={form} name="decidedOn" label="决定日期" value={v.decidedOn} onInput={(x) => setV({ ...v, decidedOn: x })} hint={list ? `自决定之日起列入 ${RULES.listingYears} 年` : undefined} />
      <Field form={form} name="decisionNumber" label={list ? '列入决定书文号' : '决定书文号'} required={list}>
        <input {...form.input('decisionNumber')} value={v.decisionNumber} onInput={(e) => setV({ ...v, decisionNumber: e.currentTarget.value })} />
      </Field>
      {list ? <MeasureChoice form={form} options={options} value={measures} onChange={setMeasures} /> : null}
      <Field form={form} name="reasons" label="决定理由" required wide>
        <textarea {...form.input('reasons')} rows={3} value={v.reasons} onInput={(e) => setV({ ...v, reasons: e.currentTarget.value })} />
      </Field>
      <Field form={form} name="objectionResponse" label="对陈述申辩意见的采纳情况及理由" required={objections.length > 0} wide>
        <textarea {...form.input('objectionResponse')} rows={3} value={v.objectionResponse} onInput={(e) => setV({ ...v, objectionResponse: e.currentTarget.value })} />
      </Field>
      <Submit busy={busy}>提交决定</Submit>
    </form>
  );
}

/** 申请提前移出 (the enterprise, or a clerk registering it with its date): the three declarations, the commitment, evidence. */
export function ApplicationForm({ c, done, clerk }: { c: ListingCase; done: Done; clerk: boolean }) {
  const { form, busy, send } = useStep('application', ['appliedOn', 'statements', 'commitment', 'evidence']);
  const [v, setV] = useState({ appliedOn: today(), commitment: '', evidence: '' });
  const [statements, setStatements] = useState({ penaltyFulfilled: false, hazardRectified: false, commitment: false });
  const messages = form.errors.fields.statements;
  return (
    <form
      id="application"
      class="form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const body = { statements, commitment: v.commitment, evidence: v.evidence, appliedOn: clerk ? v.appliedOn : '' };
        void send(`/dishonesty-list/${c.id}/removal-applications`, body, done, (a) => {
          const last = a.applications?.at(-1);
          return `提前移出申请已提交${last ? `，决定机关应于 ${withProvisional(last.deadline, a.provisionalDates, `applications.${(a.applications?.length ?? 1) - 1}.deadline`)} 前作出决定` : ''}`;
        });
      }}
    >
      <ErrorSummary form={form} />
      <fieldset class={`field field-wide ${messages ? 'field-invalid' : ''}`}>
        <legend>{clerk ? '申请人声明' : '本单位声明'}</legend>
        <div class="checks checks-column">
          {(Object.keys(STATEMENT_LABELS) as (keyof typeof STATEMENT_LABELS)[]).map((k) => (
            <label key={k} class="check">
              <input type="checkbox" name={`statements.${k}`} checked={statements[k]} onChange={(e) => setStatements({ ...statements, [k]: e.currentTarget.checked })} />
              {STATEMENT_LABELS[k]}
            </label>
          ))}
        </div>
        {messages ? <p class="field-error">{messages.join('；')}</p> : null}
      </fieldset>
      {clerk ? <DateField form={form} name="appliedOn" label="申请日期" value={v.appliedOn} onInput={(x) => setV({ ...v, appliedOn: x })} /> : null}
      <Field form={form} name="commitment" label="信用承诺书内容" required wide>
        <textarea {...form.input('commitment')} rows={3} value={v.commitment} onInput={(e) => setV({ ...v, commitment: e.currentTarget.value })} />
      </Field>
      <Field form={form} name="evidence" label="证明材料（名称、份数）" required wide>
        <textarea {...form.input('evidence')} rows={2} value={v.evidence} onInput={(e) => setV({ ...v, evidence: e.currentTarget.value })} />
      </Field>
      <Submit busy={busy}>{clerk ? '登记提前移出申请' : '提交提前移出申请'}</Submit>
    </form>
  );
}

/** What an application declares, for the reviewer (and the applicant). */
export function ApplicationDetail({ a }: { a: Application }) {
  return (
    <DefinitionList
      items={[
        ['申请日期', a.appliedOn],
        ['提出方式', VIA_LABELS[a.via]],
        ['声明', <ul class="plain">{(Object.keys(STATEMENT_LABELS) as (keyof typeof STATEMENT_LABELS)[]).map((k) => <li key={k}>{a.statements[k] ? '✓' : '✗'} {STATEMENT_LABELS[k]}</li>)}</ul>],
        ['信用承诺', <span class="statement-text">{a.commitment}</span>],
        ['证明材料', a.evidence],
      ]}
    />
  );
}

/** 提前移出决定 (reviewer): on the pending application. */
export function RemovalDecisionForm({ c, application, done }: { c: ListingCase; application: Application; done: Done }) {
  const { form, busy, send } = useStep('removal-decision', ['approved', 'decidedOn', 'reasons']);
  const [v, setV] = useState({ approved: 'true', decidedOn: today(), reasons: '' });
  const approved = v.approved === 'true';
  return (
    <form
      id="removal-decision"
      class="form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void send(`/dishonesty-list/${c.id}/removal-decision`, { approved, decidedOn: v.decidedOn, reasons: v.reasons }, done, (a) =>
          approved ? `已准予提前移出，自 ${a.listing?.removedOn ?? v.decidedOn} 起移出名单` : '已作出不予提前移出决定',
        );
      }}
    >
      <ErrorSummary form={form} />
      <div class="field field-wide">
        <h3 class="subhead">提前移出申请 {application.no}</h3>
        <ApplicationDetail a={application} />
      </div>
      <fieldset class="field field-wide">
        <legend>决定</legend>
        <div class="checks">
          <label class="check">
            <input type="radio" name="approved" value="true" checked={approved} onChange={() => setV({ ...v, approved: 'true' })} />
            准予提前移出
          </label>
          <label class="check">
            <input type="radio" name="approved" value="false" checked={!approved} onChange={() => setV({ ...v, approved: 'false' })} />
            不予提前移出
          </label>
        </div>
      </fieldset>
      <DateField form={form} name="decidedOn" label="决定日期" value={v.decidedOn} onInput={(x) => setV({ ...v, decidedOn: x })} hint={`应于 ${application.deadline} 前作出决定`} />
      <Field form={form} name="reasons" label="决定理由" required wide>
        <textarea {...form.input('reasons')} rows={3} value={v.reasons} onInput={(e) => setV({ ...v, reasons: e.currentTarget.value })} />
      </Field>
      <Submit busy={busy}>提交决定</Submit>
    </form>
  );
}

/** 撤销提前移出决定 (reviewer): removal obtained by false statements; listed again up to the original end. */
export function RevocationForm({ c, done }: { c: ListingCase; done: Done }) {
  const { form, busy, send } = useStep('revocation', ['revokedOn', 'reasons']);
  const [v, setV] = useState({ revokedOn: today(), reasons: '' });
  return (
    <form
      id="revocation"
      class="form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void send(`/dishonesty-list/${c.id}/removal-revocation`, v, done, (a) => `已撤销提前移出决定，恢复列入至 ${a.listing?.end ?? ''}`);
      }}
    >
      <ErrorSummary form={form} />
      <p class="muted small field-wide">以提供虚假材料等不正当手段取得移出的，撤销移出决定，恢复列入，截止日期不变。</p>
      <DateField form={form} name="revokedOn" label="撤销日期" value={v.revokedOn} onInput={(x) => setV({ ...v, revokedOn: x })} />
      <Field form={form} name="reasons" label="撤销理由" required wide>
        <textarea {...form.input('reasons')} rows={3} value={v.reasons} onInput={(e) => setV({ ...v, reasons: e.currentTarget.value })} />
      </Field>
      <Submit busy={busy}>撤销移出决定</Submit>
    </form>
  );
}

/** 复核列入依据 (reviewer, suspended): uphold on the remaining penalties, or revoke the listing. */
export function BasisReviewForm({ c, done }: { c: ListingCase; done: Done }) {
  const { form, busy, send } = useStep('basis', ['outcome', 'decidedOn', 'reasons']);
  const [v, setV] = useState({ outcome: 'uphold', decidedOn: today(), reasons: '' });
  return (
    <form
      id="basis"
      class="form-grid"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void send(`/dishonesty-list/${c.id}/basis-review`, v, done, (a) => `复核完成：${a.statusLabel}`);
      }}
    >
      <ErrorSummary form={form} />
      <Field form={form} name="outcome" label="复核结论" required>
        <select {...form.input('outcome')} value={v.outcome} onChange={(e) => setV({ ...v, outcome: e.currentTarget.value })}>
          <option value="uphold">维持列入（其余行政处罚仍足以支持列入）</option>
          <option value="revoke">撤销列入决定</option>
        </select>
      </Field>
      <DateField form={form} name="decidedOn" label="复核决定日期" value={v.decidedOn} onInput={(x) => setV({ ...v, decidedOn: x })} />
      <Field form={form} name="reasons" label="复核理由" required wide>
        <textarea {...form.input('reasons')} rows={3} value={v.reasons} onInput={(e) => setV({ ...v, reasons: e.currentTarget.value })} />
      </Field>
      <Submit busy={busy}>提交复核决定</Submit>
    </form>
  );
}

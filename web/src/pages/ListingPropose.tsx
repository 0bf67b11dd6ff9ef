/**
 * 提请列入严重失信主体名单 (clerk): the unit, the ground (its article and text, from config/dishonesty.json), the
 * penalty decisions of that unit it rests on, the facts, and — where the ground allows — the persons listed with it.
 */
import { useState } from 'preact/hooks';
import { get, post } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Card, PageHeader, Show, useApi } from '../components/ui.js';
import { today } from '../labels.js';
import { hashQuery, navigate } from '../router.js';
import type { Enterprise, Page, RecordItem } from '../types.js';
import { carryMessage } from './ListingCase.js';
import { groundRule, PERSON_ROLE_LABELS, RULES, type ListingCase } from './listingModel.js';

interface PersonRow {
  role: string;
  name: string;
  idNumber: string;
  position: string;
}

export function ListingPropose({ path }: { path: string }) {
  const uscc = hashQuery(path).get('uscc') ?? '';
  const enterprise = useApi(() => get<Enterprise>(`/enterprises/${uscc}`), [uscc]);
  const records = useApi(() => get<Page<RecordItem>>(`/enterprises/${uscc}/records`, { limit: 500 }), [uscc]);
  const form = useFormErrors(['groundCode', 'penaltyIds', 'facts', 'proposedOn', 'persons', 'uscc'], { formId: 'propose' });
  const [ground, setGround] = useState('');
  const [penaltyIds, setPenaltyIds] = useState<string[]>([]);
  const [facts, setFacts] = useState('');
  const [proposedOn, setProposedOn] = useState(today());
  const [persons, setPersons] = useState<PersonRow[]>([]);
  const [busy, setBusy] = useState(false);
  const rule = groundRule(ground);
  const roles = rule?.personRoles ?? [];

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setBusy(true);
    try {
      const body = {
        uscc,
        groundCode: ground,
        penaltyIds,
        facts,
        proposedOn,
        persons: persons.map((p) => ({ role: p.role, name: p.name, idNumber: p.idNumber, ...(p.position.trim() ? { position: p.position } : {}) })),
      };
      const created = await post<ListingCase>('/dishonesty-list/proposals', body);
      carryMessage('已提请列入严重失信主体名单，请制发告知书');
      navigate(`/listing/${created.id}`);
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  const setPerson = (i: number, patch: Partial<PersonRow>) => setPersons(persons.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  const groundMessages = form.errors.fields.groundCode;
  const penaltyMessages = form.errors.fields.penaltyIds;
  const personMessages = form.errors.fields.persons;
  return (
    <>
      <PageHeader title="提请列入严重失信主体名单">
        <a class="button" href={`#/enterprises/${uscc}`}>
          返回企业
        </a>
      </PageHeader>
      <Card>
        <Show loaded={enterprise} what="企业信息">
          {(ent) => (
            <p>
              拟列入单位：<strong>{ent.name}</strong> <span class="mono small">{ent.uscc}</span>
            </p>
          )}
        </Show>
        <form id="propose" class="form-grid" noValidate onSubmit={submit}>
          <ErrorSummary form={form} />
          <fieldset class={`field field-wide ${groundMessages ? 'field-invalid' : ''}`}>
            <legend>
              列入事由<span class="required"> *</span>
            </legend>
            <p class="hint">{RULES.legalBasis}</p>
            <div class="checks checks-column">
              {RULES.grounds.map((g, i) => (
                <label key={g.code} class="check">
                  <input type="radio" name="groundCode" id={i === 0 ? form.input('groundCode').id : undefined} value={g.code} checked={ground === g.code} onChange={() => setGround(g.code)} />
                  <span>
                    <strong>{g.article}</strong>：{g.text}
                  </span>
                </label>
              ))}
            </div>
            {groundMessages ? <p class="field-error" data-path="groundCode">{groundMessages.join('；')}</p> : null}
          </fieldset>
          <fieldset class={`field field-wide ${penaltyMessages ? 'field-invalid' : ''}`}>
            <legend>
              据以列入的行政处罚决定<span class="required"> *</span>
            </legend>
            <Show loaded={records} what="处罚记录">
              {(page) => {
                const penalties = page.items.filter((r) => r.kind === 'penalty' && r.lifecycle !== 'revoked');
                if (!penalties.length) return <p class="muted">该单位没有可引用的行政处罚记录。</p>;
                return (
                  <div class="checks checks-column">
                    {penalties.map((r, i) => (
                      <label key={r.id} class="check">
                        <input type="checkbox" name="penaltyIds" id={i === 0 ? form.input('penaltyIds').id : undefined} checked={penaltyIds.includes(r.id)} onChange={(e) => setPenaltyIds(e.currentTarget.checked ? [...penaltyIds, r.id] : penaltyIds.filter((x) => x !== r.id))} />
                        <span>
                          {r.decisionNumber}（{r.decisionDate}，{r.authorityName}）{r.severity ? ` · ${r.severity}` : ''}
                        </span>
                      </label>
                    ))}
                  </div>
                );
              }}
            </Show>
            <p class="hint">须为同一机关作出的处罚（谁处罚、谁决定）。</p>
            {penaltyMessages ? <p class="field-error" data-path="penaltyIds">{penaltyMessages.join('；')}</p> : null}
          </fieldset>
          <Field form={form} name="facts" label="列入的事实和理由" required wide>
            <textarea {...form.input('facts')} rows={4} value={facts} onInput={(e) => setFacts(e.currentTarget.value)} />
          </Field>
          <Field form={form} name="proposedOn" label="提请日期" required>
            <input {...form.input('proposedOn')} type="date" max={today()} value={proposedOn} onInput={(e) => setProposedOn(e.currentTarget.value)} />
          </Field>
          <fieldset class={`field field-wide ${personMessages ? 'field-invalid' : ''}`}>
            <legend>同时列入的人员</legend>
            {!rule ? (
              <p class="hint">选择列入事由后填写。</p>
            ) : roles.length === 0 ? (
              <p class="hint">该事由不列入人员。</p>
            ) : (
              <p class="hint">
                该事由可列入：{roles.map((r) => PERSON_ROLE_LABELS[r]).join('、')}
                {rule.unit ? '（可不填）' : '；只列入主要负责人，不列入单位：须填写主要负责人'}
              </p>
            )}
            {persons.map((p, i) => (
              <div class="person-row" key={i}>
                <label>
                  身份
                  <select name={`persons.${i}.role`} value={p.role} onChange={(e) => setPerson(i, { role: e.currentTarget.value })}>
                    {roles.map((r) => (
                      <option key={r} value={r}>
                        {PERSON_ROLE_LABELS[r]}
                      </option>
                    ))}
                  </select>
                </label>
                <label>
                  姓名
                  <input name={`persons.${i}.name`} value={p.name} onInput={(e) => setPerson(i, { name: e.currentTarget.value })} />
                </label>
                <label>
                  身份证号码
                  <input name={`persons.${i}.idNumber`} value={p.idNumber} onInput={(e) => setPerson(i, { idNumber: e.currentTarget.value })} />
                </label>
                <label>
                  职务
                  <input name={`persons.${i}.position`} value={p.position} onInput={(e) => setPerson(i, { position: e.currentTarget.value })} />
                </label>
                <button type="button" class="link" onClick={() => setPersons(persons.filter((_, j) => j !== i))}>
                  删除
                </button>
              </div>
            ))}
            {roles.length > 0 ? (
              <div class="form-actions">
                <button type="button" onClick={() => setPersons([...persons, { role: roles[0], name: '', idNumber: '', position: '' }])}>
                  添加人员
                </button>
              </div>
            ) : null}
            {personMessages ? <p class="field-error" data-path="persons">{personMessages.join('；')}</p> : null}
          </fieldset>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy}>
              {busy ? '正在提交…' : '提请列入'}
            </button>
          </div>
        </form>
      </Card>
    </>
  );
}

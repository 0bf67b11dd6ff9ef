/**
 * The procedure's written documents as HTML, pure: the notice (严重失信主体名单列入告知书) and the
 * decision (列入决定书 / 不予列入决定书). Every value is escaped; ID numbers are masked unless the reader's
 * role needs them (decided by the caller).
 */
import { maskIdNumber } from '../../lib/mask.js';
import { PERSON_ROLE_LABELS, groundOf, measureOf, type DishonestyRules } from './rules.js';

/** Who the listing names: the unit (with its persons), or — on a ground listing the principal person only (art. 6(5)) — the persons alone. */
function whom(doc: Pick<CaseDoc, 'unitListed' | 'persons'>): string {
  if (doc.unitListed === false) return '上述主要负责人（不列入单位）';
  return `你单位${doc.persons.length ? '及上述相关人员' : ''}`;
}
import type { CaseDoc } from './model.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:"SimSun","Songti SC",serif;max-width:46em;margin:2em auto;line-height:1.8}h1{text-align:center;font-size:1.5em}.no{text-align:center}.sign{text-align:right;margin-top:3em}table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .6em}</style>
</head><body>
<h1>${esc(title)}</h1>
${body}
</body></html>
`;
}

function subjectBlock(doc: CaseDoc, mask: boolean): string {
  const persons = doc.persons.length
    ? `<p>相关人员：</p><table><tr><th>身份</th><th>姓名</th><th>证件类型</th><th>证件号码</th><th>职务</th></tr>${doc.persons
        .map((p) => `<tr><td>${esc(PERSON_ROLE_LABELS[p.role])}</td><td>${esc(p.name)}</td><td>${esc(p.idType)}</td><td>${esc(mask ? maskIdNumber(p.idNumber) : p.idNumber)}</td><td>${esc(p.position ?? '')}</td></tr>`)
        .join('')}</table>`
    : '';
  return `<p>当事人：${esc(doc.subjectName)}（统一社会信用代码：${esc(doc.uscc)}）</p>${persons}`;
}

/** Free text as a clause inside a sentence: without its own closing punctuation (so "。。" never appears). */
export const clause = (text: unknown) => String(text ?? '').replace(/[\s。．.；;，,、]+$/u, '');
/** Free text as a whole sentence: exactly one closing "。" (none for empty text). */
export const sentence = (text: unknown) => (clause(text) ? `${clause(text)}。` : '');

const list = (items: string[]) => `<ol>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ol>`;
const measureTexts = (codes: string[], rules: DishonestyRules) => codes.map((c) => measureOf(c, rules)?.text ?? c);
const penalties = (doc: CaseDoc) => doc.penalties.map((p) => `${p.decisionNumber}（${p.decisionDate}）`).join('、');

/** 告知书: reasons, basis, proposed measures, rights and the period to state one's case. */
export function renderNotice(doc: CaseDoc, rules: DishonestyRules, mask: boolean): string {
  const n = doc.notice!;
  const service = doc.service
    ? `<p>送达：${esc(doc.service.servedOn)}，${esc(doc.service.method)}，签收人 ${esc(doc.service.recipient)}。陈述申辩期至 ${esc(doc.service.deadline)}。</p>`
    : `<p>送达：尚未送达。陈述申辩期自送达之日起 ${rules.objectionWorkingDays} 个工作日。</p>`;
  return page(
    '安全生产严重失信主体名单列入告知书',
    `<p class="no">${esc(n.number)}</p>
${subjectBlock(doc, mask)}
<p>经查，${esc(sentence(n.reasons))}</p>
<p>上述事实有${esc(penalties(doc))}等行政处罚决定为据。</p>
<p>依据${esc(n.basis)}，本机关拟将${whom(doc)}列入安全生产严重失信主体名单，列入期限为自列入之日起 ${rules.listingYears} 年，并依法采取以下惩戒措施：</p>
${list(measureTexts(n.measures, rules))}
<p>你${doc.persons.length ? '们' : '单位'}依法享有以下权利：</p>
${list(n.rights)}
${service}
<p class="sign">${esc(doc.authorityName)}<br>${esc(n.issuedOn)}</p>`,
  );
}

/** 列入决定书 (or 不予列入决定书): decision, period, measures, removal conditions, remedies. */
export function renderDecision(doc: CaseDoc, rules: DishonestyRules, mask: boolean): string {
  const d = doc.decision!;
  const statements = doc.objections.length
    ? `<p>当事人在陈述申辩期内提出了陈述、申辩意见（${doc.objections.map((o) => esc(o.submittedOn)).join('、')}）。${esc(sentence(d.objectionResponse))}</p>`
    : doc.waiver
      ? `<p>当事人于 ${esc(doc.waiver.waivedOn)} 明确放弃陈述、申辩。</p>`
      : `<p>当事人在陈述申辩期（至 ${esc(doc.service?.deadline ?? '')}）内未提出陈述、申辩意见。</p>`;
  const head = `${subjectBlock(doc, mask)}
<p>本机关于 ${esc(doc.notice?.issuedOn ?? '')} 向你单位制发《安全生产严重失信主体名单列入告知书》（${esc(doc.notice?.number ?? '')}），于 ${esc(doc.service?.servedOn ?? '')} 送达。</p>
${statements}`;
  if (d.outcome === 'not_list') {
    return page(
      '不予列入安全生产严重失信主体名单决定书',
      `${d.decisionNumber ? `<p class="no">${esc(d.decisionNumber)}</p>` : ''}
${head}
<p>经审查，${esc(sentence(d.reasons))}本机关决定不将${whom(doc)}列入安全生产严重失信主体名单。</p>
<p class="sign">${esc(doc.authorityName)}<br>${esc(d.decidedOn)}</p>`,
    );
  }
  return page(
    '安全生产严重失信主体名单列入决定书',
    `<p class="no">${esc(d.decisionNumber)}</p>
${head}
<p>经审查，${esc(sentence(d.reasons))}存在${esc(rules.legalBasis)}${esc(groundOf(doc.groundCode, rules)?.article ?? '')}规定的情形（${esc(doc.groundCode)}）：${esc(clause(doc.groundText))}（据以列入的行政处罚决定：${esc(penalties(doc))}）。</p>
<p>本机关决定将${whom(doc)}列入安全生产严重失信主体名单，列入期限自 ${esc(d.start)} 至 ${esc(d.end)}，并通过信用平台向社会公开、推送有关部门实施联合惩戒。惩戒措施：</p>
${list(measureTexts(d.measures, rules))}
<p>移出条件：</p>
${list(d.removalConditions)}
<p>${esc(rules.remedies)}</p>
<p class="sign">${esc(doc.authorityName)}<br>${esc(d.decidedOn)}</p>`,
  );
}

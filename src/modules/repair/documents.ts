/**
 * Printable documents of credit repair, as self-contained HTML (zh-CN, A4 print styles):
 * the repair notice served with a penalty decision (信用修复告知书, "两书同达") and the decision letter of an
 * application (信用修复决定书 / 不予信用修复决定书 / 不予受理通知书). Every value is HTML-escaped.
 */
import type { LegalDate } from '../../lib/calendar.js';
import { creditRules, type RecordDoc } from '../records/index.js';
import type { RepairDoc } from './model.js';
import type { Eligibility, RepairConfig } from './rules.js';
import { AppError } from '../../http/errors.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** 2026-11-02 → 2026年11月2日 */
export function cnDate(d: LegalDate | null | undefined): string {
  if (!d) return '';
  const [y, m, day] = d.split('-').map(Number);
  return `${y}年${m}月${day}日`;
}

function ruleVersionName(id: string): string {
  return creditRules().ruleVersions.find((v) => v.id === id)?.name ?? id;
}

/** The commitment text an enterprise may adopt (shown in the notice; the application carries the text it accepts). */
export const COMMITMENT_TEMPLATE =
  '本单位郑重承诺：已纠正相关违法行为，已履行行政处罚决定规定的全部义务；所提交的申请材料真实、准确、完整，不存在虚假记载或隐瞒；' +
  '今后将严格遵守安全生产法律法规，依法诚信经营。如违反上述承诺，自愿接受撤销信用修复决定、恢复公示等处理，并依法承担相应责任。';

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>${esc(title)}</title>
<style>
  @page { size: A4; margin: 25mm 22mm; }
  body { font-family: "FangSong", "STFangsong", "SimSun", "Songti SC", serif; font-size: 16pt; line-height: 1.8; color: #000; max-width: 170mm; margin: 0 auto; padding: 12mm 0; }
  h1 { font-family: "SimHei", "Heiti SC", sans-serif; font-size: 22pt; text-align: center; margin: 0 0 4mm; letter-spacing: 2pt; }
  .authority { text-align: center; font-size: 18pt; margin-bottom: 2mm; }
  .number { text-align: center; margin-bottom: 8mm; }
  p { text-indent: 2em; margin: 0 0 2mm; }
  p.addressee, p.sign, p.date { text-indent: 0; }
  p.sign, p.date { text-align: right; }
  p.sign { margin-top: 12mm; }
  h2 { font-family: "SimHei", "Heiti SC", sans-serif; font-size: 16pt; margin: 5mm 0 2mm; }
  ol { margin: 0 0 2mm 2em; padding-left: 1em; }
  .box { border: 1px solid #000; padding: 3mm 5mm; margin: 3mm 0; }
  .box p { text-indent: 0; }
  .meta { font-size: 10.5pt; color: #444; border-top: 1px solid #999; margin-top: 10mm; padding-top: 2mm; }
  .meta p { text-indent: 0; margin: 0; }
  @media print { body { padding: 0; } .meta { color: #000; } }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const list = (items: string[]) => `<ol>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ol>`;

const addressee = (subjectName: string, uscc: string | null | undefined) =>
  `<p class="addressee">${esc(subjectName)}${uscc ? `（统一社会信用代码：${esc(uscc)}）` : ''}：</p>`;

/** 信用修复告知书: served with the penalty decision; the earliest repair date and the conditions. */
export function renderRepairNotice(record: RecordDoc & { _id: unknown }, eligibility: Eligibility, config: RepairConfig): string {
  const d = record.derived as Record<string, unknown>;
  const authority = String(record.data.authorityName ?? '');
  const severity = eligibility.severity;
  const barred = eligibility.conditions.find((c) => c.code === 'REPAIRABLE' && !c.met);
  const t = config.timeLimits;
  const published = Boolean(d.published);
  const conditions = [
    severity === '轻微' ? '轻微失信信息，无最短公示期要求' : `最短公示期已满：自 ${cnDate(eligibility.minimumPeriodEnd)} 起`,
    ...(eligibility.paymentRequired ? ['已缴清行政处罚决定的罚没款'] : []),
    '已纠正违法行为，已履行行政处罚决定规定的其他义务（如停产停业整顿期满、整改到位），并经本机关确认',
    '作出信用承诺：提交信用修复承诺书并明确同意',
    '不属于法律、法规规定不得修复的情形',
  ];
  const types = config.files.types.map((m) => ({ 'application/pdf': 'PDF', 'image/jpeg': 'JPG', 'image/png': 'PNG' })[m] ?? m).join('、');
  const body = `
<div class="authority">${esc(authority)}</div>
<h1>信用修复告知书</h1>
<div class="number">（与行政处罚决定书 ${esc(record.decisionNumber)} 同时送达）</div>
${addressee(record.subjectName, record.uscc)}
<p>本机关于${esc(cnDate(record.decisionDate))}对你单位作出行政处罚决定（${esc(record.decisionNumber)}）。依据${esc(ruleVersionName(eligibility.ruleVersion))}，现将信用修复有关事项告知如下：</p>
<h2>一、失信信息类别与公示期限</h2>
<p>该行政处罚信息认定为「${esc(severity)}」失信信息。${
    published
      ? `本机关将在「信用中国」网站和市公共信用信息平台公示该信息，公示截止日期为${esc(cnDate(d.publicityEndDate as string))}，期满自动停止公示。`
      : '依规不予公开公示。'
  }</p>
<h2>二、最早可申请信用修复日期</h2>
${
  barred
    ? `<div class="box"><p>${esc(barred.note)}</p></div>`
    : `<div class="box"><p>${
        severity === '轻微'
          ? `轻微失信信息：履行行政处罚决定规定的义务、纠正违法行为后即可申请信用修复（最早${esc(cnDate(eligibility.minimumPeriodEnd))}）。`
          : `自${esc(cnDate(eligibility.minimumPeriodEnd))}起（最短公示期${severity === '严重' ? '一年' : '三个月'}届满之日），可以申请信用修复。`
      }</p></div>`
}
<h2>三、信用修复条件（须同时满足）</h2>
${list(conditions)}
<h2>四、申请方式和材料</h2>
<p>通过本系统以企业用户身份提交信用修复申请（POST /api/v1/repairs，multipart/form-data），包括：信用修复承诺书（明确同意）；缴清罚没款、纠正违法行为和履行其他义务的证明材料（${esc(types)} 格式，每个文件不超过 ${esc(Math.round(config.files.maxBytes / 1024 / 1024))} MB，最多 ${esc(config.files.maxFiles)} 个）；联系人及联系电话。</p>
<h2>五、办理时限</h2>
<p>本机关自收到申请之日起${t.acceptanceWorkdays}个工作日内决定是否受理；材料不齐全的，一次性告知需要补正的材料。受理之日起${t.decisionWorkdays}个工作日内作出是否准予修复的决定，情况复杂的可以延长一次（${t.extensionWorkdays}个工作日）并告知理由。准予修复的，自决定之日起${t.resultSharedWorkdays}个工作日内停止公示并将修复结果共享至相关信用平台。</p>
<h2>六、信用修复承诺书（参考文本）</h2>
<div class="box"><p>${esc(COMMITMENT_TEMPLATE)}</p></div>
<p class="sign">${esc(authority)}</p>
<p class="date">${esc(cnDate(record.decisionDate))}</p>
<div class="meta"><p>记录编号：${esc(String(record._id))}&#12288;适用规则：${esc(eligibility.ruleVersion)}&#12288;认定类别：${esc(severity)}</p></div>`;
  return page('信用修复告知书', body);
}

/** The letter of an application's outcome: 修复决定书, 不予修复决定书, or 不予受理通知书. 409 before any decision. */
export function renderDecisionLetter(app: RepairDoc & { _id: unknown }): string {
  const head = (title: string, number: string) => `
<div class="authority">${esc(app.authorityName)}</div>
<h1>${esc(title)}</h1>
<div class="number">${esc(number)}</div>
${addressee(app.subjectName, app.uscc)}`;
  const penalty = `行政处罚（决定文书号：${app.decisionNumber}，决定日期：${cnDate(app.decisionDate)}）`;
  const meta = `<div class="meta"><p>申请编号：${esc(app.number)}&#12288;记录编号：${esc(app.recordId)}&#12288;适用规则：${esc(app.ruleVersion)}</p></div>`;
  const sign = (date: LegalDate) => `<p class="sign">${esc(app.authorityName)}</p><p class="date">${esc(cnDate(date))}</p>`;

  if (app.state === 'refused-incomplete' && app.refusal) {
    const body = `${head('信用修复申请不予受理通知书', `申请编号 ${app.number}`)}
<p>你单位于${esc(cnDate(app.submittedDate))}提出的${esc(penalty)}信用修复申请收悉。经审查，申请材料不齐全或者不符合要求，本机关决定不予受理。需要补正的材料如下：</p>
${list(app.refusal.missing)}
${app.refusal.note ? `<p>${esc(app.refusal.note)}</p>` : ''}
<p>你单位补正上述材料后，可以重新提出信用修复申请。</p>
${sign(app.refusal.date)}${meta}`;
    return page('信用修复申请不予受理通知书', body);
  }
  const decision = app.decision;
  if (!decision || !['approved', 'effected', 'denied'].includes(app.state)) {
    throw AppError.conflict('该申请尚未作出决定，暂无决定书', [{ path: 'state', message: `当前状态：${app.state}` }]);
  }
  const received = `你单位于${cnDate(app.submittedDate)}提出的${penalty}信用修复申请（申请编号 ${app.number}），本机关于${cnDate(app.acceptedDate)}受理。`;
  if (decision.outcome === 'denied') {
    const body = `${head('不予信用修复决定书', decision.number)}
<p>${esc(received)}经审查，你单位的申请不符合信用修复条件，理由如下：</p>
${list(decision.reasons)}
${decision.note ? `<p>${esc(decision.note)}</p>` : ''}
<p>本机关决定：不予信用修复。上述情形消除后，你单位可以重新提出信用修复申请。</p>
<p>如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者自收到本决定书之日起六个月内依法提起行政诉讼。</p>
${sign(decision.date)}${meta}`;
    return page('不予信用修复决定书', body);
  }
  const effected = app.state === 'effected' && app.effectedDate;
  const body = `${head('信用修复决定书', decision.number)}
<p>${esc(received)}经审查，该行政处罚信息已满最短公示期，你单位已履行行政处罚决定规定的义务、纠正违法行为，并作出信用承诺，符合${esc(ruleVersionName(app.ruleVersion))}规定的信用修复条件。</p>
${decision.note ? `<p>审查意见：${esc(decision.note)}</p>` : ''}
<p>本机关决定：准予信用修复。自本决定作出之日起停止公示该行政处罚信息，并将修复结果共享至「信用中国」网站和市公共信用信息平台，同时重新评定你单位的信用等级。</p>
<p>你单位应当严格履行信用承诺。提供虚假材料或者违反信用承诺的，本机关将依法撤销本决定，恢复公示该信息。</p>
${sign(decision.date)}
<div class="meta"><p>执行情况：${effected ? `已于${esc(cnDate(app.effectedDate))}停止公示并报送各信用平台` : '正在执行（停止公示、共享修复结果）'}</p></div>${meta}`;
  return page('信用修复决定书', body);
}

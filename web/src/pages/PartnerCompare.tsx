/**
 * 批量比对 (partner): upload a CSV or XLSX whose first column holds 统一社会信用代码, unit names or ID numbers; see per
 * row whether the subject was on the list on the date (malformed codes: 格式无效), and download the answer as CSV
 * (the API's own answer file: the same upload sent again with answer=csv — the service keeps no comparison).
 */
import { useState } from 'preact/hooks';
import { fetchFile, saveBlob } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Badge, Card, PageHeader, Table } from '../components/ui.js';
import { COMPARISON_TYPES, compareFile, MATCH_LABELS, RESULT_LABELS, RESULT_TONES, type ComparisonAnswer } from './partnerTypes.js';

const typeOf = (f: File) => COMPARISON_TYPES[f.name.split('.').pop()?.toLowerCase() ?? ''];

export function PartnerCompare() {
  const [file, setFile] = useState<File | null>(null);
  const [date, setDate] = useState('');
  const [busy, setBusy] = useState<'compare' | 'download' | null>(null);
  const [answer, setAnswer] = useState<{ out: ComparisonAnswer; file: File; date: string } | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const form = useFormErrors(['file', 'date', 'Content-Type'], { formId: 'compare' });

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setAnswer(null);
    setSaved(null);
    if (!file) return form.show('请选择要比对的文件');
    const type = typeOf(file);
    if (!type) return form.show('文件须为 CSV 或 XLSX（按扩展名识别）');
    setBusy('compare');
    try {
      const out = await compareFile(file, type, date || undefined);
      setAnswer({ out, file, date: out.date });
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(null);
    }
  }

  async function downloadAnswer() {
    if (!answer) return;
    form.clear();
    setSaved(null);
    setBusy('download');
    try {
      const { blob, fileName } = await fetchFile('/dishonesty-list/comparisons', {
        method: 'POST',
        raw: { body: answer.file, type: typeOf(answer.file)! },
        query: { date: answer.date, answer: 'csv' },
      });
      const name = fileName ?? `comparison-${answer.date}.csv`;
      saveBlob(blob, name);
      setSaved(name);
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(null);
    }
  }

  const s = answer?.out.summary;
  return (
    <>
      <PageHeader title="批量比对" />
      <Card title="上传待比对的名单" id="compare-form">
        <form id="compare" class="form-grid" onSubmit={submit} noValidate>
          <ErrorSummary form={form} />
          <Field form={form} name="file" label="比对文件" required wide hint="CSV（UTF-8 或 GB18030）或 XLSX（第一个工作表）；第一列为统一社会信用代码、单位名称或人员身份证号码，可有表头；每次最多 10,000 个。">
            <input {...form.input('file')} type="file" accept=".csv,.txt,.xlsx" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          </Field>
          <Field form={form} name="date" label="比对日期" hint="缺省为今天">
            <input {...form.input('date')} type="date" value={date} onInput={(e) => setDate(e.currentTarget.value)} />
          </Field>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy !== null}>
              {busy === 'compare' ? '正在比对…' : '开始比对'}
            </button>
          </div>
        </form>
      </Card>
      {answer && s ? (
        <Card title={`比对结果（${answer.date}）`} id="compare-result">
          <div class="alert alert-ok" role="status" data-testid="compare-summary">
            <strong>
              已比对 {answer.file.name}：共 {s.rows} 个主体，在名单内 {s.listed} 个，不在名单内 {s.notListed} 个，格式无效 {s.invalid} 个。
            </strong>
          </div>
          <div class="form-actions">
            <button type="button" onClick={downloadAnswer} disabled={busy !== null}>
              {busy === 'download' ? '正在生成…' : '下载比对结果（CSV）'}
            </button>
            {saved ? (
              <span class="muted" role="status" data-testid="compare-saved">
                已下载 {saved}
              </span>
            ) : null}
          </div>
          <Table head={['行号', '输入', '结果', '识别方式', '说明']} empty={answer.out.results.length === 0} label="逐行比对结果">
            {answer.out.results.map((r) => (
              <tr key={r.row} data-row={r.row} data-result={r.result}>
                <td>{r.row}</td>
                <td class="break">{r.input}</td>
                <td class="nowrap">
                  <Badge tone={RESULT_TONES[r.result]}>{RESULT_LABELS[r.result]}</Badge>
                </td>
                <td>{r.matchedBy ? MATCH_LABELS[r.matchedBy] : r.result === 'invalid' ? '格式无效' : '未匹配'}</td>
                <td class="break">{r.message}</td>
              </tr>
            ))}
          </Table>
        </Card>
      ) : null}
    </>
  );
}

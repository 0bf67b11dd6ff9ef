/** 批量导入 (clerk): upload a CSV / XLSX / JSONL file with upload progress, follow the processing, get the row error report. */
import { useEffect, useState } from 'preact/hooks';
import { download, get, upload } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Badge, Card, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { dateTime } from '../labels.js';
import type { ImportJob, Page } from '../types.js';

const TYPES: Record<string, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  jsonl: 'application/x-ndjson',
  ndjson: 'application/x-ndjson',
};
const STATUS: Record<ImportJob['status'], string> = { queued: '排队中', running: '处理中', done: '已完成', failed: '失败' };
const POLL_MS = 1000;

function contentType(file: File): string | undefined {
  return TYPES[file.name.split('.').pop()?.toLowerCase() ?? ''];
}

function Progress({ value, label }: { value: number; label: string }) {
  return (
    <div class="progress-line">
      <progress max={100} value={Math.round(value * 100)} aria-label={label} />
      <span>
        {label} {Math.round(value * 100)}%
      </span>
    </div>
  );
}

function JobStatus({ job }: { job: ImportJob }) {
  const processed = job.rowsTotal ? job.rowsRead / job.rowsTotal : job.status === 'done' ? 1 : 0;
  return (
    <div class="import-status" data-testid="import-status" data-status={job.status}>
      <p>
        <Badge tone={job.status === 'failed' ? 'bad' : job.status === 'done' ? 'ok' : 'warn'}>{STATUS[job.status]}</Badge> {job.kindLabel} · {job.fileName ?? '未命名文件'}
      </p>
      <Progress value={processed} label={`已处理 ${job.rowsRead}${job.rowsTotal !== null ? ` / ${job.rowsTotal}` : ''} 行`} />
      <p>
        新建 <strong>{job.created}</strong> · 未变化 <strong>{job.unchanged}</strong> · 失败 <strong class={job.failed ? 'neg' : ''}>{job.failed}</strong>
      </p>
      {job.error ? <p class="field-error">{job.error}</p> : null}
      {job.ignoredColumns.length ? <p class="muted small">未识别的列（已忽略）：{job.ignoredColumns.join('、')}</p> : null}
      {job.failed > 0 ? (
        <button type="button" onClick={() => download(`/imports/${job.id}/errors.csv`, `导入错误报告-${job.id}.csv`)}>
          下载逐行错误报告（CSV）
        </button>
      ) : null}
    </div>
  );
}

export function Imports() {
  const [kind, setKind] = useState<'penalties' | 'permits'>('penalties');
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [job, setJob] = useState<ImportJob | null>(null);
  const form = useFormErrors(['file', 'kind', 'Content-Type'], { formId: 'import' });
  const list = useApi(() => get<Page<ImportJob>>('/imports', { limit: 20 }), []);

  // Follow the import until it ends.
  useEffect(() => {
    if (!job || job.status === 'done' || job.status === 'failed') {
      if (job) list.reload();
      return;
    }
    const t = setTimeout(() => get<ImportJob>(`/imports/${job.id}`).then(setJob, form.show), POLL_MS);
    return () => clearTimeout(t);
  }, [job]);

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setJob(null);
    if (!file) return form.show('请选择要导入的文件');
    const type = contentType(file);
    if (!type) return form.show('文件须为 CSV、XLSX 或 JSONL（按扩展名识别）');
    setSent(0);
    try {
      setJob(await upload<ImportJob>('/imports', file, type, { kind, fileName: file.name }, setSent));
    } catch (err) {
      form.show(err);
    } finally {
      setSent(null);
    }
  }

  return (
    <>
      <PageHeader title="批量导入" />
      <Card title="上传文件" id="upload">
        <form id="import" class="form-grid" onSubmit={submit} noValidate>
          <ErrorSummary form={form} />
          <Field form={form} name="kind" label="记录类型" required>
            <select {...form.input('kind')} value={kind} onChange={(e) => setKind(e.currentTarget.value as 'penalties' | 'permits')}>
              <option value="penalties">行政处罚</option>
              <option value="permits">行政许可</option>
            </select>
          </Field>
          <Field form={form} name="file" label="文件" required hint="CSV（UTF-8 或 GB18030）、XLSX（第一个工作表）或 JSONL；表头用双公示标准的中文名称或字段代码，最多 100,000 行。">
            <input {...form.input('file')} type="file" accept=".csv,.xlsx,.jsonl,.ndjson" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          </Field>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={sent !== null}>
              开始导入
            </button>
          </div>
          {sent !== null ? <Progress value={sent} label="上传" /> : null}
        </form>
        {job ? <JobStatus job={job} /> : null}
      </Card>
      <Card title="最近的导入" id="imports">
        <Show loaded={list} what="导入记录">
          {(page) => (
            <Table head={['时间', '类型', '文件', '状态', '行数', '新建', '未变化', '失败', '']} empty={page.items.length === 0}>
              {page.items.map((j) => (
                <tr key={j.id}>
                  <td class="nowrap">{dateTime(j.createdAt)}</td>
                  <td>{j.kindLabel}</td>
                  <td>{j.fileName ?? '—'}</td>
                  <td>{STATUS[j.status]}</td>
                  <td>{j.rowsTotal ?? '—'}</td>
                  <td>{j.created}</td>
                  <td>{j.unchanged}</td>
                  <td class={j.failed ? 'neg' : ''}>{j.failed}</td>
                  <td>
                    {j.failed > 0 ? (
                      <button type="button" class="link" onClick={() => download(`/imports/${j.id}/errors.csv`, `导入错误报告-${j.id}.csv`)}>
                        错误报告
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </Show>
      </Card>
    </>
  );
}

/** 批量导入 (clerk): upload a CSV / XLSX / JSONL file with upload progress, follow the processing, get the row error report. */
import { useEffect, useState } from 'preact/hooks';
import { download, get, upload } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Badge, Card, ErrorBox, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { hashQuery } from '../router.js';
import { dateTime } from '../labels.js';
import type { ImportJob, Page } from '../types.js';

/** The kinds of import, as the API names them (?kind=, template paths). */
type Kind = 'penalties' | 'permits' | 'enterprises';
const KINDS: { kind: Kind; label: string }[] = [
  { kind: 'penalties', label: '行政处罚' },
  { kind: 'permits', label: '行政许可' },
  { kind: 'enterprises', label: '企业名录' },
];
/** An import as the API answers it (the roster kind counts the enterprises it completed). */
type Job = Omit<ImportJob, 'kind'> & { kind: Kind; completed?: number };

/** GET /imports/:id/errors: one item per problem of the first rows with errors. */
interface ImportErrors {
  error: string | null;
  failed: number;
  truncated: boolean;
  items: { row: number; column: string; label: string | null; value: string; reason: string }[];
}

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

function JobStatus({ job }: { job: Job }) {
  const processed = job.rowsTotal ? job.rowsRead / job.rowsTotal : job.status === 'done' ? 1 : 0;
  return (
    <div class="import-status" data-testid="import-status" data-status={job.status}>
      <p>
        <Badge tone={job.status === 'failed' ? 'bad' : job.status === 'done' ? 'ok' : 'warn'}>{STATUS[job.status]}</Badge> {job.kindLabel} · {job.fileName ?? '未命名文件'}
      </p>
      <Progress value={processed} label={`已处理 ${job.rowsRead}${job.rowsTotal !== null ? ` / ${job.rowsTotal}` : ''} 行`} />
      <p>
        新建 <strong>{job.created}</strong> · 未变化 <strong>{job.unchanged}</strong>
        {job.kind === 'enterprises' ? (
          <>
            {' '}
            · 补全 <strong>{job.completed ?? 0}</strong>
          </>
        ) : null}{' '}
        · 失败 <strong class={job.failed ? 'neg' : ''}>{job.failed}</strong>
      </p>
      {job.error ? <p class="field-error">{job.error}</p> : null}
      {job.ignoredColumns.length ? <p class="muted small">未识别的列（已忽略）：{job.ignoredColumns.join('、')}</p> : null}
      {job.failed > 0 ? (
        <button type="button" onClick={() => download(`/imports/${job.id}/errors.csv`, `导入错误报告-${job.id}.csv`)}>
          下载逐行错误报告（CSV）
        </button>
      ) : null}
      {job.status === 'done' || job.status === 'failed' ? <JobErrors job={job} /> : null}
    </div>
  );
}

/** The errors of an ended import on the page: one line per bad cell (row, column, value, reason). */
function JobErrors({ job }: { job: Job }) {
  const errors = useApi(() => (job.failed > 0 ? get<ImportErrors>(`/imports/${job.id}/errors`) : Promise.resolve(null)), [job.id, job.failed]);
  if (job.failed === 0) return null;
  return (
    <div class="import-errors" id="import-errors">
      <h3>未能导入的行（{job.failed} 行）</h3>
      <Show loaded={errors} what="错误明细">
        {(e) =>
          e ? (
            <>
              <Table head={['行号', '列', '值', '原因']} label="导入错误明细" empty={e.items.length === 0}>
                {e.items.map((x, i) => (
                  <tr key={i} data-testid="import-error">
                    <td class="num">{x.row}</td>
                    <td>{x.label ?? '（整行）'}</td>
                    <td class="break">{x.value || '（空）'}</td>
                    <td>{x.reason}</td>
                  </tr>
                ))}
              </Table>
              {e.truncated ? <p class="muted small">仅显示前 200 行有错误的行，全部错误请下载错误报告。</p> : null}
            </>
          ) : null
        }
      </Show>
    </div>
  );
}

/** Template downloads: the columns of each kind, ready to fill (CSV and XLSX). */
function Templates() {
  const [error, setError] = useState<unknown>(null);
  const fetchTemplate = (k: Kind, label: string, ext: 'csv' | 'xlsx') => {
    setError(null);
    download(`/imports/templates/${k}.${ext}`, `${label}导入模板.${ext}`).catch(setError);
  };
  return (
    <Card title="导入模板" id="templates">
      <p class="muted small">模板首行为各列的中文名称；XLSX 模板的第二个工作表“填写说明”列出每列是否必填、填写要求和示例。</p>
      {error ? <ErrorBox error={error} /> : null}
      <ul class="plain template-list">
        {KINDS.map(({ kind, label }) => (
          <li key={kind}>
            <span class="template-kind">{label}</span>
            <button type="button" class="link" onClick={() => fetchTemplate(kind, label, 'csv')} aria-label={`下载${label}模板（CSV）`}>
              CSV 模板
            </button>
            <button type="button" class="link" onClick={() => fetchTemplate(kind, label, 'xlsx')} aria-label={`下载${label}模板（XLSX）`}>
              XLSX 模板
            </button>
          </li>
        ))}
      </ul>
    </Card>
  );
}

export function Imports({ path = '/imports' }: { path?: string }) {
  const initial = hashQuery(path).get('kind');
  const [kind, setKind] = useState<Kind>(KINDS.some((k) => k.kind === initial) ? (initial as Kind) : 'penalties');
  const [file, setFile] = useState<File | null>(null);
  const [sent, setSent] = useState<number | null>(null);
  const [job, setJob] = useState<Job | null>(null);
  const form = useFormErrors(['file', 'kind', 'Content-Type'], { formId: 'import' });
  const list = useApi(() => get<Page<Job>>('/imports', { limit: 20 }), []);

  // Follow the import until it ends.
  useEffect(() => {
    if (!job || job.status === 'done' || job.status === 'failed') {
      if (job) list.reload();
      return;
    }
    const t = setTimeout(() => get<Job>(`/imports/${job.id}`).then(setJob, form.show), POLL_MS);
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
      setJob(await upload<Job>('/imports', file, type, { kind, fileName: file.name }, setSent));
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
          <Field form={form} name="kind" label="导入类型" required>
            <select {...form.input('kind')} value={kind} onChange={(e) => setKind(e.currentTarget.value as Kind)}>
              {KINDS.map((k) => (
                <option key={k.kind} value={k.kind}>
                  {k.label}
                </option>
              ))}
            </select>
          </Field>
          <Field form={form} name="file" label="文件" required hint="CSV（UTF-8 或 GB18030）、XLSX（第一个工作表）或 JSONL；表头用模板中的中文名称或字段代码（许可、处罚按双公示标准，企业名录按企业字段表），最多 100,000 行。">
            <input {...form.input('file')} type="file" accept=".csv,.xlsx,.jsonl,.ndjson" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
          </Field>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={sent !== null}>
              开始导入
            </button>
          </div>
          {sent !== null ? <Progress value={sent} label="上传" /> : null}
        </form>
        {job ? <JobStatus key={job.id} job={job} /> : null}
      </Card>
      <Templates />
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
                      <span class="row-actions">
                        <button
                          type="button"
                          class="link"
                          onClick={() => {
                            setJob(j);
                            requestAnimationFrame(() => document.getElementById('upload')?.scrollIntoView({ block: 'start' }));
                          }}
                        >
                          查看错误
                        </button>
                        <button type="button" class="link" onClick={() => download(`/imports/${j.id}/errors.csv`, `导入错误报告-${j.id}.csv`)}>
                          错误报告
                        </button>
                      </span>
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

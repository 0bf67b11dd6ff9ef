/**
 * 名单导出 (partner): the serious-dishonesty list as CSV or XLSX — on a date (时点名单) or the changes since a moment
 * (增量) — streamed by GET /exports/dishonesty-list (bytes received shown while it comes), then its manifest
 * (GET /exports/:id: rows, bytes, sha256, times); and the manifests of earlier exports, the daily job's files downloadable.
 */
import { useState } from 'preact/hooks';
import { fetchFile, get, saveBlob } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Badge, Card, DefinitionList, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { dateTime, today } from '../labels.js';
import type { Page } from '../types.js';

export interface Manifest {
  id: string;
  format: 'csv' | 'xlsx' | 'jsonl';
  mode: 'asOf' | 'delta';
  query: { asOf?: string; since?: string; until?: string };
  status: 'running' | 'complete' | 'failed';
  rowCount: number;
  bytes: number;
  sha256: string | null;
  fileName: string;
  file: string | null;
  origin: 'api' | 'job' | 'cli';
  principal: { id: string; name: string; roles: string[] };
  error: string | null;
  startedAt: string;
  completedAt: string | null;
}

const FORMAT_LABELS: Record<Manifest['format'], string> = { csv: 'CSV', xlsx: 'XLSX（Excel）', jsonl: 'JSONL' };
const MODE_LABELS: Record<Manifest['mode'], string> = { asOf: '时点名单', delta: '增量变更' };
const STATUS_LABELS: Record<Manifest['status'], string> = { running: '导出中', complete: '已完成', failed: '未完成' };
const STATUS_TONES: Record<Manifest['status'], 'warn' | 'ok' | 'bad'> = { running: 'warn', complete: 'ok', failed: 'bad' };
const ORIGIN_LABELS: Record<Manifest['origin'], string> = { api: '在线导出', job: '每日定时导出', cli: '命令行导出' };

export function bytesText(n: number): string {
  if (n < 1024) return `${n} 字节`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function conditionText(m: Manifest): string {
  if (m.mode === 'asOf') return `${m.query.asOf ?? '—'} 在名单内`;
  return `${dateTime(m.query.since)} 至 ${dateTime(m.query.until)} 的新增、移出和变更`;
}

/** "2026-11-25T08:00" (datetime-local, Beijing time) → ISO 8601 with +08:00. */
function isoOf(local: string): string | undefined {
  if (!local) return undefined;
  return `${local.length === 16 ? `${local}:00` : local}+08:00`;
}

export function ManifestDetails({ m }: { m: Manifest }) {
  return (
    <DefinitionList
      items={[
        ['清单编号', <span class="mono break">{m.id}</span>],
        ['状态', <Badge tone={STATUS_TONES[m.status]}>{STATUS_LABELS[m.status]}</Badge>],
        ['导出方式', MODE_LABELS[m.mode]],
        ['导出条件', conditionText(m)],
        ['格式', FORMAT_LABELS[m.format]],
        ['文件名', <span class="break">{m.fileName}</span>],
        ['行数', <span data-testid="manifest-rows">{m.rowCount}</span>],
        ['字节数', `${m.bytes}（${bytesText(m.bytes)}）`],
        ['SHA-256', <span class="mono break" data-testid="manifest-sha256">{m.sha256 ?? '—'}</span>],
        ['开始时间', dateTime(m.startedAt)],
        ['完成时间', dateTime(m.completedAt)],
        ['导出人', `${m.principal.name}（${ORIGIN_LABELS[m.origin]}）`],
        ...(m.error ? ([['未完成原因', m.error]] as [string, string][]) : []),
      ]}
    />
  );
}

export function PartnerExports() {
  const form = useFormErrors(['format', 'asOf', 'since', 'until'], { formId: 'export' });
  const [format, setFormat] = useState<'csv' | 'xlsx'>('csv');
  const [mode, setMode] = useState<'asOf' | 'since'>('asOf');
  const [asOf, setAsOf] = useState(today());
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [received, setReceived] = useState<number | null>(null);
  const [done, setDone] = useState<{ manifest: Manifest; fileName: string; bytes: number } | null>(null);
  const [version, setVersion] = useState(0);
  const [shown, setShown] = useState<Manifest | null>(null);
  const list = useApi(() => get<Page<Manifest>>('/exports', { limit: 20 }), [version]);

  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setDone(null);
    if (mode === 'since' && !since) return form.show('增量导出须填写起始时间');
    setReceived(0);
    try {
      const query = mode === 'asOf' ? { format, asOf } : { format, since: isoOf(since) ?? '', until: isoOf(until) };
      const { blob, fileName, headers } = await fetchFile('/exports/dishonesty-list', { query }, (n) => setReceived(n));
      const id = headers.get('X-Export-Id');
      const name = fileName ?? `dishonesty-list.${format}`;
      saveBlob(blob, name);
      // The manifest is completed as the last bytes go out: read it until it says so.
      let manifest = id ? await get<Manifest>(`/exports/${id}`) : null;
      for (let i = 0; manifest && manifest.status === 'running' && i < 20; i++) {
        await new Promise((r) => setTimeout(r, 250));
        manifest = await get<Manifest>(`/exports/${manifest.id}`);
      }
      if (manifest) setDone({ manifest, fileName: name, bytes: blob.size });
      setVersion((v) => v + 1);
    } catch (err) {
      form.show(err);
    } finally {
      setReceived(null);
    }
  }

  async function downloadStored(m: Manifest) {
    form.clear();
    try {
      const { blob, fileName } = await fetchFile(`/exports/${m.id}/file`);
      saveBlob(blob, fileName ?? m.fileName);
    } catch (err) {
      form.show(err);
    }
  }

  return (
    <>
      <PageHeader title="名单导出" />
      <Card title="导出严重失信主体名单" id="export-form">
        <form id="export" class="form-grid" onSubmit={submit} noValidate>
          <ErrorSummary form={form} />
          <Field form={form} name="format" label="文件格式" required>
            <select {...form.input('format')} value={format} onChange={(e) => setFormat(e.currentTarget.value as 'csv' | 'xlsx')}>
              <option value="csv">CSV（Excel 可直接打开）</option>
              <option value="xlsx">XLSX（Excel 工作簿）</option>
            </select>
          </Field>
          <fieldset class="field field-wide">
            <legend>导出内容</legend>
            <div class="checks">
              <label class="check">
                <input type="radio" name="mode" checked={mode === 'asOf'} onChange={() => setMode('asOf')} />
                时点名单：某日在名单内的全部主体
              </label>
              <label class="check">
                <input type="radio" name="mode" checked={mode === 'since'} onChange={() => setMode('since')} />
                增量：某时刻以来的新增、移出和变更
              </label>
            </div>
          </fieldset>
          {mode === 'asOf' ? (
            <Field form={form} name="asOf" label="名单日期" required>
              <input {...form.input('asOf')} type="date" value={asOf} onInput={(e) => setAsOf(e.currentTarget.value)} />
            </Field>
          ) : (
            <>
              <Field form={form} name="since" label="起始时间（北京时间）" required>
                <input {...form.input('since')} type="datetime-local" value={since} onInput={(e) => setSince(e.currentTarget.value)} />
              </Field>
              <Field form={form} name="until" label="截止时间（北京时间）" hint="缺省为现在">
                <input {...form.input('until')} type="datetime-local" value={until} onInput={(e) => setUntil(e.currentTarget.value)} />
              </Field>
            </>
          )}
          <div class="form-actions">
            <button type="submit" class="primary" disabled={received !== null}>
              {received !== null ? '正在导出…' : '导出并下载'}
            </button>
          </div>
          {received !== null ? (
            <div class="progress-line" role="status" data-testid="export-progress">
              <progress aria-label="导出进度" />
              <span>已接收 {bytesText(received)}</span>
            </div>
          ) : null}
        </form>
        {done ? (
          <div data-testid="export-done">
            <div class="alert alert-ok" role="status">
              <strong>
                已导出并下载 {done.fileName}：{done.manifest.rowCount} 行，{bytesText(done.bytes)}。
              </strong>
              <p>可用下方清单中的 SHA-256 核对文件是否完整。</p>
            </div>
            <h3>导出清单</h3>
            <ManifestDetails m={done.manifest} />
          </div>
        ) : null}
      </Card>
      <Card title="导出记录" id="exports">
        <Show loaded={list} what="导出记录">
          {(page) => (
            <Table head={['开始时间', '方式', '导出条件', '格式', '状态', '行数', '大小', 'SHA-256', '导出人', '']} empty={page.items.length === 0} label="导出记录">
              {page.items.map((m) => (
                <tr key={m.id} data-export-id={m.id}>
                  <td class="nowrap">{dateTime(m.startedAt)}</td>
                  <td>{MODE_LABELS[m.mode]}</td>
                  <td>{conditionText(m)}</td>
                  <td>{FORMAT_LABELS[m.format]}</td>
                  <td>
                    <Badge tone={STATUS_TONES[m.status]}>{STATUS_LABELS[m.status]}</Badge>
                  </td>
                  <td>{m.rowCount}</td>
                  <td class="nowrap">{bytesText(m.bytes)}</td>
                  <td class="mono" title={m.sha256 ?? undefined}>
                    {m.sha256 ? `${m.sha256.slice(0, 12)}…` : '—'}
                  </td>
                  <td>
                    {m.principal.name}（{ORIGIN_LABELS[m.origin]}）
                  </td>
                  <td>
                    <button type="button" class="link" onClick={() => setShown(shown?.id === m.id ? null : m)} aria-expanded={shown?.id === m.id}>
                      {shown?.id === m.id ? '收起清单' : '查看清单'}
                    </button>
                    {m.file ? (
                      <>
                        {' '}
                        <button type="button" class="link" onClick={() => downloadStored(m)}>
                          下载文件
                        </button>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </Show>
        {shown ? (
          <div data-testid="manifest-shown">
            <h3>导出清单：{dateTime(shown.startedAt)}</h3>
            <ManifestDetails m={shown} />
          </div>
        ) : null}
      </Card>
    </>
  );
}

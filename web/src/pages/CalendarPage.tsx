/**
 * 节假日安排: which years count working days with an official schedule and which provisionally (法定节假日,
 * 暂定); an administrator loads a year's schedule (国务院办公厅通知) and sees how many stored deadlines were recomputed.
 */
import { useState } from 'preact/hooks';
import { api, get } from '../api.js';
import { ErrorSummary, Field, useFormErrors, bindText } from '../components/form.js';
import { Badge, Card, DefinitionList, PageHeader, Show, Table, useApi } from '../components/ui.js';
import { dateTime, today } from '../labels.js';
import { hasRole, useMe } from '../session.js';

interface YearInfo {
  year: number;
  official: boolean;
  basis: 'loaded' | 'config' | 'library' | 'statutory';
  source: string;
  loadedAt: string | null;
  loadedBy: string | null;
  revision: number;
}
interface Counts {
  scanned: number;
  changed: number;
}
interface LoadResult extends YearInfo {
  daysOff: string[];
  workingWeekends: string[];
  workdays: number;
  recompute: { from: string; records: Counts; repairs: Counts; dishonestyCases: Counts };
}

const BASIS_LABELS: Record<YearInfo['basis'], string> = { loaded: '管理员导入', config: '配置文件', library: '节假日库', statutory: '法定节假日（暂定）' };

/** "2027-01-01..2027-01-03 2027-02-05" (spaces, commas or new lines) → every date, ranges expanded; unreadable parts kept as typed for the API to refuse. */
export function parseDates(text: string): string[] {
  const out: string[] = [];
  for (const part of text.split(/[\s,，、]+/).filter(Boolean)) {
    const m = /^(\d{4}-\d{2}-\d{2})(?:\.\.|~|至)(\d{4}-\d{2}-\d{2})$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    const end = new Date(`${m[2]}T00:00:00Z`);
    for (let d = new Date(`${m[1]}T00:00:00Z`); d <= end && out.length < 400; d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

function LoadSchedule({ onLoaded }: { onLoaded: () => void }) {
  const form = useFormErrors(['year', 'holidays', 'workdays', 'source'], { formId: 'schedule', prefixes: ['body', 'params'] });
  const [v, setV] = useState({ year: String(Number(today().slice(0, 4)) + 1), holidays: '', workdays: '', source: '' });
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<LoadResult | null>(null);
  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    setResult(null);
    setBusy(true);
    try {
      const r = await api<LoadResult>(`/calendar/years/${encodeURIComponent(v.year.trim())}`, {
        method: 'PUT',
        json: { holidays: parseDates(v.holidays), workdays: parseDates(v.workdays), source: v.source },
      });
      setResult(r);
      onLoaded();
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }
  const bind = (k: keyof typeof v) => bindText(v, setV, k);
  return (
    <Card title="导入年度放假安排" id="load-schedule">
      <form id="schedule" class="form-grid" onSubmit={submit} noValidate>
        <ErrorSummary form={form} />
        <Field form={form} name="year" label="年度" required>
          <input {...form.input('year')} {...bind('year')} inputMode="numeric" maxLength={4} />
        </Field>
        <Field form={form} name="source" label="依据（通知文号）" required hint="如：国办发明电〔2026〕X号">
          <input {...form.input('source')} {...bind('source')} />
        </Field>
        <Field form={form} name="holidays" label="放假日期" required wide hint="含放假期间的周末；可写区间，如 2027-02-05..2027-02-12；以空格、逗号或换行分隔。须包含全部法定节假日">
          <textarea {...form.input('holidays')} {...bind('holidays')} rows={4} />
        </Field>
        <Field form={form} name="workdays" label="调休上班日期（周六、周日）" wide>
          <textarea {...form.input('workdays')} {...bind('workdays')} rows={2} />
        </Field>
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? '正在导入并重算期限…' : '导入并重算期限'}
          </button>
        </div>
      </form>
      {result ? (
        <div class="alert alert-ok" role="status" data-testid="load-result">
          <strong>
            {result.year} 年放假安排已导入（第 {result.revision} 次）：{result.workdays} 个工作日。
          </strong>
          <p>
            已重算 {result.recompute.from} 及以后到期的期限：公示期限 {result.recompute.records.changed}/{result.recompute.records.scanned}，修复办理时限{' '}
            {result.recompute.repairs.changed}/{result.recompute.repairs.scanned}，名单程序期限 {result.recompute.dishonestyCases.changed}/{result.recompute.dishonestyCases.scanned}（已更新/已检查）。
          </p>
        </div>
      ) : null}
    </Card>
  );
}

export function CalendarPage() {
  const me = useMe();
  const [version, setVersion] = useState(0);
  const years = useApi(() => get<{ items: YearInfo[] }>('/calendar/years'), [version]);
  return (
    <>
      <PageHeader title="节假日安排（工作日计算）" />
      <Card title="说明" id="calendar-rule">
        <DefinitionList
          items={[
            ['工作日', '周一至周五，除去放假日；加上调休上班的周六、周日'],
            ['尚无正式安排的年度', '按《全国年节及纪念日放假办法》第二条的法定节假日计算（元旦、春节除夕至初三、清明、劳动节 5 月 1—2 日、端午、中秋、国庆 10 月 1—3 日），据此算出的期限标注“（暂定）”'],
            ['导入正式安排后', '所有以工作日计算并已保存的期限（公示期限、修复办理时限、陈述申辩期、提前移出决定期限）自动重算'],
          ]}
        />
      </Card>
      <Card title="各年度状态" id="calendar-years">
        <Show loaded={years} what="年度">
          {(page) => (
            <Table head={['年度', '状态', '来源', '依据', '导入时间', '导入人']} empty={page.items.length === 0} label="各年度放假安排">
              {page.items.map((y) => (
                <tr key={y.year} data-year={y.year}>
                  <td>{y.year}</td>
                  <td>{y.official ? <Badge tone="ok">正式</Badge> : <Badge tone="warn">暂定</Badge>}</td>
                  <td>{BASIS_LABELS[y.basis]}</td>
                  <td>{y.source}</td>
                  <td class="nowrap">{dateTime(y.loadedAt)}</td>
                  <td>{y.loadedBy ?? '—'}</td>
                </tr>
              ))}
            </Table>
          )}
        </Show>
      </Card>
      {hasRole(me, 'admin') ? <LoadSchedule onLoaded={() => setVersion(version + 1)} /> : null}
    </>
  );
}

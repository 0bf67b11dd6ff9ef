/** 检查计划 (双随机): generate a year's plan for a district from the current grades; see its summary and draw. */
import { useState } from 'preact/hooks';
import { download, get, post } from '../api.js';
import { ErrorSummary, Field, useFormErrors, bindText } from '../components/form.js';
import { Card, DefinitionList, PageHeader, Show, Table, TierBadge, useApi } from '../components/ui.js';
import { dateTime, TIER_LABELS, today } from '../labels.js';
import { navigate } from '../router.js';
import { hasRole, useMe } from '../session.js';
import { TIERS, type Page, type Plan, type PlanItem } from '../types.js';

const KIND_LABELS: Record<string, string> = { required: '必查', random: '随机抽取' };

/** "编号,姓名" per line → inspectors; empty → the configured roster. */
function parseInspectors(s: string) {
  const rows = s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => l.split(/[,，\t]/).map((x) => x.trim()));
  return rows.length ? rows.map(([id, name]) => ({ id, name: name ?? id })) : undefined;
}

function NewPlan() {
  const form = useFormErrors(['year', 'district', 'seed', 'inspectors', 'jointInspectionUsccs'], { formId: 'plan' });
  const [v, setV] = useState({ year: String(Number(today().slice(0, 4)) + 1), district: '', seed: '', inspectors: '', joint: '' });
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    form.clear();
    const joint = v.joint.split(/[\s,，]+/).filter(Boolean);
    const body = { year: Number(v.year) || v.year, district: v.district, seed: v.seed.trim() ? Number(v.seed) : undefined, inspectors: parseInspectors(v.inspectors), jointInspectionUsccs: joint.length ? joint : undefined };
    setBusy(true);
    try {
      const plan = await post<Plan>('/supervision-plans', body);
      navigate(`/plans/${plan.id}`);
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }
  const bind = (k: keyof typeof v) => bindText(v, setV, k);
  return (
    <Card title="编制年度检查计划" id="new-plan">
      <form id="plan" class="form-grid" onSubmit={submit} noValidate>
        <ErrorSummary form={form} />
        <Field form={form} name="year" label="计划年度" required>
          <input {...form.input('year')} {...bind('year')} inputMode="numeric" />
        </Field>
        <Field form={form} name="district" label="行政区划代码（6 位）" required>
          <input {...form.input('district')} {...bind('district')} inputMode="numeric" maxLength={6} />
        </Field>
        <Field form={form} name="seed" label="随机种子" hint="留空则随机生成并记录；相同种子和输入得到相同计划">
          <input {...form.input('seed')} {...bind('seed')} inputMode="numeric" />
        </Field>
        <Field form={form} name="inspectors" label="执法人员（每行：编号,姓名）" wide hint="留空则使用配置的执法人员名录">
          <textarea {...form.input('inspectors')} {...bind('inspectors')} rows={3} />
        </Field>
        <Field form={form} name="jointInspectionUsccs" label="已列入跨部门联合检查的企业（统一社会信用代码）" wide hint="这些企业不再单独抽取；用空格、逗号或换行分隔">
          <textarea {...form.input('jointInspectionUsccs')} {...bind('joint')} rows={2} />
        </Field>
        <div class="form-actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? '正在编制…' : '编制并抽取'}
          </button>
        </div>
      </form>
    </Card>
  );
}

export function Plans() {
  const me = useMe();
  const plans = useApi(() => get<Page<Plan>>('/supervision-plans'), []);
  return (
    <>
      <PageHeader title="检查计划（双随机）" />
      {hasRole(me, 'clerk', 'regulator') ? <NewPlan /> : null}
      <Card title="已编制的计划" id="plans">
        <Show loaded={plans} what="检查计划">
          {(page) => (
            <Table head={['年度', '区划', '企业数', '抽中企业', '检查次数', '编制时间']} empty={page.items.length === 0}>
              {page.items.map((p) => (
                <tr key={p.id}>
                  <td>
                    <a href={`#/plans/${p.id}`}>{p.year} 年</a>
                  </td>
                  <td>{p.district}</td>
                  <td>{p.summary.enterprises}</td>
                  <td>{p.summary.selected}</td>
                  <td>{p.summary.inspections}</td>
                  <td class="nowrap">{dateTime(p.createdAt)}</td>
                </tr>
              ))}
            </Table>
          )}
        </Show>
      </Card>
    </>
  );
}

export function PlanPage({ id }: { id: string }) {
  const plan = useApi(() => get<Plan>(`/supervision-plans/${id}`), [id]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const items = useApi(() => get<Page<PlanItem>>(`/supervision-plans/${id}/items`, { limit: 100, cursor }), [id, cursor]);
  return (
    <>
      <PageHeader title={plan.data ? `${plan.data.year} 年检查计划（${plan.data.district}）` : '检查计划'}>
        <button type="button" onClick={() => download(`/supervision-plans/${id}/export`, `检查计划-${id}.csv`, { format: 'csv' })}>
          导出 CSV
        </button>
        <button type="button" onClick={() => download(`/supervision-plans/${id}/export`, `检查计划-${id}.xlsx`, { format: 'xlsx' })}>
          导出 XLSX
        </button>
      </PageHeader>
      <Show loaded={plan} what="计划">
        {(p) => (
          <div class="grid-2">
            <Card title="计划信息" id="plan-info">
              <DefinitionList
                items={[
                  ['随机种子', p.seed],
                  ['政策版本', p.policyVersion],
                  ['输入摘要（sha256）', <span class="mono break">{p.inputsHash}</span>],
                  ['联合检查排除', p.summary.jointExcluded],
                  ['编制时间', dateTime(p.createdAt)],
                ]}
              />
            </Card>
            <Card title="各等级汇总" id="plan-summary">
              <Table head={['等级', '企业', '可抽取', '抽中', '检查次数']}>
                {TIERS.map((t) => (
                  <tr key={t}>
                    <td>
                      <TierBadge tier={t} /> <span class="sr-only">{TIER_LABELS[t]}</span>
                    </td>
                    <td>{p.summary.tiers[t].enterprises}</td>
                    <td>{p.summary.tiers[t].eligible}</td>
                    <td>{p.summary.tiers[t].selected}</td>
                    <td>{p.summary.tiers[t].inspections}</td>
                  </tr>
                ))}
              </Table>
            </Card>
          </div>
        )}
      </Show>
      <Card title="抽取结果" id="plan-items">
        <Show loaded={items} what="计划明细">
          {(page) => (
            <>
              <Table head={['序号', '企业', '等级', '类型', '轮次', '完成期限', '执法人员']} empty={page.items.length === 0}>
                {page.items.map((i) => (
                  <tr key={i.seq}>
                    <td>{i.seq}</td>
                    <td>
                      <a href={`#/enterprises/${i.uscc}`}>{i.name}</a>
                    </td>
                    <td>
                      <TierBadge tier={i.tier} />
                    </td>
                    <td>{KIND_LABELS[i.kind] ?? i.kind}</td>
                    <td>
                      {i.round} / {i.rounds}
                    </td>
                    <td class="nowrap">{i.dueBy}</td>
                    <td>{i.inspectors.map((x) => x.name).join('、')}</td>
                  </tr>
                ))}
              </Table>
              {page.nextCursor ? (
                <button type="button" onClick={() => setCursor(page.nextCursor ?? undefined)}>
                  下一页
                </button>
              ) : null}
            </>
          )}
        </Show>
      </Card>
    </>
  );
}

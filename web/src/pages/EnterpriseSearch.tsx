/** 企业查询: graded enterprises by tier, district and industry (GET /grades), or by any part of the name (GET /enterprises, with each one's grade). */
import { useEffect, useState } from 'preact/hooks';
import { get } from '../api.js';
import { ErrorSummary, Field, useFormErrors } from '../components/form.js';
import { Card, PageHeader, Table, TierBadge } from '../components/ui.js';
import { dateTime, TIER_LABELS } from '../labels.js';
import { districtFullName, districtName, industryLabel, industryName } from '../names.js';
import { hashQuery, navigate } from '../router.js';
import { TIERS, type Enterprise, type Grade, type Page, type Tier } from '../types.js';

type Row = { uscc: string; name: string; districtCode: string; industryCode: string; tier?: Tier; score?: number; gradedAt?: string };
const FIELDS = ['name', 'uscc', 'district', 'industry', 'tier'];

export function EnterpriseSearch({ path }: { path: string }) {
  const initial = hashQuery(path);
  const [q, setQ] = useState<Record<string, string>>(Object.fromEntries(FIELDS.map((f) => [f, initial.get(f) ?? ''])));
  const [rows, setRows] = useState<Row[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors(FIELDS, { formId: 'search', prefixes: ['query'] });

  async function load(more: boolean) {
    setBusy(true);
    form.clear();
    try {
      const page = q.name
        ? await get<Page<Enterprise>>('/enterprises', { name: q.name, district: q.district, industry: q.industry, cursor: more ? cursor : undefined })
        : await get<Page<Grade>>('/grades', { tier: q.tier, district: q.district, industry: q.industry, cursor: more ? cursor : undefined });
      // Name results carry their current grade (null until graded); grade results are flat.
      const items: Row[] = page.items.map((i) => ('grade' in i && i.grade ? { ...i, ...i.grade } : i) as Row);
      setRows(more && rows ? [...rows, ...items] : items);
      setCursor(page.nextCursor);
    } catch (err) {
      form.show(err);
    } finally {
      setBusy(false);
    }
  }

  useEffect(() => {
    void load(false);
  }, []);

  function submit(e: Event) {
    e.preventDefault();
    const uscc = q.uscc.trim().toUpperCase();
    if (uscc) return navigate(`/enterprises/${encodeURIComponent(uscc)}`);
    void load(false);
  }

  const set = (k: string) => (e: Event) => setQ({ ...q, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <>
      <PageHeader title="企业查询" />
      <Card>
        <form id="search" class="form-grid" onSubmit={submit} noValidate>
          <ErrorSummary form={form} />
          <Field form={form} name="uscc" label="统一社会信用代码" hint="填写后直接打开该企业">
            <input {...form.input('uscc')} value={q.uscc} onInput={set('uscc')} maxLength={18} autoComplete="off" />
          </Field>
          <Field form={form} name="name" label="企业名称" hint="名称的任意部分">
            <input {...form.input('name')} value={q.name} onInput={set('name')} />
          </Field>
          <Field form={form} name="district" label="行政区划代码（前缀）">
            <input {...form.input('district')} value={q.district} onInput={set('district')} inputMode="numeric" />
          </Field>
          <Field form={form} name="industry" label="行业代码（前缀）">
            <input {...form.input('industry')} value={q.industry} onInput={set('industry')} />
          </Field>
          <Field form={form} name="tier" label="信用等级" hint={q.name ? '按名称查询时不按等级筛选' : undefined}>
            <select {...form.input('tier')} value={q.tier} onChange={set('tier')}>
              <option value="">全部</option>
              {TIERS.map((t) => (
                <option key={t} value={t}>
                  {TIER_LABELS[t]}
                </option>
              ))}
            </select>
          </Field>
          <div class="form-actions">
            <button type="submit" class="primary" disabled={busy}>
              查询
            </button>
          </div>
        </form>
      </Card>
      <Card title="结果" id="results">
        {rows === null ? (
          <p class="muted">{busy ? '正在查询…' : ''}</p>
        ) : (
          <>
            <Table head={['企业名称', '统一社会信用代码', '区划', '行业', '等级', '评分', '评级时间']} empty={rows.length === 0}>
              {rows.map((r) => (
                <tr key={r.uscc}>
                  <td>
                    <a href={`#/enterprises/${r.uscc}`}>{r.name}</a>
                  </td>
                  <td class="mono">{r.uscc}</td>
                  <td title={districtFullName(r.districtCode)}>{districtName(r.districtCode)}</td>
                  <td title={industryLabel(r.industryCode)}>{r.industryCode ? industryName(r.industryCode) : '未填写'}</td>
                  <td>{r.tier ? <TierBadge tier={r.tier} /> : '—'}</td>
                  <td>{r.score ?? '—'}</td>
                  <td>{dateTime(r.gradedAt)}</td>
                </tr>
              ))}
            </Table>
            {cursor ? (
              <button type="button" onClick={() => load(true)} disabled={busy}>
                加载更多
              </button>
            ) : null}
          </>
        )}
      </Card>
    </>
  );
}

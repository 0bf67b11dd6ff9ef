/** 监管概览: tier distribution by district and industry, delivery health per platform, 及时率 by month. */
import { useMemo } from 'preact/hooks';
import type { ChartConfiguration } from 'chart.js';
import { get } from '../api.js';
import { ChartView } from '../components/chart.js';
import { Card, PageHeader, Show, Table, TierBadge, useApi } from '../components/ui.js';
import { PLATFORM_LABELS, platformLabel, TIER_COLORS, TIER_LABELS, today } from '../labels.js';
import { districtName, industryDivision, industryName } from '../names.js';
import { TIERS, type PublicityStatus, type Tier, type TierStats, type Timeliness } from '../types.js';

const MONTHS = 6;
/** One look per platform's 及时率 line: colour, dash and marker all differ, so equal lines stay distinguishable. */
const LINE_STYLES = [
  { color: '#1565c0', dash: [] as number[], point: 'circle' as const },
  { color: '#2e7d32', dash: [8, 5], point: 'triangle' as const },
  { color: '#6a1b9a', dash: [2, 4], point: 'rectRot' as const },
];

/** The last `n` months, oldest first: ['2026-06', …, '2026-11']. */
function lastMonths(n: number): string[] {
  const [y, m] = today().split('-').map(Number);
  const out: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(y, m - 1 - i, 1));
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`);
  }
  return out;
}

type Group = TierStats['groups'][number] & { name: string };

/**
 * The statistics' groups as shown: districts by name; industries (the API counts per full GB/T 4754 code)
 * added up per division (大类), named. An enterprise without an industry counts under 未填写行业.
 */
function namedGroups(stats: TierStats): Group[] {
  if (stats.by === 'district') return stats.groups.map((g) => ({ ...g, name: districtName(g.key) }));
  const out = new Map<string, Group>();
  for (const g of stats.groups) {
    const division = industryDivision(g.key) ?? '';
    const sum = out.get(division) ?? { key: division, name: division ? industryName(division) : '未填写行业', total: 0, A: 0, B: 0, C: 0, D: 0 };
    sum.total += g.total;
    for (const t of TIERS) sum[t as Tier] += g[t as Tier];
    out.set(division, sum);
  }
  return [...out.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function tierChart(groups: Group[]): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels: groups.map((g) => g.name),
      datasets: TIERS.map((t) => ({ label: TIER_LABELS[t], data: groups.map((g) => g[t]), backgroundColor: TIER_COLORS[t], stack: 'tiers' })),
    },
    options: {
      indexAxis: groups.length > 6 ? 'y' : 'x',
      scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  };
}

function TierCard({ by, title }: { by: 'district' | 'industry'; title: string }) {
  const stats = useApi(() => get<TierStats>('/grades/stats', { by }), [by]);
  const groups = useMemo(() => (stats.data ? namedGroups(stats.data) : []), [stats.data]);
  const config = useMemo(() => tierChart(groups), [groups]);
  return (
    <Card title={title} id={`tiers-${by}`}>
      <Show loaded={stats} what="信用等级统计">
        {(s) =>
          s.totals.total === 0 ? (
            <p class="muted">尚无评级结果。</p>
          ) : (
            <ChartView
              config={config}
              label={`${title}：${groups.map((g) => `${g.name} A${g.A} B${g.B} C${g.C} D${g.D}`).join('；')}`}
              height={Math.max(240, groups.length > 6 ? groups.length * 28 : 260)}
              table={{ head: [by === 'district' ? '行政区划' : '行业（大类）', '代码', 'A', 'B', 'C', 'D', '合计'], rows: groups.map((g) => [g.name, g.key || '—', g.A, g.B, g.C, g.D, g.total]) }}
            />
          )
        }
      </Show>
    </Card>
  );
}

function Totals() {
  const stats = useApi(() => get<TierStats>('/grades/stats', { by: 'district' }), []);
  return (
    <Show loaded={stats} what="等级总数">
      {(s) => (
        <div class="kpis" data-testid="tier-totals">
          {TIERS.map((t) => (
            <div class="kpi" key={t}>
              <TierBadge tier={t} />
              <span class="kpi-value">{s.totals[t]}</span>
              <span class="kpi-label">{TIER_LABELS[t]}</span>
            </div>
          ))}
          <div class="kpi">
            <span class="kpi-value">{s.totals.total}</span>
            <span class="kpi-label">已评级企业</span>
          </div>
        </div>
      )}
    </Show>
  );
}

function DeliveryHealth() {
  // Counts only (limit=0): the dashboard shows no record lists, so none are read.
  const status = useApi(() => get<PublicityStatus>('/publicity/status', { limit: 0 }), []);
  return (
    <Card title="双公示报送状态" id="delivery">
      <Show loaded={status} what="报送状态">
        {(s) => (
          <Table head={['平台', '待报送', '逾期未报送', '被拒收', '报送失败', '已报送', '熔断状态']} caption={`截至 ${s.today}`}>
            {s.platforms.map((p) => (
              <tr key={p.platform}>
                <th scope="row">{platformLabel(p.platform)}</th>
                <td>{(p.counts.pending ?? 0) + (p.counts.inflight ?? 0)}</td>
                <td class={p.overdueCount > 0 ? 'overdue' : ''}>{p.overdueCount}</td>
                <td class={(p.counts.rejected ?? 0) > 0 ? 'overdue' : ''}>{p.counts.rejected ?? 0}</td>
                <td class={(p.counts.failed ?? 0) > 0 ? 'overdue' : ''}>{p.counts.failed ?? 0}</td>
                <td>{p.counts.delivered ?? 0}</td>
                <td>{p.circuit === 'closed' ? '正常' : p.circuit === 'open' ? '暂停（平台不可用）' : '试探恢复'}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
    </Card>
  );
}

function TimelinessCard() {
  const months = useMemo(() => lastMonths(MONTHS), []);
  const data = useApi(() => Promise.all(months.map((month) => get<Timeliness>('/publicity/timeliness', { month }))), []);
  const series = useMemo(() => {
    if (!data.data) return null;
    const platforms = [...new Set(data.data.flatMap((m) => m.items.map((i) => i.platform)))].sort();
    return platforms.map((p) => ({
      platform: p,
      rates: data.data!.map((m) => {
        const rows = m.items.filter((i) => i.platform === p);
        const onTime = rows.reduce((n, r) => n + r.onTime, 0);
        const due = rows.reduce((n, r) => n + r.onTime + r.late, 0);
        return due === 0 ? null : Math.round((onTime / due) * 1000) / 10;
      }),
    }));
  }, [data.data]);
  const config = useMemo<ChartConfiguration | null>(
    () =>
      series && {
        type: 'line',
        data: {
          labels: months,
          // A month without records due is a gap, not a line through it; equal rates stay apart by dash and marker.
          datasets: series.map((s, i) => ({
            label: platformLabel(s.platform),
            data: s.rates,
            borderColor: LINE_STYLES[i % LINE_STYLES.length].color,
            backgroundColor: LINE_STYLES[i % LINE_STYLES.length].color,
            borderDash: LINE_STYLES[i % LINE_STYLES.length].dash,
            pointStyle: LINE_STYLES[i % LINE_STYLES.length].point,
            pointRadius: 5 + i,
            borderWidth: 2 + i,
            spanGaps: false,
            tension: 0,
          })),
        },
        options: { scales: { y: { min: 0, max: 100, ticks: { callback: (v) => `${v}%` } } }, plugins: { legend: { position: 'bottom' } } },
      },
    [series],
  );
  return (
    <Card title={`及时率（近 ${MONTHS} 个月，7 个工作日内报送的比例）`} id="timeliness">
      <Show loaded={data} what="及时率">
        {() =>
          series!.length === 0 ? (
            <p class="muted">近 {MONTHS} 个月没有应报送的记录。</p>
          ) : (
            <ChartView
              config={config!}
              label={`及时率：${series!.map((s) => `${PLATFORM_LABELS[s.platform] ?? s.platform} ${s.rates.map((r) => (r === null ? '无' : `${r}%`)).join('、')}`).join('；')}`}
              table={{ head: ['月份', ...series!.map((s) => platformLabel(s.platform))], rows: months.map((m, i) => [m, ...series!.map((s) => (s.rates[i] === null ? '—' : `${s.rates[i]}%`))]) }}
            />
          )
        }
      </Show>
    </Card>
  );
}

export function Dashboard() {
  return (
    <>
      <PageHeader title="监管概览">
        <a class="button" href="#/enterprises">
          企业查询
        </a>
        <a class="button" href="#/queue">
          修复与名单待办
        </a>
      </PageHeader>
      <Totals />
      <div class="grid-2">
        <TierCard by="district" title="信用等级分布（按行政区划）" />
        <TierCard by="industry" title="信用等级分布（按行业）" />
        <DeliveryHealth />
        <TimelinessCard />
      </div>
    </>
  );
}

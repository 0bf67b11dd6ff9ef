/** 监管概览: tier distribution by district and industry, delivery health per platform, 及时率 by month. */
import { useMemo } from 'preact/hooks';
import type { ChartConfiguration } from 'chart.js';
import { get } from '../api.js';
import { ChartView } from '../components/chart.js';
import { Card, PageHeader, Show, Table, TierBadge, useApi } from '../components/ui.js';
import { PLATFORM_LABELS, platformLabel, TIER_COLORS, TIER_LABELS, today } from '../labels.js';
import { TIERS, type PublicityStatus, type TierStats, type Timeliness } from '../types.js';

const MONTHS = 6;

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

function tierChart(stats: TierStats): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels: stats.groups.map((g) => g.key),
      datasets: TIERS.map((t) => ({ label: TIER_LABELS[t], data: stats.groups.map((g) => g[t]), backgroundColor: TIER_COLORS[t], stack: 'tiers' })),
    },
    options: {
      indexAxis: stats.groups.length > 6 ? 'y' : 'x',
      scales: { x: { stacked: true, ticks: { precision: 0 } }, y: { stacked: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } },
    },
  };
}

function TierCard({ by, title }: { by: 'district' | 'industry'; title: string }) {
  const stats = useApi(() => get<TierStats>('/grades/stats', { by }), [by]);
  const config = useMemo(() => (stats.data ? tierChart(stats.data) : null), [stats.data]);
  return (
    <Card title={title} id={`tiers-${by}`}>
      <Show loaded={stats} what="信用等级统计">
        {(s) =>
          s.totals.total === 0 ? (
            <p class="muted">尚无评级结果。</p>
          ) : (
            <ChartView
              config={config!}
              label={`${title}：${s.groups.map((g) => `${g.key} A${g.A} B${g.B} C${g.C} D${g.D}`).join('；')}`}
              height={Math.max(240, s.groups.length > 6 ? s.groups.length * 28 : 260)}
              table={{ head: [by === 'district' ? '行政区划' : '行业', 'A', 'B', 'C', 'D', '合计'], rows: s.groups.map((g) => [g.key, g.A, g.B, g.C, g.D, g.total]) }}
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
  const status = useApi(() => get<PublicityStatus>('/publicity/status'), []);
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
          datasets: series.map((s, i) => ({ label: platformLabel(s.platform), data: s.rates, borderColor: ['#1565c0', '#2e7d32', '#6a1b9a'][i % 3], backgroundColor: 'transparent', spanGaps: true, tension: 0.2 })),
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

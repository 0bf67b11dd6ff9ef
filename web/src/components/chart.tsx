/** Chart.js on a canvas, registered with only the pieces the console uses (tree-shaken build). */
import { useEffect, useRef } from 'preact/hooks';
import { Table } from './ui.js';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Legend, Tooltip, Filler);
Chart.defaults.font.family = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
Chart.defaults.maintainAspectRatio = false;
// No animation: charts are read, not watched (and prefers-reduced-motion is honoured by not moving at all).
Chart.defaults.animation = false;

/**
 * A chart with a text alternative: the canvas is labelled for screen readers and the same numbers are in a
 * table under 「查看数据」.
 */
export function ChartView({ config, label, id, height = 280, table }: { config: ChartConfiguration; label: string; id?: string; height?: number; table?: { head: string[]; rows: (string | number)[][] } }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, config);
    return () => chart.destroy();
  }, [config]);
  return (
    <figure class="chart" id={id}>
      <div class="chart-box" style={{ height: `${height}px` }}>
        <canvas ref={canvas} role="img" aria-label={label} />
      </div>
      {table ? (
        <details>
          <summary>查看数据</summary>
          <Table head={table.head} label={`${label}（数据）`} empty={table.rows.length === 0}>
            {table.rows.map((r, i) => (
              <tr key={i}>
                {r.map((c, j) => (
                  <td key={j}>{c}</td>
                ))}
              </tr>
            ))}
          </Table>
        </details>
      ) : null}
    </figure>
  );
}

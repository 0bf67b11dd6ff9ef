import type { RequestHandler } from 'express';
import { catchUpRecords, deliverySummaries, oldestWaiting, platformIds } from '../publicity/index.js';

/**
 * Operational metrics in the Prometheus text format (0.0.4): HTTP requests and their latency per
 * route (counted in this process since it started), and from the database the delivery states per
 * platform and the age of the oldest record version waiting for delivery.
 */

/** Latency histogram bucket bounds, seconds. */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Series {
  count: number;
  sum: number;
  buckets: number[];
}

const requests = new Map<string, number>();
const latency = new Map<string, Series>();

const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (l: Record<string, string>) => `{${Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;

/**
 * Counts every request when its response ends: by method, route pattern as declared (API routes relative
 * to /api/v1, as in apiRoutes; never the raw path, so ids do not multiply series; `unmatched` when no
 * route answered) and status code.
 */
export const metricsMiddleware: RequestHandler = (req, res, next) => {
  const start = process.hrtime.bigint();
  res.on('finish', () => {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const routePath = (req.route as { path?: string } | undefined)?.path;
    const route = typeof routePath === 'string' ? routePath : 'unmatched';
    const key = labels({ method: req.method, route, status: String(res.statusCode) });
    requests.set(key, (requests.get(key) ?? 0) + 1);
    const lkey = labels({ method: req.method, route });
    let s = latency.get(lkey);
    if (!s) latency.set(lkey, (s = { count: 0, sum: 0, buckets: BUCKETS.map(() => 0) }));
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= BUCKETS[i]) s.buckets[i]++;
  });
  next();
};

const DELIVERY_STATES = ['pending', 'inflight', 'delivered', 'rejected', 'failed'] as const;

/** The metrics text. Delivery counts come from the delivery summaries (publicity/summaries.ts). */
export async function renderMetrics(now = new Date()): Promise<string> {
  const out: string[] = [];
  out.push('# HELP http_requests_total HTTP requests answered, by method, route and status.', '# TYPE http_requests_total counter');
  for (const [k, v] of requests) out.push(`http_requests_total${k} ${v}`);
  out.push('# HELP http_request_duration_seconds HTTP request latency, by method and route.', '# TYPE http_request_duration_seconds histogram');
  for (const [k, s] of latency) {
    const inner = k.slice(1, -1);
    BUCKETS.forEach((b, i) => out.push(`http_request_duration_seconds_bucket{${inner},le="${b}"} ${s.buckets[i]}`));
    out.push(`http_request_duration_seconds_bucket{${inner},le="+Inf"} ${s.count}`);
    out.push(`http_request_duration_seconds_sum${k} ${s.sum.toFixed(6)}`, `http_request_duration_seconds_count${k} ${s.count}`);
  }
  out.push('# HELP delivery_records Records by 双公示 delivery state, per platform.', '# TYPE delivery_records gauge');
  const ages: string[] = [];
  const caughtUp = await catchUpRecords();
  const summary = await deliverySummaries(caughtUp);
  for (const platform of platformIds()) {
    const counts = DELIVERY_STATES.map((state) => summary.rows.filter((r) => r.dims.platform === platform && r.dims.state === state).reduce((n, r) => n + r.n, 0));
    DELIVERY_STATES.forEach((state, i) => out.push(`delivery_records${labels({ platform, state })} ${counts[i]}`));
    const oldest = await oldestWaiting(platform, ['pending', 'inflight'], () => true, {}, caughtUp);
    const age = oldest ? Math.max(0, (now.getTime() - oldest.getTime()) / 1000) : 0;
    ages.push(`delivery_queue_oldest_age_seconds${labels({ platform })} ${age.toFixed(3)}`);
  }
  out.push('# HELP delivery_queue_oldest_age_seconds Age of the oldest record version waiting for delivery (0 when none).', '# TYPE delivery_queue_oldest_age_seconds gauge', ...ages);
  out.push('# HELP process_resident_memory_bytes Resident memory size.', '# TYPE process_resident_memory_bytes gauge', `process_resident_memory_bytes ${process.memoryUsage().rss}`);
  out.push('# HELP process_uptime_seconds Seconds since the process started.', '# TYPE process_uptime_seconds gauge', `process_uptime_seconds ${process.uptime().toFixed(1)}`);
  return `${out.join('\n')}\n`;
}

/** Chinese labels of the API's codes, and small formatting helpers. */
import type { RecordItem, Tier } from './types.js';

export const PLATFORM_LABELS: Record<string, string> = { municipal: '市级信用平台', national: '国家平台' };
export const platformLabel = (p: string) => PLATFORM_LABELS[p] ?? p;

export const DELIVERY_LABELS: Record<string, string> = {
  pending: '待报送',
  inflight: '报送中',
  delivered: '已报送',
  rejected: '被拒收',
  failed: '报送失败',
  superseded: '已被新版本取代',
  skipped: '不公示',
};
export const deliveryLabel = (s: string) => DELIVERY_LABELS[s] ?? s;

export const LIFECYCLE_LABELS: Record<RecordItem['lifecycle'], string> = { active: '有效', revoked: '已撤销', expired: '已到期', withdrawn: '已停止公示' };

export const TIER_LABELS: Record<Tier, string> = { A: 'A 级（守信）', B: 'B 级（一般）', C: 'C 级（较差）', D: 'D 级（失信，重点监管）' };
export const TIER_COLORS: Record<Tier, string> = { A: '#2e7d32', B: '#1565c0', C: '#ef6c00', D: '#c62828' };

export const KIND_LABELS: Record<RecordItem['kind'], string> = { permit: '行政许可', penalty: '行政处罚' };

export const INDICATOR_LABELS: Record<string, string> = {
  base: '基础分',
  standardisation: '安全生产标准化',
  penalty: '行政处罚',
  accident: '生产安全事故',
  hazard: '事故隐患',
  commitment: '信用承诺',
  permit: '行政许可',
  listing: '严重失信主体名单',
  fatalAccident: '死亡事故降级',
};

export const TRIGGER_LABELS: Record<string, string> = { sweep: '变更后自动评级', full: '全量评级', now: '即时评级', nightly: '夜间全量评级' };

/** 2026-11-26T08:00:00Z → 2026-11-26 16:00 (Asia/Shanghai, as the service's dates are). */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).replace(/\//g, '-');
}

/** Today as YYYY-MM-DD in Asia/Shanghai. */
export function today(): string {
  return new Date().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
}

/** The publicity state of a record, in words: 公示中（至 …）, 已停止公示（信用修复）… */
export function publicityState(r: RecordItem): string {
  if (r.lifecycle === 'withdrawn') {
    const reason = Object.values(r.delivery).find((d) => d?.reason)?.reason;
    return `已停止公示${reason ? `（${reason}）` : ''}`;
  }
  if (r.lifecycle === 'revoked') return '已撤销';
  if (r.lifecycle === 'expired') return '已到期';
  if (r.published === false) return '不公示';
  return r.publicityEndDate ? `公示中（至 ${r.publicityEndDate}）` : '公示中';
}

/**
 * A working-day-derived date as shown: "2027-01-05（暂定）" when the resource lists its path in `provisionalDates`
 * (computed before the year's official holiday schedule was loaded; recomputed once it is).
 */
export function withProvisional(date: string | null | undefined, provisionalDates: string[] | undefined, path: string): string {
  if (!date) return '—';
  return provisionalDates?.includes(path) ? `${date}（暂定）` : date;
}

/**
 * What happens next to a record just entered or corrected, in the clerk's words: a 轻微 penalty is never
 * published; a record past its 7-working-day deadline goes out at once but counts as late in 及时率.
 */
export function deliveryOutlook(
  r: { published: boolean | null; publicityDeadline: string | null; severity?: string | null; provisionalDates?: string[] },
  done: '录入' | '更正',
  todayDate = today(),
): { tone: 'ok' | 'warn'; text: string } {
  const deadline = withProvisional(r.publicityDeadline, r.provisionalDates, 'publicityDeadline');
  if (r.published === false) return { tone: 'ok', text: `已${done}。该处罚认定为${r.severity ?? '轻微'}失信行为，依规定不予公示，不报送信用平台` };
  if (r.publicityDeadline && r.publicityDeadline < todayDate)
    return { tone: 'warn', text: `已${done}，但已超过公示期限（${deadline}，决定之日起 7 个工作日）：将立即报送，并在及时率中计为逾期` };
  return { tone: 'ok', text: done === '录入' ? `已录入，将在公示期限（${deadline}）内报送` : '已更正，将重新报送' };
}

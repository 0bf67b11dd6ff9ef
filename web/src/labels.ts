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

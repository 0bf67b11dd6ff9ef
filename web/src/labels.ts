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

// ---- Audit trail (审计日志, admin) ----

/** Audit actions (GET /audit `action`) in words; an action without a label is shown as its code. */
export const ACTION_LABELS: Record<string, string> = {
  'apiKey.create': '创建 API 密钥',
  'apiKey.revoke': '吊销 API 密钥',
  'apiKey.fullIdNumbers.grant': '授予完整证件号码权限',
  'auth.failed': '认证失败',
  'auth.forbidden': '拒绝访问（无权限）',
  'calendar.load': '导入节假日安排',
  'calendar.recompute': '重算工作日期限',
  'enterprise.create': '登记企业',
  'enterprise.create.usccOverride': '登记企业（代码例外）',
  'enterprise.update': '修改企业信息',
  'enterprise.batch': '批量登记企业',
  'permit.create': '录入行政许可',
  'permit.create.unchanged': '重复录入行政许可（未变化）',
  'permit.correct': '更正行政许可',
  'permit.correct.unchanged': '重复更正行政许可（未变化）',
  'permit.revoke': '撤销行政许可',
  'permit.batch': '批量录入行政许可',
  'penalty.create': '录入行政处罚',
  'penalty.create.unchanged': '重复录入行政处罚（未变化）',
  'penalty.correct': '更正行政处罚',
  'penalty.correct.unchanged': '重复更正行政处罚（未变化）',
  'penalty.revoke': '撤销行政处罚',
  'penalty.batch': '批量录入行政处罚',
  'penalty.periods.recompute': '重算处罚公示期限',
  'accident.create': '录入生产安全事故',
  'hazard.create': '录入事故隐患',
  'hazard.update': '更新事故隐患',
  'commitment.create': '录入信用承诺',
  'commitment.breach': '登记违背信用承诺',
  'import.create': '创建批量导入',
  'import.finish': '批量导入结束',
  'publicity.run': '报送信用平台',
  'grading.regrade.full': '全量信用评级',
  'grading.regrade.batch': '批量重新评级',
  'supervisionPlan.create': '生成检查计划',
  'supervisionPlan.export': '导出检查计划',
  'repair.submit': '提交信用修复申请',
  'repair.accept': '受理信用修复申请',
  'repair.refuse': '不予受理信用修复申请',
  'repair.extend': '延长信用修复办理期限',
  'repair.approve': '准予信用修复',
  'repair.deny': '不予信用修复',
  'repair.effect': '信用修复执行完毕',
  'repair.revoke': '撤销信用修复决定',
  'repair.revoke.restore': '撤销修复后恢复公示',
  'repair.revoke.regrade': '撤销修复后重新评级',
  'repair.fulfilment.record': '登记履行情况',
  'dishonesty.propose': '提请列入严重失信名单',
  'dishonesty.notice': '制发列入告知书',
  'dishonesty.notice.served': '登记告知书送达',
  'dishonesty.objection': '陈述申辩',
  'dishonesty.objection.waive': '放弃陈述申辩',
  'dishonesty.decide': '作出列入决定',
  'dishonesty.correct': '变更列入信息',
  'dishonesty.expire': '列入期满移出',
  'dishonesty.removal.apply': '申请提前移出名单',
  'dishonesty.removal.decide': '决定提前移出名单',
  'dishonesty.removal.revoke': '撤销提前移出决定',
  'dishonesty.period.recompute': '重算名单程序期限',
  'dishonesty.basis.revoke': '列入依据撤销，撤销列入',
  'dishonesty.basis.suspend': '列入依据部分撤销，暂停列入',
  'dishonesty.basis.uphold': '复核后维持列入',
  'dishonesty.check.fullIdNumbers': '名单查询（完整证件号码）',
  'dishonesty.compare': '名单批量比对',
  'dishonesty.compare.fullIdNumbers': '名单批量比对（完整证件号码）',
  'dishonesty.feedback': '登记联合惩戒措施反馈',
  'export.dishonestyList': '导出严重失信主体名单',
  'export.dishonestyList.fullIdNumbers': '导出严重失信主体名单（完整证件号码）',
};
export const actionLabel = (a: string) => ACTION_LABELS[a] ?? a;

/** Audit resources (GET /audit `resource`). */
export const RESOURCE_LABELS: Record<string, string> = {
  apiKey: 'API 密钥',
  auth: '认证',
  enterprise: '企业',
  permit: '行政许可',
  penalty: '行政处罚',
  accident: '生产安全事故',
  hazard: '事故隐患',
  commitment: '信用承诺',
  import: '批量导入',
  repair: '信用修复',
  dishonestyCase: '严重失信名单案件',
  dishonestyCheck: '名单查询',
  dishonestyComparison: '名单批量比对',
  punishmentFeedback: '联合惩戒反馈',
  export: '名单导出',
  calendarYear: '节假日安排',
  grade: '信用评级',
  publicity: '双公示报送',
  supervisionPlan: '检查计划',
};
export const resourceLabel = (r: string) => RESOURCE_LABELS[r] ?? r;

export const OUTCOME_LABELS: Record<string, string> = { success: '成功', denied: '拒绝', failure: '失败' };

/** The signed-in frame: header, navigation by role, and the screen of the current route. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { match, useHashPath } from './router.js';
import { hasRole, useMe } from './session.js';
import type { Me, Role } from './types.js';
import { Dashboard } from './pages/Dashboard.js';
import { EnterpriseSearch } from './pages/EnterpriseSearch.js';
import { EnterprisePage } from './pages/EnterprisePage.js';
import { WorkQueue } from './pages/WorkQueue.js';
import { RecordForm } from './pages/RecordForm.js';
import { Imports } from './pages/Imports.js';
import { Plans, PlanPage } from './pages/Plans.js';
import { RepairPage } from './pages/RepairPage.js';
import { MyEnterprise } from './pages/MyEnterprise.js';
import { RepairApply } from './pages/RepairApply.js';
import { CalendarPage } from './pages/CalendarPage.js';
import { PartnerCheck } from './pages/PartnerCheck.js';
import { PartnerCompare } from './pages/PartnerCompare.js';
import { PartnerExports } from './pages/PartnerExports.js';
import { PartnerFeedback } from './pages/PartnerFeedback.js';
import { AdminKeys } from './pages/AdminKeys.js';
import { AuditSearch } from './pages/AuditSearch.js';
import { EnterpriseForm, IncompleteEnterprises } from './pages/EnterpriseForm.js';
import { Fulfilment } from './pages/Fulfilment.js';
import { ListingPropose } from './pages/ListingPropose.js';
import { ListingCasePage } from './pages/ListingCase.js';
import { MyListing } from './pages/MyListing.js';

interface RouteDef {
  pattern: string;
  roles: Role[];
  nav?: string;
  render: (p: Record<string, string>, path: string) => ComponentChildren;
}

const STAFF: Role[] = ['clerk', 'reviewer', 'regulator'];

const ROUTES: RouteDef[] = [
  { pattern: '/', roles: STAFF, nav: '监管概览', render: () => <Dashboard /> },
  { pattern: '/enterprises', roles: STAFF, nav: '企业查询', render: (_p, path) => <EnterpriseSearch path={path} /> },
  { pattern: '/enterprises/:uscc', roles: STAFF, render: (p) => <EnterprisePage uscc={p.uscc} /> },
  { pattern: '/enterprises/:uscc/edit', roles: ['clerk'], render: (p) => <EnterpriseForm uscc={p.uscc} key={p.uscc} /> },
  { pattern: '/register', roles: ['clerk'], nav: '登记企业', render: () => <EnterpriseForm /> },
  { pattern: '/incomplete', roles: ['clerk'], nav: '待补全企业', render: () => <IncompleteEnterprises /> },
  { pattern: '/penalties/:id/fulfilment', roles: ['clerk'], render: (p) => <Fulfilment recordId={p.id} /> },
  { pattern: '/queue', roles: ['reviewer', 'regulator', 'clerk'], nav: '修复与名单待办', render: () => <WorkQueue /> },
  { pattern: '/records/new', roles: ['clerk'], nav: '录入记录', render: (_p, path) => <RecordForm path={path} /> },
  { pattern: '/records/:kind/:id/correct', roles: ['clerk'], render: (p, path) => <RecordForm path={path} correct={{ kind: p.kind as 'permit' | 'penalty', id: p.id }} /> },
  { pattern: '/imports', roles: ['clerk'], nav: '批量导入', render: (_p, path) => <Imports path={path} /> },
  { pattern: '/plans', roles: STAFF, nav: '检查计划', render: () => <Plans /> },
  { pattern: '/plans/:id', roles: STAFF, render: (p) => <PlanPage id={p.id} /> },
  { pattern: '/repairs/:id', roles: [...STAFF, 'enterprise'], render: (p) => <RepairPage id={p.id} /> },
  { pattern: '/', roles: ['enterprise'], nav: '本企业信用', render: () => <MyEnterprise /> },
  { pattern: '/repair/:recordId', roles: ['enterprise'], render: (p) => <RepairApply recordId={p.recordId} /> },
  { pattern: '/listing/propose', roles: ['clerk'], render: (_p, path) => <ListingPropose path={path} /> },
  { pattern: '/listing/:id', roles: [...STAFF, 'enterprise'], render: (p) => <ListingCasePage id={p.id} /> },
  { pattern: '/listing', roles: ['enterprise'], nav: '严重失信名单', render: () => <MyListing /> },
  { pattern: '/calendar', roles: ['admin', ...STAFF], nav: '节假日安排', render: () => <CalendarPage /> },
  { pattern: '/', roles: ['admin'], render: () => <CalendarPage /> },
  { pattern: '/keys', roles: ['admin'], nav: 'API 密钥', render: () => <AdminKeys /> },
  { pattern: '/audit', roles: ['admin'], nav: '审计日志', render: (_p, path) => <AuditSearch path={path} /> },
  { pattern: '/', roles: ['partner'], nav: '名单查询', render: (_p, path) => <PartnerCheck path={path} /> },
  { pattern: '/comparisons', roles: ['partner'], nav: '批量比对', render: () => <PartnerCompare /> },
  { pattern: '/exports', roles: ['partner'], nav: '名单导出', render: () => <PartnerExports /> },
  { pattern: '/feedback', roles: ['partner'], nav: '惩戒反馈', render: (_p, path) => <PartnerFeedback path={path} /> },
];

function allowed(me: Me, r: RouteDef) {
  return hasRole(me, ...r.roles);
}

export function Shell({ onSignOut }: { onSignOut: () => void }) {
  const me = useMe();
  const path = useHashPath();
  const main = useRef<HTMLElement>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const routes = ROUTES.filter((r) => allowed(me, r));
  let page: ComponentChildren = null;
  for (const r of routes) {
    const params = match(r.pattern, path);
    if (params) {
      page = r.render(params, path);
      break;
    }
  }
  // Move the focus to the new screen's heading on navigation (keyboard and screen-reader users).
  useEffect(() => {
    setMenuOpen(false);
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [path]);
  const bare = path.split('?')[0];
  const nav = routes.filter((r) => r.nav);
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        跳到正文
      </a>
      <header class="topbar">
        <div class="brand">
          <span class="brand-mark" aria-hidden="true">
            信
          </span>
          <span>安全生产信用监管</span>
        </div>
        <button type="button" class="menu-toggle" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          菜单
        </button>
        <nav id="nav" class={menuOpen ? 'open' : ''} aria-label="主导航">
          {nav.map((r) => (
            <a key={r.nav} href={`#${r.pattern}`} aria-current={bare === r.pattern || (r.pattern !== '/' && bare.startsWith(r.pattern)) ? 'page' : undefined}>
              {r.nav}
            </a>
          ))}
        </nav>
        <div class="who">
          <span class="who-name" data-testid="who">
            {me.name}
            <span class="muted">（{me.roleLabels.join('、')}）</span>
          </span>
          <button type="button" class="link" onClick={onSignOut}>
            退出
          </button>
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {page ?? <NotFound me={me} />}
      </main>
    </div>
  );
}

function NotFound({ me }: { me: Me }) {
  return (
    <div class="card">
      <h1 tabIndex={-1}>页面不存在或无权访问</h1>
      <p>
        当前身份（{me.roleLabels.join('、')}）没有此页面。<a href="#/">返回首页</a>
      </p>
      <p class="muted">
        网页控制台的页面按身份提供：监管人员（录入、审核、监管查询）办理企业、记录、修复和名单；企业用户查看本企业信用并申请修复；联合惩戒协同部门查询名单、批量比对、导出名单和反馈惩戒措施；系统管理员管理
        API 密钥、查询审计日志、导入节假日安排。
      </p>
    </div>
  );
}

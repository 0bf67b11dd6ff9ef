/** Roles (角色). A principal may hold several. */
export const ROLES = ['admin', 'clerk', 'reviewer', 'regulator', 'enterprise', 'partner'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: '系统管理员',
  clerk: '录入人员',
  reviewer: '审核人员',
  regulator: '监管查询人员',
  enterprise: '企业用户',
  partner: '联合惩戒协同部门',
};

/** Staff roles (监管人员): none of them may be held together with `enterprise` by one credential. */
export const STAFF_ROLES: readonly Role[] = ['clerk', 'reviewer', 'regulator', 'admin'];

/**
 * Separation of duties (职责分离): a credential acting for an enterprise must not also act for the bureau —
 * it would apply for, accept and approve its own repair. Returns the zh-CN reason when `roles` mix them.
 */
export function rolesConflict(roles: readonly string[]): string | null {
  const staff = STAFF_ROLES.filter((r) => roles.includes(r));
  if (!roles.includes('enterprise') || staff.length === 0) return null;
  return `企业用户角色不能与监管人员角色（${staff.map((r) => ROLE_LABELS[r]).join('、')}）授予同一凭据（职责分离）`;
}

/** Who is calling: resolved from an API key or a bearer token. */
export interface Principal {
  id: string;
  name: string;
  roles: Role[];
  /** For `enterprise` principals: the one 统一社会信用代码 they act for. */
  uscc?: string;
  /** Authority scope: administrative division codes (prefixes) a clerk/reviewer/regulator covers; empty = all. */
  scope: string[];
  /** The authority (行政机关, its USCC and name) a clerk/reviewer acts for; unset = not bound to one authority. */
  authorityUscc?: string;
  authorityName?: string;
  /** Partner keys under a data-sharing agreement: full ID numbers of listed persons (dishonesty check, comparison, export). */
  fullIdNumbers?: boolean;
  via: 'apiKey' | 'jwt';
}

/**
 * Roles whose work needs full ID numbers (证件号码): clerks enter and correct them, reviewers decide
 * repairs and listings of natural persons. Everyone else receives them masked (src/lib/mask.ts).
 */
export const ID_NUMBER_ROLES: readonly Role[] = ['clerk', 'reviewer'];

export function mayReadIdNumbers(p: Pick<Principal, 'roles'> | undefined): boolean {
  return p !== undefined && p.roles.some((r) => ID_NUMBER_ROLES.includes(r));
}

/** Who is signed in (GET /api/v1/me) and what the console offers them. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { api, clearCredential, setCredential, type Credential } from './api.js';
import type { Me, Role } from './types.js';

export const MeContext = createContext<Me | null>(null);

export function useMe(): Me {
  const me = useContext(MeContext);
  if (!me) throw new Error('not signed in');
  return me;
}

/** Checks the credential against the API; stores it (this browser tab only) when it works. */
export async function signIn(credential: Credential): Promise<Me> {
  const me = await api<Me>('/me', { credential });
  setCredential(credential);
  return me;
}

export function signOut(): void {
  clearCredential();
}

export const STAFF_ROLES: Role[] = ['clerk', 'reviewer', 'regulator'];
export const hasRole = (me: Me, ...roles: Role[]) => me.roles.some((r) => roles.includes(r));
export const isStaff = (me: Me) => hasRole(me, ...STAFF_ROLES);

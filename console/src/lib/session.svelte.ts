/**
 * The signed-in session. The refresh token is kept in sessionStorage (this tab only, gone when
 * it closes) so a reload does not ask for the password again; the access token stays in memory.
 */
import type { Role } from "./roles";

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn?: number;
  user: { id?: number; username: string; role: Role };
}

const KEY = "mmesh.session";

export const session = $state<{ current: Session | null }>({ current: null });

export function setSession(s: Session): void {
  session.current = s;
  try {
    sessionStorage.setItem(KEY, JSON.stringify({ refreshToken: s.refreshToken, user: s.user }));
  } catch {
    /* storage unavailable: the session lasts as long as the page */
  }
}

export function clearSession(): void {
  session.current = null;
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    /* nothing stored */
  }
}

/** A refresh token saved by this tab, to resume the session after a reload. */
export function storedRefreshToken(): string | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    return raw ? ((JSON.parse(raw) as { refreshToken?: string }).refreshToken ?? null) : null;
  } catch {
    return null;
  }
}

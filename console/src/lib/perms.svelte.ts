/** The OpenAPI document's roles per operation, loaded once after sign-in. */
import { session } from "./session.svelte";
import { allowed, permissionsFrom, type Permissions } from "./roles";

export const perms = $state<{ map: Permissions; loaded: boolean }>({ map: new Map(), loaded: false });

export async function loadPermissions(): Promise<void> {
  const res = await fetch("/api/openapi.json");
  if (!res.ok) return;
  perms.map = permissionsFrom(await res.json());
  perms.loaded = true;
}

/** May the signed-in user call this operation (`POST /api/v1/mm/kill-switch`)? */
export function can(operation: string): boolean {
  return allowed(perms.map, session.current?.user.role, operation);
}

/**
 * What the signed-in role may do, read from the OpenAPI document: each operation lists the roles
 * the gateway accepts (`x-roles`). A control is shown only when its operation accepts the role; the
 * gateway refuses the call anyway.
 */
export type Role = "viewer" | "trader" | "admin";

export const ROLES: readonly Role[] = ["viewer", "trader", "admin"];

/** `METHOD /api/v1/path/{param}` → roles allowed; absent: no token needed. */
export type Permissions = Map<string, readonly string[]>;

export function permissionsFrom(doc: { paths?: Record<string, Record<string, { "x-roles"?: string[]; security?: unknown[] }>> }): Permissions {
  const out: Permissions = new Map();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(item)) {
      if (!op || typeof op !== "object") continue;
      const roles = op["x-roles"] ?? (Array.isArray(op.security) && op.security.length === 0 ? [...ROLES] : ["viewer", "trader", "admin"]);
      out.set(`${method.toUpperCase()} ${path}`, roles);
    }
  }
  return out;
}

/** May `role` call `METHOD path` (path as in the document, e.g. /api/v1/mm/bots/{bot}/pause)? Unknown operations: no. */
export function allowed(perms: Permissions, role: Role | undefined, operation: string): boolean {
  if (!role) return false;
  const roles = perms.get(operation);
  return roles !== undefined && roles.includes(role);
}

/** Without the document: the rank order the gateway applies (lib/auth/roles.ts). */
export function atLeast(role: Role | undefined, required: Role): boolean {
  return role !== undefined && ROLES.indexOf(role) >= ROLES.indexOf(required);
}

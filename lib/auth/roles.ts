export const ROLES = ["viewer", "trader", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** Roles are ordered: an admin may do what a trader may, a trader what a viewer may. */
export function roleAllows(granted: Role, required: Role): boolean {
  return ROLES.indexOf(granted) >= ROLES.indexOf(required);
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (ROLES as readonly string[]).includes(value);
}

/** Describes the gateway's live aliases for the OpenAPI builder, from the registry's action schemas. */
import { ROLES, type Role } from "../auth/roles";
import { ACTION_RESPONSES, acceptedResponseOf } from "../openapi/responses";
import type { FvSchema, HttpMethod, RouteDescriptor, SchemaObject } from "../openapi/types";

export interface GatewayAlias {
  method: string;
  fullPath: string;
  action?: string;
}

export interface RegistryAction {
  name: string;
  action?: {
    params?: FvSchema;
    auth?: boolean;
    role?: Role;
    summary?: string;
    description?: string;
    /** JSON Schema of the success body; wins over lib/openapi/responses. */
    response?: SchemaObject;
  };
}

const METHODS: HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/** Roles that may call a route whose lowest allowed role is `lowest`. */
function rolesFrom(lowest: Role): string[] {
  return ROLES.slice(ROLES.indexOf(lowest));
}

export function collectRoutes(aliases: readonly GatewayAlias[], actions: readonly RegistryAction[]): RouteDescriptor[] {
  const byName = new Map(actions.map((a) => [a.name, a.action ?? {}]));
  const routes: RouteDescriptor[] = [];
  for (const alias of aliases) {
    if (!alias.action) continue; // custom handlers (docs pages) are not API operations
    const schema = byName.get(alias.action);
    if (!schema) continue;
    const methods = alias.method === "*" ? METHODS : METHODS.filter((m) => m === alias.method.toUpperCase());
    const auth = schema.auth !== false;
    const response = schema.response ?? ACTION_RESPONSES[alias.action];
    const accepted = acceptedResponseOf(alias.action);
    for (const method of methods) {
      routes.push({
        method,
        path: alias.fullPath,
        action: alias.action,
        params: schema.params,
        summary: schema.summary,
        description: schema.description,
        auth,
        roles: auth ? rolesFrom(schema.role ?? "viewer") : undefined,
        ...(response !== undefined ? { response } : {}),
        ...(accepted !== undefined ? { accepted } : {}),
      });
    }
  }
  return routes;
}

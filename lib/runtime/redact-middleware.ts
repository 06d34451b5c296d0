/**
 * The broker side of redaction (lib/runtime/redact.ts):
 * - emitted and broadcast events never carry a secret-named field: its value is replaced
 *   and a warning names the event and field (never the value). Market data (`price.*`, the
 *   highest-rate events, built by mmesh from venue data) and Moleculer's internal `$` events
 *   skip the check: they carry no user input, and a 40-level book costs the check ~¼ of
 *   serializing it (bench/redact);
 * - the values of secret params an action receives (auth.login's password, keys.add's
 *   payload.secret, ...) and the secrets keys.reveal hands a signing service are remembered,
 *   so that a log line or error message quoting one of them later is still redacted.
 */
import type { ActionHandler, ActionSchema, Context, Middleware, ServiceBroker } from "moleculer";
import { isSecretKey, redactSecretFields, registerSecretsIn } from "./redact";

type Emit = (event: string, payload?: unknown, opts?: unknown) => unknown;
type Call = (action: string, params?: unknown, opts?: unknown) => Promise<unknown>;

/** Whether a params schema names a secret field or takes a free-form object (which may hold one). */
function mayCarrySecrets(schema: unknown, depth = 0): boolean {
  if (!schema || typeof schema !== "object" || depth > 6) return false;
  for (const [key, rule] of Object.entries(schema as Record<string, unknown>)) {
    if (key.startsWith("$$")) continue;
    if (isSecretKey(key)) return true;
    if (rule === "object" || rule === "any") return true;
    if (rule && typeof rule === "object") {
      const r = rule as { type?: string; props?: unknown; properties?: unknown; items?: unknown };
      if ((r.type === "object" && !r.props && !r.properties) || r.type === "any") return true;
      if (mayCarrySecrets(r.props ?? r.properties, depth + 1) || mayCarrySecrets(typeof r.items === "object" ? { items: r.items } : null, depth + 1)) return true;
    }
  }
  return false;
}

export function redactionMiddleware(): Middleware {
  let warn: (message: string) => void = () => undefined;
  const guard = (kind: string) =>
    function (next: Emit): Emit {
      return (event, payload, opts) => {
        if (event.startsWith("price.") || event.startsWith("$")) return next(event, payload, opts);
        const { value, hidden } = redactSecretFields(payload);
        if (hidden.length > 0) warn(`${kind} '${event}' carried secret field(s) ${hidden.join(", ")}: values replaced with [redacted]`);
        return next(event, value, opts);
      };
    };
  return {
    name: "Redaction",
    created(broker: ServiceBroker) {
      const logger = broker.getLogger("redaction");
      warn = (message) => logger.warn(message);
    },
    localAction(handler: ActionHandler, action: ActionSchema) {
      if (!mayCarrySecrets(action.params)) return handler;
      return function (this: never, ctx: Context) {
        registerSecretsIn(ctx.params);
        return handler.call(this, ctx);
      };
    },
    call(next: Call): Call {
      return (action, params, opts) => {
        const result = next(action, params, opts);
        return action === "keys.reveal" ? result.then((secret) => (registerSecretsIn(secret), secret)) : result;
      };
    },
    emit: guard("Event"),
    broadcast: guard("Broadcast"),
    broadcastLocal: guard("Local broadcast"),
  } as unknown as Middleware;
}

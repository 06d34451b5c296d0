/**
 * Which calls the broker's retry policy may repeat. A call that timed out may still have
 * done its work (the handler ran, the answer was late or lost), so repeating it is only
 * safe when a second run cannot add a second effect:
 *
 * - reads: actions whose REST routes are all GETs, or marked `idempotent: true`;
 * - writes made idempotent by a key: `idempotencyKey` names the param(s) that make a repeat
 *   harmless (a config version precondition, a client order id), and only a call that
 *   carries one of them is retried;
 * - everything else (including internal actions with no route and no declaration) is
 *   never retried, whatever the caller asked: the safe default.
 *
 * The middleware sits just outside Moleculer's Retry and sets the call's `retries` to 0
 * when repeating is unsafe. It wraps remote actions too, reading the declaration from the
 * action's definition as the remote node announced it, so the caller's node decides.
 */
import type { Context, Middleware } from "moleculer";

type Handler = (ctx: Context) => Promise<unknown>;

export interface RetryDeclaration {
  rest?: unknown;
  idempotent?: boolean;
  idempotencyKey?: string | string[];
}

function restMethods(rest: unknown): string[] {
  const routes = Array.isArray(rest) ? rest : rest === undefined || rest === null ? [] : [rest];
  return routes.map((r) => (typeof r === "string" ? (/^\s*([A-Za-z]+)\s+/.exec(r)?.[1] ?? "*") : String((r as { method?: string }).method ?? "*")).toUpperCase());
}

/** True when repeating this call after a timeout cannot add a second effect. */
export function retrySafe(action: RetryDeclaration, params: unknown): boolean {
  if (action.idempotent !== undefined) return action.idempotent;
  if (action.idempotencyKey !== undefined) {
    const keys = Array.isArray(action.idempotencyKey) ? action.idempotencyKey : [action.idempotencyKey];
    const p = (params ?? {}) as Record<string, unknown>;
    return keys.some((k) => p[k] !== undefined && p[k] !== null && p[k] !== "");
  }
  const methods = restMethods(action.rest);
  return methods.length > 0 && methods.every((m) => m === "GET");
}

export function retrySafetyMiddleware(): Middleware {
  const wrap = (handler: Handler, action: RetryDeclaration): Handler =>
    function retrySafety(ctx: Context) {
      if (!retrySafe(action, ctx.params)) ctx.options.retries = 0;
      return handler(ctx);
    };
  return { name: "RetrySafety", localAction: wrap, remoteAction: wrap } as unknown as Middleware;
}

/**
 * The broker's middleware list: Moleculer's internal ones in their own order (the broker is
 * built with `internalMiddlewares: false`), with two changes.
 *
 * - CacheFirst (cache-first.ts) just inside Tracing: a cache hit is answered before the
 *   breaker, timeout and retry wrappers.
 * - The context tracker's remote half moved outside Timeout. Moleculer tracks an outgoing
 *   call inside the timeout, and a timed-out remote call never settles there: the error
 *   handler only drops the pending request, so the caller's context stayed tracked for good.
 *   Every call that timed out (a probe during a NATS outage, a node that stopped answering)
 *   was kept in memory, made the list's linear removals slower, and made the node's
 *   stop wait `tracking.shutdownTimeout` and end with GracefulStopTimeoutError. Outside the
 *   timeout, the call is done when its caller has the answer or the timeout. Local actions
 *   and events are still tracked inside it, so a stop still waits for a timed-out local
 *   handler that is still running.
 *
 * And two additions: RetrySafety (retry-safety.ts) just outside Retry, so that only calls
 * safe to repeat (reads, writes carrying an idempotency key) are retried; DeadlineGuard
 * (deadline-guard.ts) just inside Bulkhead, so that a call queued past its caller's timeout
 * is not run late.
 */
import * as moleculer from "moleculer";
import type { ActionHandler, ActionSchema, Middleware, ServiceBroker } from "moleculer";
import { cacheFirstMiddleware } from "./cache-first";
import { deadlineGuardMiddleware } from "./deadline-guard";
import { retrySafetyMiddleware } from "./retry-safety";

type MiddlewareFactory = (broker: ServiceBroker) => Middleware & Record<string, unknown>;
const stock = (moleculer as unknown as { Middlewares: Record<string, MiddlewareFactory> }).Middlewares;

/** The context tracker as two list entries sharing one tracker (the first entry creates it). */
function splitContextTracker(): { local: MiddlewareFactory; remote: MiddlewareFactory } {
  let tracker: (Middleware & Record<string, unknown>) | null = null;
  return {
    local: (broker) => {
      tracker = stock.ContextTracker(broker);
      const { remoteAction: _outsideTimeout, ...rest } = tracker;
      return rest as Middleware & Record<string, unknown>;
    },
    remote: () => {
      const remoteAction = (tracker as Record<string, unknown>).remoteAction as (this: ServiceBroker, handler: ActionHandler, action: ActionSchema) => ActionHandler;
      return { name: "RemoteContextTracker", remoteAction } as unknown as Middleware & Record<string, unknown>;
    },
  };
}

export function brokerMiddlewares(): Array<string | Middleware | MiddlewareFactory> {
  const list: Array<string | Middleware | MiddlewareFactory> = [...moleculer.INTERNAL_MIDDLEWARES];
  const at = (name: string) => {
    const i = list.indexOf(name);
    if (i < 0) throw new Error(`Moleculer's internal middlewares no longer include ${name}: revisit lib/runtime/middlewares.ts`);
    return i;
  };
  const tracker = splitContextTracker();
  list.splice(at("ContextTracker"), 1, tracker.local);
  list.splice(at("Timeout") + 1, 0, tracker.remote);
  list.splice(at("Tracing"), 0, cacheFirstMiddleware());
  list.splice(at("Retry") + 1, 0, retrySafetyMiddleware());
  list.splice(at("Bulkhead"), 0, deadlineGuardMiddleware());
  return list;
}

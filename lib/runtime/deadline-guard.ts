/**
 * A call whose caller has already given up is not started. Moleculer's bulkhead queues a call
 * inside the timeout: the caller gets its RequestTimeoutError while the call waits for a slot,
 * and the call still ran when one freed, minutes later (a config PUT answered 504 that applied
 * 2.5 minutes after). Sitting just inside the bulkhead, this guard refuses such a call with
 * RequestSkippedError instead of running it.
 */
import { Errors, type Context, type Middleware } from "moleculer";

type Handler = (ctx: Context) => Promise<unknown>;

/** True when the call's timeout has passed since its timer started. */
export function deadlinePassed(ctx: { options?: { timeout?: number | null }; startHrTime?: [number, number] | null }): boolean {
  const timeout = ctx.options?.timeout ?? 0;
  if (!(timeout > 0) || !ctx.startHrTime) return false;
  const [s, ns] = process.hrtime(ctx.startHrTime);
  return s * 1000 + ns / 1e6 >= timeout;
}

export function deadlineGuardMiddleware(): Middleware {
  return {
    name: "DeadlineGuard",
    localAction(handler: Handler, action: { name: string }): Handler {
      return function deadlineGuard(ctx: Context) {
        if (deadlinePassed(ctx as unknown as Parameters<typeof deadlinePassed>[0])) {
          return Promise.reject(new Errors.RequestSkippedError({ action: action.name, nodeID: ctx.nodeID ?? "" }));
        }
        return handler(ctx);
      };
    },
  } as unknown as Middleware;
}

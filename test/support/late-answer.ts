/**
 * A broker middleware that holds the answer of chosen actions after their handler has
 * finished: the write is done, the caller times out. It sits inside every other
 * middleware (pass it to createBrokerOptions), so Timeout and Retry see a slow handler.
 */
import type { Context, Middleware } from "moleculer";
import { sleep } from "./until";

export interface LateAnswer {
  middleware: Middleware;
  /** Hold the next `times` answers of `action` for `ms`. */
  hold(action: string, ms: number, times?: number): void;
  /** Handler runs started, per action. */
  runs: Map<string, number>;
  /** Resolves when every held answer has been released. */
  drained(): Promise<void>;
}

export function lateAnswer(): LateAnswer {
  const holds = new Map<string, { ms: number; times: number }>();
  const runs = new Map<string, number>();
  const pending = new Set<Promise<unknown>>();
  const middleware = {
    name: "LateAnswer",
    localAction(handler: (ctx: Context) => Promise<unknown>, action: { name: string }) {
      return async function lateAnswer(ctx: Context) {
        runs.set(action.name, (runs.get(action.name) ?? 0) + 1);
        const hold = holds.get(action.name);
        if (!hold || hold.times <= 0) return handler(ctx);
        hold.times -= 1;
        const done = (async () => {
          const result = await handler(ctx);
          await sleep(hold.ms);
          return result;
        })();
        pending.add(done);
        void done.catch(() => undefined).finally(() => pending.delete(done));
        return done;
      };
    },
  } as unknown as Middleware;
  return {
    middleware,
    runs,
    hold: (action, ms, times = 1) => holds.set(action, { ms, times }),
    drained: async () => {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

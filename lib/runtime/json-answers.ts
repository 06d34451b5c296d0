/**
 * The caller's side of streamed JSON answers (json-stream.ts): a call answered with a JSON text
 * stream resolves to the parsed value, so no caller of an action that may stream its answer has
 * to know it does. A caller that wants the stream itself says so with the `pipeJsonStreams` call
 * option: the gateway, which pipes it to the HTTP client.
 *
 * The stream's `$responseType` mark is taken off the call's meta when the value is read, so that
 * it does not flow up into the calling action's own meta (the gateway would then send that
 * action's answer as raw text).
 */
import type { Context, Middleware } from "moleculer";
import { PIPE_JSON_STREAMS, isJsonStream, readJsonStream } from "./json-stream";

type CallPromise = Promise<unknown> & { ctx?: Context };
type Call = (action: unknown, params?: unknown, opts?: Record<string, unknown>) => CallPromise;

export function jsonAnswersMiddleware(): Middleware {
  return {
    name: "JsonAnswers",
    call(next: Call): Call {
      return (action, params, opts) => {
        const answer = next(action, params, opts);
        if (opts?.[PIPE_JSON_STREAMS] === true) return answer;
        const read: CallPromise = answer.then((value) => {
          const meta = answer.ctx?.meta as { $responseType?: string } | undefined;
          if (!isJsonStream(value, meta)) return value;
          delete meta!.$responseType;
          return readJsonStream(value);
        });
        // Context.call merges the called context's meta into the caller's through this.
        read.ctx = answer.ctx;
        return read;
      };
    },
  } as unknown as Middleware;
}

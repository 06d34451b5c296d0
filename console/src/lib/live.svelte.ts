/**
 * The live stream (GET /api/v1/live, Server-Sent Events) read with fetch so the bearer token goes
 * in the Authorization header, never in the URL. It reconnects after a drop (the gateway ends a
 * stream at its maximum age, when users change, or when the console reads too slowly), refreshing
 * the access token when the gateway answers 401.
 */
import { API, refreshSession } from "./api";
import { session } from "./session.svelte";
import { SseParser } from "./sse";
import { applyLive, emptyLiveState } from "./live-state";

export const live = $state(emptyLiveState());

let controller: AbortController | null = null;

export function stopLive(): void {
  controller?.abort();
  controller = null;
  live.connected = false;
}

export function startLive(): void {
  if (controller) return;
  const ctl = (controller = new AbortController());
  void (async () => {
    let backoff = 500;
    while (!ctl.signal.aborted && session.current) {
      try {
        const res = await fetch(`${API}/live`, { headers: { authorization: `Bearer ${session.current.accessToken}`, accept: "text/event-stream" }, signal: ctl.signal });
        if (res.status === 401) {
          if (!(await refreshSession())) break;
          continue;
        }
        if (!res.ok || !res.body) throw new Error(`live: ${res.status}`);
        live.connected = true;
        backoff = 500;
        const parser = new SseParser();
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const e of parser.feed(value)) {
            if (e.event === "dropped") continue;
            try {
              applyLive(live, e.event, JSON.parse(e.data));
            } catch {
              /* a frame the console does not understand */
            }
          }
        }
      } catch {
        if (ctl.signal.aborted) break;
      }
      live.connected = false;
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(backoff * 2, 10_000);
    }
    live.connected = false;
  })();
}

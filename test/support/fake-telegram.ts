/**
 * A local HTTP server in place of the Telegram Bot API (POST /bot<token>/<method>):
 * records sendMessage calls, serves getUpdates from scripted messages (long-polling
 * up to the request's timeout), and can fail the next N calls with HTTP 500.
 * As the real API: getUpdates with an offset confirms (forgets) every update below it, and a
 * getUpdates arriving while another one waits ends the waiting one with HTTP 409 Conflict
 * ("terminated by other getUpdates request"), the answer a second poller of one bot gets.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface SentMessage {
  chatId: string;
  text: string;
  at: number;
}

export interface FakeTelegram {
  /** Base URL to put in TELEGRAM_API_URL. */
  url: string;
  token: string;
  sent: SentMessage[];
  /** Every request's method name (sendMessage, getUpdates...), failures included. */
  calls: string[];
  /** Paths requested with a wrong token. */
  wrongToken: number;
  /** getUpdates requests ended by another one (HTTP 409 Conflict): two pollers at once. */
  conflicts: number;
  /** Fail the next n sendMessage calls with HTTP 500. */
  failSendMessage(n: number): void;
  /** Queue an incoming chat message for getUpdates. */
  script(chatId: number | string, text: string): number;
  sentTo(chatId: string): SentMessage[];
  close(): Promise<void>;
}

export async function startFakeTelegram(token = "123456789:AAtest-token-for-mmesh_0123456789"): Promise<FakeTelegram> {
  let updates: Array<{ update_id: number; message: object }> = [];
  const waiters = new Set<() => void>();
  /** The getUpdates request waiting now: ended with 409 when another one comes. */
  let waiting: (() => void) | null = null;
  let nextUpdate = 1;
  let failures = 0;
  const sockets = new Set<import("node:net").Socket>();

  const state: FakeTelegram = {
    url: "",
    token,
    sent: [],
    calls: [],
    wrongToken: 0,
    conflicts: 0,
    failSendMessage(n) {
      failures = n;
    },
    script(chatId, text) {
      const id = nextUpdate++;
      updates.push({ update_id: id, message: { message_id: id, date: Math.floor(Date.now() / 1000), chat: { id: Number(chatId), type: "private" }, from: { id: Number(chatId) }, text } });
      for (const w of [...waiters]) w();
      return id;
    },
    sentTo(chatId) {
      return state.sent.filter((m) => m.chatId === String(chatId));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of [...waiters]) w();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };

  const reply = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? "");
      if (!m) return reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      const [, tok, method] = m;
      state.calls.push(method);
      if (tok !== token) {
        state.wrongToken++;
        return reply(res, 401, { ok: false, error_code: 401, description: "Unauthorized" });
      }
      let body: Record<string, unknown> = {};
      try {
        body = raw ? JSON.parse(raw) : {};
      } catch {
        return reply(res, 400, { ok: false, error_code: 400, description: "Bad Request: invalid JSON" });
      }
      if (method === "sendMessage") {
        if (failures > 0) {
          failures--;
          return reply(res, 500, { ok: false, error_code: 500, description: "Internal Server Error" });
        }
        if (body.chat_id === undefined || typeof body.text !== "string") return reply(res, 400, { ok: false, error_code: 400, description: "Bad Request: chat_id and text required" });
        state.sent.push({ chatId: String(body.chat_id), text: body.text, at: Date.now() });
        return reply(res, 200, { ok: true, result: { message_id: state.sent.length, chat: { id: body.chat_id }, text: body.text } });
      }
      if (method === "getUpdates") {
        const offset = Number(body.offset ?? 0);
        const timeoutMs = Math.min(Number(body.timeout ?? 0), 2) * 1000;
        // An offset confirms every update below it: they are never returned again.
        if (offset > 0) updates = updates.filter((u) => u.update_id >= offset);
        waiting?.();
        const pending = () => updates.filter((u) => u.update_id >= offset);
        const answer = () => reply(res, 200, { ok: true, result: pending() });
        if (pending().length > 0 || timeoutMs === 0) return answer();
        const forget = () => {
          waiters.delete(done);
          clearTimeout(timer);
          if (waiting === conflict) waiting = null;
        };
        const done = () => {
          forget();
          if (!res.writableEnded) answer();
        };
        const conflict = () => {
          forget();
          // A poller that gave up its request (aborted it) a moment before is no second poller:
          // its connection's close may still be on its way, so look again shortly.
          setTimeout(() => {
            if (res.writableEnded || req.socket.destroyed) return;
            state.conflicts++;
            reply(res, 409, { ok: false, error_code: 409, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" });
          }, 50);
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(done);
        waiting = conflict;
        res.on("close", forget);
        return;
      }
      return reply(res, 404, { ok: false, error_code: 404, description: "Not Found: method not found" });
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

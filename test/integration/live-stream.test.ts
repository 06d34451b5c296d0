/**
 * The live channel over real HTTP (GET /api/v1/live): bearer token in the header, mesh events as SSE
 * frames, the per-client throttle coalescing replaceable messages, a client that does not read
 * dropped once its bounded queue overflows while a reading client keeps its stream, and the console
 * served at / with its caching headers.
 */
import net from "node:net";
import type { ServiceBroker } from "moleculer";
import { createNode } from "../../services";
import createApiService from "../../services/api.service";
import { testEnv } from "../support/env";
import { http, startGateway } from "../support/http";
import { until } from "../support/until";

/** Reads an SSE stream with fetch into a list of {event, data} until aborted. */
function subscribe(url: string, token: string) {
  const events: Array<{ event: string; data: any }> = [];
  const controller = new AbortController();
  const done = (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
    let buffer = "";
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event = /^event: (.*)$/m.exec(block)?.[1];
        const data = /^data: (.*)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) });
      }
    }
  })().catch(() => undefined);
  return { events, close: () => controller.abort(), done };
}

describe("live stream on the gateway", () => {
  const env = testEnv({ SERVICES: "auth,config", RATE_LIMIT_PER_MINUTE: "10000" });
  let broker: ServiceBroker;
  let base: string;
  let token: string;

  beforeAll(async () => {
    broker = createNode(env, { logger: false });
    // A small queue and a fast throttle, so a client that does not read overflows quickly.
    broker.createService(createApiService(env, { intervalMs: 20, maxQueued: 50, maxClients: 10, heartbeatMs: 60_000, maxAgeMs: 60_000 }));
    ({ base, token } = await startGateway(broker));
  });

  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("refuses a missing or forged token and an unknown topic", async () => {
    expect((await fetch(`${base}/api/v1/live`)).status).toBe(401);
    expect((await fetch(`${base}/api/v1/live`, { headers: { authorization: "Bearer nope" } })).status).toBe(401);
    const bad = await http(base, "GET", "/api/v1/live?topics=quote,bogus", { token });
    expect(bad.status).toBe(422);
    expect(bad.body.error.data[0].field).toBe("topics");
  });

  it("streams mesh events, emitted and broadcast, as SSE frames and coalesces a bot's PnL between writes", async () => {
    const sub = subscribe(`${base}/api/v1/live`, token);
    await until("hello", () => sub.events.some((e) => e.event === "hello"), 5000);
    expect(sub.events[0].data).toMatchObject({ user: "admin", role: "admin", intervalMs: 20 });
    // 200 marks of one bot within one throttle interval: the client gets far fewer, ending with the last.
    for (let i = 0; i < 200; i++) broker.emit("mm.pnl.updated", { bot: "b1", exchange: "paper", symbol: "BTC/USDT", realized: String(i), unrealized: "0", total: String(i), ts: i });
    broker.broadcast("alert.raised", { alertId: "a1", rule: "r", severity: "warning", message: "hello", labels: {}, secret: "never" });
    broker.emit("order.filled", { exchange: "paper", symbol: "BTC/USDT", side: "buy", price: "100.5", amount: "0.001", cost: "0.1005", fee: { cost: "0.0001", currency: "USDT" }, tradeId: "t1", clientOrderId: "c1", timestamp: 5 });
    await until("pnl, fill and alert", () => sub.events.some((e) => e.event === "pnl" && e.data.total === "199") && sub.events.some((e) => e.event === "fill") && sub.events.some((e) => e.event === "alert"), 5000);
    const pnl = sub.events.filter((e) => e.event === "pnl");
    expect(pnl.length).toBeLessThan(20);
    expect(sub.events.find((e) => e.event === "fill")!.data).toMatchObject({ price: "100.5", amount: "0.001", fee: "0.0001", tradeId: "t1" });
    expect(JSON.stringify(sub.events)).not.toContain("never");
    sub.close();
    await sub.done;
  });

  it("drops a client that does not read once its queue overflows; a reading client keeps its stream", async () => {
    const reader = subscribe(`${base}/api/v1/live?topics=alert`, token);
    await until("hello", () => reader.events.some((e) => e.event === "hello"), 5000);
    // A raw socket that sends the request and never reads: the kernel buffers fill, then the queue.
    const port = Number(new URL(base).port);
    const slow = net.connect(port, "127.0.0.1");
    await new Promise((r) => slow.once("connect", r));
    slow.write(`GET /api/v1/live?topics=alert HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    slow.pause();
    let ended = false;
    slow.on("end", () => (ended = true));
    slow.on("close", () => (ended = true));
    await new Promise((r) => setTimeout(r, 200));
    const message = "x".repeat(8000);
    let sent = 0;
    // Alerts are never coalesced: each one queues until written. Batches smaller than the queue, one
    // per throttle interval, so a client that reads keeps up; 3000 × 8 KB is more than the kernel buffers.
    while (sent < 3000) {
      for (let i = 0; i < 20; i++) broker.broadcast("alert.raised", { alertId: `flood-${sent++}`, rule: "flood", severity: "info", message });
      await new Promise((r) => setTimeout(r, 25));
    }
    // Now read what the server sent: it ends the stream (the socket closes) instead of buffering without bound.
    let received = 0;
    slow.on("data", (d: Buffer) => (received += d.length));
    slow.resume();
    await until("the slow stream ended", () => ended, 15_000);
    expect(received).toBeLessThan(sent * 8100);
    // The reading client got every alert.
    await until("every alert read", () => reader.events.filter((e) => e.event === "alert").length === sent, 15_000);
    expect(reader.events.some((e) => e.event === "dropped")).toBe(false);
    reader.close();
    await reader.done;
    slow.destroy();
  }, 60_000);

  it("serves the built console at / (index revalidated, hashed assets immutable)", async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("cache-control")).toBe("no-cache");
    expect(index.headers.get("content-security-policy")).toContain("default-src 'self'");
    const html = await index.text();
    const js = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const asset = await fetch(base + js, { headers: { "accept-encoding": "gzip" } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect((await fetch(`${base}/assets/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/assets/..%2Fpackage.json`)).status).toBe(404);
  });
});

/**
 * Mesh events → live-channel messages (the console's `GET /api/v1/live` stream).
 *
 * Each message has a `topic` (what the console shows), a `key` and the event's fields the
 * console needs, copied by name (never the whole payload: a field added to an event later
 * does not leak to browsers unseen). Messages with a `key` are replaceable: a newer one
 * with the same topic and key supersedes an unsent older one (quotes, PnL, inventory,
 * node state), so a client's throttle sends only the latest. Messages without one
 * (fills, alerts, bot lifecycle, kill switch) are each delivered.
 */

export type LiveTopic = "quote" | "fill" | "pnl" | "inventory" | "alert" | "bot" | "node" | "breaker" | "arbitrage" | "backtest";

export interface LiveMessage {
  topic: LiveTopic;
  /** Present: replaceable by a newer message of the same topic and key. */
  key?: string;
  data: Record<string, unknown>;
}

/**
 * The mesh events the live channel listens to (the same ones monitoring turns into metrics). Pause,
 * resume and the kill switch are broadcast to the mm group only; they reach the console as the
 * bot's `mm.bot.stopped`/`started` and the kill switch's `alert.raised`/`resolved` (rule mm.kill_switch).
 */
export const LIVE_EVENTS = [
  "mm.quote.placed",
  "mm.pnl.updated",
  "mm.inventory.updated",
  "order.filled",
  "alert.raised",
  "alert.resolved",
  "mm.bot.started",
  "mm.bot.stopped",
  "mm.bot.halted",
  "arbitrage.opportunity",
  "backtest.job.updated",
  "$node.connected",
  "$node.disconnected",
  "$circuit-breaker.opened",
  "$circuit-breaker.half-opened",
  "$circuit-breaker.closed",
] as const;

export type LiveEvent = (typeof LIVE_EVENTS)[number];

type Payload = Record<string, unknown> | null | undefined;

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : undefined);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Keeps the named fields that are strings, numbers, booleans or null; drops the rest. */
function pick(p: Payload, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!p || typeof p !== "object") return out;
  for (const f of fields) {
    const v = p[f];
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[f] = v;
  }
  return out;
}

/** The message for a mesh event, or null when the event carries nothing the console can show. */
export function toLiveMessage(event: string, payload: Payload, now: number = Date.now()): LiveMessage | null {
  const p = payload ?? {};
  switch (event) {
    case "mm.quote.placed": {
      const bot = str(p.bot);
      if (!bot) return null;
      const tick = num(p.tickReceivedAt);
      const ack = num(p.orderAckAt);
      const latencyMs = tick !== undefined && ack !== undefined ? ack - tick : null;
      return { topic: "quote", key: bot, data: { ...pick(p, ["bot", "exchange", "symbol", "bid", "ask"]), latencyMs, ts: ack ?? now } };
    }
    case "mm.pnl.updated": {
      const bot = str(p.bot);
      if (!bot) return null;
      return { topic: "pnl", key: bot, data: { ...pick(p, ["bot", "exchange", "symbol", "realized", "unrealized", "total", "drawdown", "inventoryRatio"]), ts: num(p.ts) ?? now } };
    }
    case "mm.inventory.updated": {
      const bot = str(p.bot);
      const asset = str(p.asset);
      if (!bot || !asset) return null;
      return { topic: "inventory", key: `${bot}|${asset}`, data: { ...pick(p, ["bot", "exchange", "asset", "amount"]), ts: num(p.ts) ?? now } };
    }
    case "order.filled":
    {
      const fee = (p.fee ?? {}) as Payload;
      return {
        topic: "fill",
        data: { ...pick(p, ["exchange", "symbol", "side", "price", "amount", "cost", "clientOrderId", "tradeId", "takerOrMaker"]), fee: str(fee?.cost) ?? null, feeCurrency: str(fee?.currency) ?? null, ts: num(p.timestamp) ?? now },
      };
    }
    case "alert.raised":
    case "alert.resolved":
      return { topic: "alert", data: { kind: event === "alert.raised" ? "raised" : "resolved", ...pick(p, ["alertId", "rule", "severity", "message", "subject", "since", "raisedAt", "resolvedAt", "bot"]), ts: now } };
    case "mm.bot.started":
    case "mm.bot.stopped":
    case "mm.bot.halted":
      return { topic: "bot", data: { event: event.slice("mm.bot.".length), ...pick(p, ["bot", "node", "reason", "detail"]), ts: now } };
    case "arbitrage.opportunity": {
      const symbol = str(p.symbol);
      if (!symbol) return null;
      const data = pick(p, ["id", "symbol", "buyVenue", "sellVenue", "buyPrice", "sellPrice", "size", "grossProfit", "fees", "gas", "netProfit"]);
      return { topic: "arbitrage", key: `${symbol}|${str(p.buyVenue) ?? ""}|${str(p.sellVenue) ?? ""}`, data: { ...data, ts: num(p.ts) ?? now } };
    }
    case "backtest.job.updated": {
      const id = str(p.id);
      if (!id) return null;
      return { topic: "backtest", key: id, data: { ...pick(p, ["id", "state", "progress", "events", "error", "strategy", "dataset"]), ts: now } };
    }
    case "$node.connected":
    case "$node.disconnected": {
      const node = (p.node ?? {}) as Payload;
      const id = str(node?.id);
      if (!id) return null;
      return { topic: "node", key: id, data: { node: id, available: event === "$node.connected", unexpected: p.unexpected === true, ts: now } };
    }
    case "$circuit-breaker.opened":
    case "$circuit-breaker.half-opened":
    case "$circuit-breaker.closed": {
      const action = str(p.action);
      const nodeID = str(p.nodeID);
      if (!action) return null;
      return { topic: "breaker", key: `${nodeID ?? ""}|${action}`, data: { action, node: nodeID ?? null, state: event.slice("$circuit-breaker.".length), ts: now } };
    }
    default:
      return null;
  }
}

/** One Server-Sent Events frame: `event: <topic>` and the message's data as one JSON line. */
export function sseFrame(message: LiveMessage): string {
  return sseEvent(message.topic, message.data);
}

/** An SSE frame for any event name (the stream's own `hello` and `dropped`). JSON has no raw newline, so one `data:` line. */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

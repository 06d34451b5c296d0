/**
 * Binance spot market streams over WebSocket, on any path of the fake's port.
 * - Raw streams: any path (ccxt.pro uses `/ws/<n>`); path segments that look like stream
 *   names (`btcusdt@depth`) subscribe at connect time; frames are the bare event.
 * - Combined streams: path exactly `/stream` (`?streams=a/b`); frames are `{stream, data}`.
 * - Live subscription: `{"method":"SUBSCRIBE","params":[...],"id":1}` → `{"result":null,"id":1}`;
 *   UNSUBSCRIBE, LIST_SUBSCRIPTIONS, SET_PROPERTY/GET_PROPERTY ("combined") as on Binance.
 * Streams: `<s>@depth`, `<s>@depth@100ms`, `<s>@depth@1000ms` (diff depth, sent on every book
 * change with U/u continuing the id sequence of GET /api/v3/depth), `<s>@depth5|10|20[@100ms]`
 * (partial book), `<s>@bookTicker`, `<s>@trade`, `<s>@aggTrade`, `<s>@ticker`, `<s>@miniTicker`
 * (ccxt.pro's watchTicker/watchTickers subscribe to miniTicker). Trades and tickers are sent on
 * every trade.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import type { Engine } from "./engine";
import type { BookTickerEvent, DepthUpdateEvent, PublicTrade, TradeEvent } from "./types";

const STREAM_RE = /^([a-z0-9]+)@(depth(?:@100ms|@1000ms)?|depth(5|10|20)(?:@100ms|@1000ms)?|bookTicker|trade|aggTrade|ticker|miniTicker)$/;

interface Conn {
  socket: WebSocket;
  path: string;
  combined: boolean;
  streams: Set<string>;
}

export interface WsRequestLogEntry {
  time: number;
  path: string;
  method: string;
  params: unknown;
  id: unknown;
}

export class WsHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Conn>();
  private readonly log: WsRequestLogEntry[] = [];
  /** Frames sent to clients since start. */
  framesSent = 0;

  constructor(private readonly engine: Engine) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, req));
  }

  private onConnection(socket: WebSocket, req: IncomingMessage): void {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const combined = url.pathname === "/stream";
    const conn: Conn = { socket, path: url.pathname, combined, streams: new Set() };
    const initial = combined
      ? (url.searchParams.get("streams") ?? "").split("/")
      : url.pathname.split("/").filter((s) => s.includes("@"));
    for (const s of initial) {
      const name = this.validStream(s);
      if (name) conn.streams.add(name);
    }
    this.conns.add(conn);
    socket.on("message", (data) => this.onMessage(conn, data));
    socket.on("close", () => this.conns.delete(conn));
    socket.on("error", () => this.conns.delete(conn));
  }

  /** The canonical stream name, or undefined when it is not one this fake serves. */
  private validStream(raw: unknown): string | undefined {
    if (typeof raw !== "string") return undefined;
    const at = raw.indexOf("@");
    if (at <= 0) return undefined;
    const name = raw.slice(0, at).toLowerCase() + raw.slice(at);
    const m = STREAM_RE.exec(name);
    if (!m || !this.engine.hasMarket(m[1])) return undefined;
    return name;
  }

  private send(conn: Conn, stream: string, data: unknown): void {
    if (conn.socket.readyState !== conn.socket.OPEN) return;
    conn.socket.send(JSON.stringify(conn.combined ? { stream, data } : data));
    this.framesSent++;
  }

  private reply(conn: Conn, payload: unknown): void {
    if (conn.socket.readyState === conn.socket.OPEN) conn.socket.send(JSON.stringify(payload));
  }

  private onMessage(conn: Conn, data: RawData): void {
    let msg: { method?: unknown; params?: unknown; id?: unknown };
    try {
      msg = JSON.parse(data.toString()) as typeof msg;
    } catch (e) {
      this.reply(conn, { error: { code: 3, msg: `Invalid JSON: ${(e as Error).message}` }, id: null });
      return;
    }
    const id = msg.id ?? null;
    this.log.push({ time: Date.now(), path: conn.path, method: String(msg.method), params: msg.params, id });
    const params = Array.isArray(msg.params) ? (msg.params as unknown[]) : [];
    switch (msg.method) {
      case "SUBSCRIBE":
      case "UNSUBSCRIBE": {
        const names = params.map((p) => this.validStream(p));
        if (names.some((n) => n === undefined)) {
          this.reply(conn, { error: { code: 2, msg: "Invalid request: invalid stream name" }, id });
          return;
        }
        for (const n of names as string[]) {
          if (msg.method === "SUBSCRIBE") conn.streams.add(n);
          else conn.streams.delete(n);
        }
        this.reply(conn, { result: null, id });
        return;
      }
      case "LIST_SUBSCRIPTIONS":
        this.reply(conn, { result: [...conn.streams], id });
        return;
      case "SET_PROPERTY":
        if (params[0] === "combined" && typeof params[1] === "boolean") {
          conn.combined = params[1];
          this.reply(conn, { result: null, id });
        } else {
          this.reply(conn, { error: { code: 2, msg: "Invalid request: unknown property" }, id });
        }
        return;
      case "GET_PROPERTY":
        this.reply(conn, { result: conn.combined, id });
        return;
      default:
        this.reply(conn, { error: { code: 2, msg: `Invalid request: unknown method ${String(msg.method)}` }, id });
    }
  }

  private publish(match: (stream: string) => unknown): void {
    for (const conn of this.conns) {
      for (const stream of conn.streams) {
        const data = match(stream);
        if (data !== undefined) this.send(conn, stream, data);
      }
    }
  }

  onDepth(symbol: string, event: DepthUpdateEvent): void {
    const s = symbol.toLowerCase();
    this.publish((stream) => {
      if (stream === `${s}@depth` || stream === `${s}@depth@100ms` || stream === `${s}@depth@1000ms`) return event;
      const partial = new RegExp(`^${s}@depth(5|10|20)(@100ms|@1000ms)?$`).exec(stream);
      if (partial) return this.engine.depth(symbol, Number(partial[1]));
      return undefined;
    });
  }

  onBookTicker(symbol: string, event: BookTickerEvent): void {
    const stream = `${symbol.toLowerCase()}@bookTicker`;
    this.publish((st) => (st === stream ? event : undefined));
  }

  onTrade(symbol: string, trade: PublicTrade): void {
    const s = symbol.toLowerCase();
    const E = this.engine.now();
    this.publish((stream) => {
      if (stream === `${s}@trade`) {
        const ev: TradeEvent = { e: "trade", E, s: symbol, t: trade.id, p: trade.price, q: trade.qty, T: trade.time, m: trade.isBuyerMaker, M: true };
        return ev;
      }
      if (stream === `${s}@aggTrade`) {
        return { e: "aggTrade", E, s: symbol, a: trade.id, p: trade.price, q: trade.qty, f: trade.id, l: trade.id, T: trade.time, m: trade.isBuyerMaker, M: true };
      }
      if (stream === `${s}@ticker`) {
        const t = this.engine.ticker24h(symbol);
        return {
          e: "24hrTicker", E, s: symbol, p: t.priceChange, P: t.priceChangePercent, w: t.weightedAvgPrice, x: t.prevClosePrice,
          c: t.lastPrice, Q: t.lastQty, b: t.bidPrice, B: t.bidQty, a: t.askPrice, A: t.askQty, o: t.openPrice, h: t.highPrice,
          l: t.lowPrice, v: t.volume, q: t.quoteVolume, O: t.openTime, C: t.closeTime, F: t.firstId, L: t.lastId, n: t.count,
        };
      }
      if (stream === `${s}@miniTicker`) {
        const t = this.engine.ticker24h(symbol);
        return { e: "24hrMiniTicker", E, s: symbol, c: t.lastPrice, o: t.openPrice, h: t.highPrice, l: t.lowPrice, v: t.volume, q: t.quoteVolume };
      }
      return undefined;
    });
  }

  clientCount(): number {
    return this.conns.size;
  }

  /** Streams each connected client is subscribed to. */
  subscriptions(): string[][] {
    return [...this.conns].map((c) => [...c.streams]);
  }

  requests(): WsRequestLogEntry[] {
    return [...this.log];
  }

  /** Closes every client: abruptly (TCP drop, client sees 1006) unless a close code is given. */
  dropConnections(code?: number, reason = ""): number {
    const n = this.conns.size;
    for (const conn of [...this.conns]) {
      if (code === undefined) conn.socket.terminate();
      else conn.socket.close(code, reason);
      this.conns.delete(conn);
    }
    return n;
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

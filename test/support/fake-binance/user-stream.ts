/**
 * Binance spot's user data stream as ccxt.pro 4.5 uses it: a WebSocket API session
 * (`/ws-api/v3`, reached here on any path containing `/ws-api`) on which the client sends
 * `userDataStream.subscribe.signature` ({apiKey, timestamp, signature}: HMAC-SHA256 of the
 * key-sorted params) and then receives every account event wrapped as
 * `{"subscriptionId": n, "event": {...}}`:
 * - `executionReport` on every order event (x = NEW, TRADE with the fill in t/l/L/n/N/m,
 *   CANCELED with the original id in C, EXPIRED, TRADE_PREVENTION),
 * - `outboundAccountPosition` (free/locked of the assets an order event changed),
 * - `balanceUpdate` when a test moves a balance (setBalance),
 * - `eventStreamTerminated` when the subscription ends on the server's side (expire()).
 * Also `userDataStream.unsubscribe`, `session.subscriptions` and `ping`. The listenKey
 * REST flow (POST /api/v3/userDataStream) is not served: ccxt.pro uses it for futures only.
 * Test controls: cut(ms) (sessions closed, new ones refused with 503), expire(),
 * dropNextFills(n) (TRADE reports lost while the socket stays healthy).
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { randomBytes, timingSafeEqual } from "node:crypto";
import Decimal from "decimal.js";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { sign } from "./auth";
import type { Engine } from "./engine";
import { fmt, isOpen, type Account, type ExecutionType, type Fill, type Order } from "./model";

interface Session {
  socket: WebSocket;
  /** subscriptionId → account */
  subscriptions: Map<number, Account>;
}

interface WsApiRequest {
  id?: unknown;
  method?: unknown;
  params?: Record<string, unknown>;
}

/** Whether an upgrade request is for the WebSocket API (the user data stream's transport). */
export function isWsApiPath(url: string | undefined): boolean {
  return (url ?? "").includes("/ws-api");
}

export class UserStreamHub {
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sessions = new Set<Session>();
  private nextSubscriptionId = 0;
  private refusedUntil = 0;
  private fillsToDrop = 0;
  /** Events sent, by type, and TRADE reports dropped on purpose. */
  readonly sent = new Map<string, number>();
  droppedFills: Array<{ orderId: number; tradeId: number }> = [];

  constructor(private readonly engine: Engine) {}

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (Date.now() < this.refusedUntil) {
      socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const session: Session = { socket: ws, subscriptions: new Map() };
      this.sessions.add(session);
      ws.on("message", (data) => this.onMessage(session, data));
      ws.on("close", () => this.sessions.delete(session));
      ws.on("error", () => this.sessions.delete(session));
    });
  }

  private reply(session: Session, payload: unknown): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.send(JSON.stringify(payload));
  }

  private error(session: Session, id: unknown, status: number, code: number, msg: string): void {
    this.reply(session, { id, status, error: { code, msg } });
  }

  private onMessage(session: Session, data: RawData): void {
    let req: WsApiRequest;
    try {
      req = JSON.parse(data.toString()) as WsApiRequest;
    } catch {
      this.error(session, null, 400, -1000, "Invalid JSON");
      return;
    }
    const id = req.id ?? null;
    const params = req.params ?? {};
    switch (req.method) {
      case "userDataStream.subscribe.signature": {
        const account = this.verify(params);
        if (typeof account === "string") {
          this.error(session, id, 400, account === "key" ? -2015 : -1022, account === "key" ? "Invalid API-key, IP, or permissions for action." : "Signature for this request is not valid.");
          return;
        }
        const subscriptionId = this.nextSubscriptionId++;
        session.subscriptions.set(subscriptionId, account);
        this.reply(session, { id, status: 200, result: { subscriptionId }, rateLimits: [{ rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000, count: 2 }] });
        return;
      }
      case "userDataStream.unsubscribe": {
        const only = params.subscriptionId;
        for (const sub of [...session.subscriptions.keys()]) if (only === undefined || Number(only) === sub) session.subscriptions.delete(sub);
        this.reply(session, { id, status: 200, result: {} });
        return;
      }
      case "session.subscriptions":
        this.reply(session, { id, status: 200, result: [...session.subscriptions.keys()].map((subscriptionId) => ({ subscriptionId })) });
        return;
      case "ping":
        this.reply(session, { id, status: 200, result: {} });
        return;
      default:
        this.error(session, id, 400, -1000, `Unsupported method ${String(req.method)}`);
    }
  }

  /** The account of a signed subscribe request, or what is wrong with it. */
  private verify(params: Record<string, unknown>): Account | "key" | "signature" {
    const account = typeof params.apiKey === "string" ? this.engine.account(params.apiKey) : undefined;
    if (!account) return "key";
    const { signature, ...rest } = params;
    const payload = Object.keys(rest)
      .sort()
      .map((k) => `${k}=${String(rest[k])}`)
      .join("&");
    const want = Buffer.from(sign(account.secret, payload));
    const given = Buffer.from(String(signature ?? "").toLowerCase());
    if (want.length !== given.length || !timingSafeEqual(want, given)) return "signature";
    const recvWindow = rest.recvWindow !== undefined ? Number(rest.recvWindow) : 5000;
    const drift = this.engine.now() - Number(rest.timestamp);
    if (!(drift <= recvWindow && drift >= -1000)) return "signature";
    return account;
  }

  private publish(account: Account, event: Record<string, unknown>): void {
    for (const session of this.sessions) {
      for (const [subscriptionId, subscribed] of session.subscriptions) {
        if (subscribed !== account) continue;
        this.reply(session, { subscriptionId, event });
        const type = String(event.e);
        this.sent.set(type, (this.sent.get(type) ?? 0) + 1);
      }
    }
  }

  onExecution(order: Order, executionType: ExecutionType, fill?: Fill, isMaker?: boolean): void {
    if (executionType === "TRADE" && this.fillsToDrop > 0 && fill) {
      this.fillsToDrop -= 1;
      this.droppedFills.push({ orderId: order.orderId, tradeId: fill.tradeId });
      return;
    }
    this.publish(order.account, executionReport(order, executionType, this.engine.now(), fill, isMaker));
  }

  onBalances(account: Account, assets: string[]): void {
    const now = this.engine.now();
    const B = [...new Set(assets)].map((a) => {
      const b = this.engine.balance(account, a);
      return { a, f: fmt(b.free), l: fmt(b.locked) };
    });
    this.publish(account, { e: "outboundAccountPosition", E: now, u: now, B });
  }

  onBalanceDelta(account: Account, asset: string, delta: Decimal): void {
    const now = this.engine.now();
    this.publish(account, { e: "balanceUpdate", E: now, a: asset, d: fmt(delta), T: now });
    this.onBalances(account, [asset]);
  }

  /** Closes every session and refuses new ones (HTTP 503 to the upgrade) for `ms`. */
  cut(ms: number): number {
    this.refusedUntil = Date.now() + ms;
    return this.dropSessions();
  }

  /** Ends every subscription from the server's side (eventStreamTerminated); the sockets stay open. */
  expire(): number {
    let n = 0;
    const E = this.engine.now();
    for (const session of this.sessions) {
      for (const subscriptionId of session.subscriptions.keys()) {
        this.reply(session, { subscriptionId, event: { e: "eventStreamTerminated", E } });
        this.sent.set("eventStreamTerminated", (this.sent.get("eventStreamTerminated") ?? 0) + 1);
        n++;
      }
      session.subscriptions.clear();
    }
    return n;
  }

  /** The next `n` TRADE executionReports are not sent (the fill happens; only its message is lost). */
  dropNextFills(n = 1): void {
    this.fillsToDrop += n;
  }

  subscriptionCount(): number {
    let n = 0;
    for (const s of this.sessions) n += s.subscriptions.size;
    return n;
  }

  dropSessions(): number {
    const n = this.sessions.size;
    for (const s of [...this.sessions]) s.socket.terminate();
    this.sessions.clear();
    return n;
  }

  async close(): Promise<void> {
    this.dropSessions();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

/** Execution status after a fill: a market order's own status is settled only after matching. */
function statusAfterFill(o: Order): string {
  const done = o.origQuoteOrderQty.gt(0) ? o.cummulativeQuoteQty.gte(o.origQuoteOrderQty) : o.executedQty.gte(o.origQty);
  return done ? "FILLED" : "PARTIALLY_FILLED";
}

/** Binance's executionReport for an order event. */
export function executionReport(o: Order, x: ExecutionType, now: number, fill?: Fill, isMaker = false): Record<string, unknown> {
  const canceled = x === "CANCELED";
  return {
    e: "executionReport",
    E: now,
    s: o.symbol,
    // A cancel's report carries the cancel request's own id in c and the order's in C.
    c: canceled ? `web_${randomBytes(10).toString("hex")}` : o.clientOrderId,
    S: o.side,
    o: o.type,
    f: o.timeInForce ?? "GTC",
    q: fmt(o.origQty),
    p: fmt(o.price),
    P: fmt(0),
    F: fmt(0),
    g: -1,
    C: canceled ? o.clientOrderId : "",
    x,
    X: x === "TRADE" ? statusAfterFill(o) : o.status,
    r: "NONE",
    i: o.orderId,
    l: fmt(fill ? fill.qty : 0),
    z: fmt(o.executedQty),
    L: fmt(fill ? fill.price : 0),
    n: fmt(fill ? fill.commission : 0),
    N: fill ? fill.commissionAsset : null,
    T: o.updateTime,
    t: fill ? fill.tradeId : -1,
    I: o.orderId * 1000 + o.fills.length,
    w: isOpen(o) && o.type !== "MARKET",
    m: fill ? isMaker : false,
    M: false,
    O: o.time,
    Z: fmt(o.cummulativeQuoteQty),
    Y: fmt(fill ? fill.price.times(fill.qty) : 0),
    Q: fmt(o.origQuoteOrderQty),
    W: o.workingTime,
    V: "EXPIRE_MAKER",
  };
}

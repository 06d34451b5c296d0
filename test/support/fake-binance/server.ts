/**
 * FakeBinance: an HTTP + WebSocket server on 127.0.0.1 that speaks Binance spot's REST and
 * market-stream formats well enough for the real ccxt.binance / ccxt.pro.binance clients.
 * Tests drive it through this class (book, fills, balances, faults); see ccxt-client.ts for
 * a client pointed at it.
 */
import http from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import { BinanceError } from "./errors";
import { Engine, fmt, type Order } from "./engine";
import { Faults } from "./faults";
import { findRoute, handleRest, orderJson } from "./rest";
import type {
  AccountConfig,
  DepthUpdateEvent,
  FailOptions,
  FakeBinanceOptions,
  Level,
  LevelInput,
  MarketConfig,
  PublicTrade,
  RequestLogEntry,
  StartedFakeBinance,
} from "./types";
import { WsHub, type WsRequestLogEntry } from "./ws";
import { UserStreamHub, isWsApiPath } from "./user-stream";

export const DEFAULT_MARKETS: MarketConfig[] = [
  { symbol: "BTCUSDT", base: "BTC", quote: "USDT", tickSize: "0.01", stepSize: "0.00001", minQty: "0.00001", maxQty: "9000", minNotional: "5" },
  { symbol: "ETHUSDT", base: "ETH", quote: "USDT", tickSize: "0.01", stepSize: "0.0001", minQty: "0.0001", maxQty: "9000", minNotional: "5" },
  { symbol: "ETHBTC", base: "ETH", quote: "BTC", tickSize: "0.00001", stepSize: "0.0001", minQty: "0.0001", maxQty: "100000", minNotional: "0.0001" },
];

export const DEFAULT_BALANCES: Record<string, string> = { BTC: "10", ETH: "100", USDT: "1000000" };

export const DEFAULT_ACCOUNT: AccountConfig = {
  apiKey: "fake-binance-api-key",
  secret: "fake-binance-secret",
  balances: DEFAULT_BALANCES,
};

export type DownMode = "refuse" | "503";

export class FakeBinance {
  readonly engine: Engine;
  private readonly faults = new Faults();
  private readonly hub: WsHub;
  /** The user data stream (WebSocket API sessions): see user-stream.ts. */
  readonly userStream: UserStreamHub;
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly sleepers = new Set<() => void>();
  private port: number;
  private listening = false;
  private down: false | DownMode = false;

  constructor(options: FakeBinanceOptions = {}) {
    this.engine = new Engine(options.markets ?? DEFAULT_MARKETS, options.accounts ?? [DEFAULT_ACCOUNT]);
    this.hub = new WsHub(this.engine);
    this.engine.listener = {
      depth: (s, e) => this.hub.onDepth(s, e),
      bookTicker: (s, e) => this.hub.onBookTicker(s, e),
      trade: (s, t) => this.hub.onTrade(s, t),
      execution: (o, x, fill, isMaker) => this.userStream.onExecution(o, x, fill, isMaker),
      balances: (account, assets) => this.userStream.onBalances(account, assets),
    };
    this.userStream = new UserStreamHub(this.engine);
    this.port = options.port ?? 0;
    this.server = http.createServer((req, res) => {
      this.onRequest(req, res).catch(() => {
        // the client went away mid-request (or stop() destroyed the socket): nothing to answer
        if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
      });
    });
    this.server.keepAliveTimeout = 5000;
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
    this.server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      if (this.down) {
        socket.end("HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
        return;
      }
      if (isWsApiPath(req.url)) this.userStream.handleUpgrade(req, socket, head);
      else this.hub.handleUpgrade(req, socket, head);
    });
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<StartedFakeBinance> {
    await this.listen();
    return { port: this.port, httpUrl: this.httpUrl, wsUrl: this.wsUrl };
  }

  /** Closes every HTTP and WebSocket connection, pending latency sleeps and the listener. */
  async stop(): Promise<void> {
    for (const wake of [...this.sleepers]) wake();
    this.sleepers.clear();
    await this.hub.close();
    await this.userStream.close();
    await this.unlisten();
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  private listen(): Promise<void> {
    if (this.listening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once("error", onError);
      this.server.listen(this.port, "127.0.0.1", () => {
        this.server.off("error", onError);
        this.port = (this.server.address() as { port: number }).port;
        this.listening = true;
        resolve();
      });
    });
  }

  private unlisten(): Promise<void> {
    if (!this.listening) return Promise.resolve();
    this.listening = false;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
      this.server.closeAllConnections();
    });
  }

  // ------------------------------------------------------------------ HTTP

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const apiKeyHeader = req.headers["x-mbx-apikey"];
    const apiKey = Array.isArray(apiKeyHeader) ? apiKeyHeader[0] : apiKeyHeader;
    const now = Date.now();
    const entry = this.faults.record({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      time: now,
      status: 0,
      apiKey,
    });

    let status: number;
    let body: unknown;
    let headers: Record<string, string> = {};
    const fault = this.down === "503" ? { status: 503, body: undefined, headers: {} } : this.faults.check(method, url.pathname, now);
    if (fault) {
      ({ status, body, headers } = fault);
    } else {
      const route = findRoute(method, url.pathname);
      if (!route) {
        status = 404;
        body = undefined;
      } else {
        const params: Record<string, string> = {};
        const contentType = String(req.headers["content-type"] ?? "");
        if (rawBody !== "") {
          if (contentType.includes("json")) {
            try {
              for (const [k, v] of Object.entries(JSON.parse(rawBody) as Record<string, unknown>)) params[k] = String(v);
            } catch {
              /* Binance ignores bodies it cannot read as a form */
            }
          } else {
            for (const [k, v] of new URLSearchParams(rawBody)) params[k] = v;
          }
        }
        // the query string wins over the body for a parameter sent in both
        for (const [k, v] of url.searchParams) params[k] = v;
        try {
          ({ status, body } = handleRest(this.engine, route, {
            method,
            path: url.pathname,
            apiKey,
            rawQuery: url.search.startsWith("?") ? url.search.slice(1) : url.search,
            rawBody,
            params,
          }));
        } catch (e) {
          if (e instanceof BinanceError) {
            status = e.status;
            body = e.toJSON();
            headers = e.headers;
          } else {
            status = 500;
            body = { code: -1000, msg: `An unknown error occurred while processing the request. (${(e as Error).message})` };
          }
        }
      }
    }

    if (this.faults.latencyMs > 0) await this.sleep(this.faults.latencyMs);
    entry.status = status;
    if (res.destroyed || res.writableEnded) return;
    const used = String(this.faults.usedWeight(now));
    const isJson = body !== undefined && typeof body !== "string";
    const text = body === undefined ? (status === 404 ? "" : http.STATUS_CODES[status] ?? "") : isJson ? JSON.stringify(body) : (body as string);
    res.writeHead(status, {
      "Content-Type": isJson ? "application/json;charset=UTF-8" : "text/html",
      "X-MBX-USED-WEIGHT": used,
      "X-MBX-USED-WEIGHT-1M": used,
      ...headers,
    });
    res.end(text);
  }

  // ------------------------------------------------------------------ control: book and trading

  /** Replaces all anonymous liquidity of a symbol (resting account orders stay). */
  setBook(symbol: string, book: { bids?: LevelInput[]; asks?: LevelInput[] }): DepthUpdateEvent | undefined {
    return this.engine.setLiquidity(symbol, book.bids ?? [], book.asks ?? [], true);
  }

  /**
   * Sets anonymous quantities at prices (absolute; 0 removes) and sends one depthUpdate
   * with U = last u + 1. Does not match against resting orders: use fillOrder for that.
   */
  pushBookUpdate(symbol: string, bids: LevelInput[], asks: LevelInput[]): DepthUpdateEvent | undefined {
    return this.engine.setLiquidity(symbol, bids, asks);
  }

  /** Sends a depthUpdate whose U is n past the expected one (a sequence gap for clients). */
  skipSequence(symbol: string, n = 1): DepthUpdateEvent | undefined {
    return this.engine.skipSequence(symbol, n);
  }

  /** The book as GET /api/v3/depth answers it. */
  book(symbol: string, limit = 100): { lastUpdateId: number; bids: Level[]; asks: Level[] } {
    return this.engine.depth(symbol, limit);
  }

  /** Another trader hits a resting order (by orderId or clientOrderId), fully or `amount`. */
  fillOrder(orderIdOrClientId: number | string, amount?: string | number): PublicTrade {
    return this.engine.fillOrder(orderIdOrClientId, amount);
  }

  /** A trade between outside traders on the public tape (trade/aggTrade/ticker streams). */
  pushTrade(symbol: string, price: string | number, qty: string | number, isBuyerMaker = false): PublicTrade {
    return this.engine.pushTrade(symbol, price, qty, isBuyerMaker);
  }

  addAccount(account: AccountConfig): void {
    this.engine.addAccount(account);
  }

  addMarket(market: MarketConfig): void {
    this.engine.addMarket(market);
  }

  /** Sets a balance; the user data stream hears of the change of `free` as a balanceUpdate (a deposit or withdrawal). */
  setBalance(apiKey: string, asset: string, free: string | number, locked?: string | number): void {
    const before = this.engine.balance(this.engine.requireAccount(apiKey), asset).free;
    this.engine.setBalance(apiKey, asset, free, locked);
    const account = this.engine.requireAccount(apiKey);
    this.userStream.onBalanceDelta(account, asset, this.engine.balance(account, asset).free.minus(before));
  }

  balances(apiKey: string = DEFAULT_ACCOUNT.apiKey): Record<string, { free: string; locked: string }> {
    const out: Record<string, { free: string; locked: string }> = {};
    for (const [asset, b] of this.engine.requireAccount(apiKey).balances) out[asset] = { free: fmt(b.free), locked: fmt(b.locked) };
    return out;
  }

  /** Orders in GET /api/v3/order format, oldest first. */
  orders(apiKey?: string): Record<string, unknown>[] {
    return this.engine
      .orders(apiKey)
      .sort((a, b) => a.orderId - b.orderId)
      .map(orderJson);
  }

  order(orderIdOrClientId: number | string): Record<string, unknown> | undefined {
    const o: Order | undefined = this.engine.findOrder(orderIdOrClientId);
    return o ? orderJson(o) : undefined;
  }

  /** Moves the server clock (for recvWindow / -1021 tests). */
  setTimeOffset(ms: number): void {
    this.engine.timeOffsetMs = ms;
  }

  // ------------------------------------------------------------------ control: faults

  /**
   * The next n HTTP requests (matching options.path/method if given) answer `status` with
   * `body`. Without a body: 429 → Binance -1003 JSON + Retry-After, 418 → -1003 ban JSON +
   * Retry-After, others → the bare HTTP reason text (as Binance's edge sends for 5xx).
   */
  failNext(n: number, status: number, body?: unknown, options: FailOptions = {}): void {
    this.faults.failNext(n, status, body, options);
  }

  clearFailures(): void {
    this.faults.clearFailures();
  }

  /** Added delay before every HTTP answer. */
  setLatency(ms: number): void {
    this.faults.latencyMs = ms;
  }

  /** At most `max` requests per `windowMs`; past it, 429 -1003 with Retry-After. undefined lifts the limit. */
  setRequestLimit(max: number | undefined, windowMs = 60_000, retryAfterSec = 1): void {
    this.faults.setRequestLimit(max, windowMs, retryAfterSec);
  }

  /**
   * down=true: "refuse" (default) stops listening and drops every connection, so clients get
   * ECONNREFUSED; "503" keeps listening and answers 503 to HTTP and to ws upgrades.
   * down=false listens again on the same port.
   */
  async setDown(down: boolean, mode: DownMode = "refuse"): Promise<void> {
    if (!down) {
      this.down = false;
      await this.listen();
      return;
    }
    this.down = mode;
    if (mode === "refuse") {
      this.hub.dropConnections();
      this.userStream.dropSessions();
      await this.unlisten();
    } else {
      await this.listen();
    }
  }

  requests(filter?: { path?: string | RegExp; method?: string }): RequestLogEntry[] {
    return this.faults.requests(filter);
  }

  clearRequests(): void {
    this.faults.clearRequests();
  }

  // ------------------------------------------------------------------ control: websocket

  /** Closes every WebSocket client: abruptly (1006 at the client) unless a close code is given. */
  dropConnections(code?: number, reason?: string): number {
    return this.hub.dropConnections(code, reason);
  }

  // ------------------------------------------------------------------ control: user data stream

  /** Closes every user-data-stream session and answers 503 to new ones for `ms` (market streams and REST stay up). */
  cutUserStream(ms: number): number {
    return this.userStream.cut(ms);
  }

  /** Ends every user-data-stream subscription from the server's side (eventStreamTerminated); sockets stay open. */
  expireUserStream(): number {
    return this.userStream.expire();
  }

  /** The next `n` fills happen but their executionReport is never sent (the socket stays healthy). */
  dropNextUserFills(n = 1): void {
    this.userStream.dropNextFills(n);
  }

  /** Active user-data-stream subscriptions (one per subscribed ccxt.pro client). */
  userStreamSubscriptions(): number {
    return this.userStream.subscriptionCount();
  }

  /** Resolves once `n` user-data-stream subscriptions are active. */
  async waitForUserStream(n = 1, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.userStream.subscriptionCount() < n) {
      if (Date.now() > deadline) throw new Error(`fake-binance: fewer than ${n} user stream subscriptions within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  wsClientCount(): number {
    return this.hub.clientCount();
  }

  wsSubscriptions(): string[][] {
    return this.hub.subscriptions();
  }

  /** SUBSCRIBE/UNSUBSCRIBE/... messages received from clients. */
  wsRequests(): WsRequestLogEntry[] {
    return this.hub.requests();
  }

  /** Resolves once some client is subscribed to `stream` (e.g. "btcusdt@depth@100ms"). */
  async waitForSubscription(stream: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.hub.subscriptions().some((s) => s.includes(stream))) {
      if (Date.now() > deadline) throw new Error(`fake-binance: no subscription to ${stream} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

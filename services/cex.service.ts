/**
 * Orders, balances and books on any ccxt exchange and on the built-in paper exchange.
 * The service validates, calls lib/cex and emits; the pieces live there:
 * venues.ts (clients, credentials, overrides), rate-limit.ts (one budget and 429 cooldown
 * per API key), placement.ts (idempotent create on clientOrderId), order-store.ts
 * (cex_orders / cex_fills), fill-sync.ts and reconcile.ts (fills and vanished orders).
 * Fills are persisted, emitted as `order.filled` and published on the durable bus.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import type { Order, Trade } from "ccxt";
import {
  CLIENT_ORDER_ID_PATTERN,
  DECIMAL_PATTERN,
  PAPER_EXCHANGE_ID,
  REPLACE_MAX_ORDERS,
  OrderStore,
  VenueRegistry,
  UserStreams,
  acquirePaperVenue,
  cancelAllAfter,
  cancelOrder,
  createRateLimitBackend,
  fillKey,
  isCcxtExchange,
  keyedVenues,
  lookupOrder,
  placeOrder,
  reconcileExchange,
  replaceOrders,
  releasePaperVenue,
  toWireBalance,
  toWireBook,
  toWireFill,
  toWireMarket,
  toWireOrder,
  toWireTicker,
  tradingFeeSchedule,
  type CancelAllAfterRequest,
  type ExchangeClient,
  type ExchangeCredentials,
  type MarketType,
  type RateBudget,
  type VenueBreakerOptions,
  type PlaceOrderRequest,
  type RateLimitBackend,
  type ReplaceDeps,
  type ReplaceOrdersRequest,
  type ReconcileResult,
  type WireFill,
  type WireOrder,
} from "../lib/cex";
import { registerClockOffsetGauge } from "../lib/cex/clock-metric";
import type { MetricSink } from "../lib/monitoring/business-metrics";
import type { OrderWriteQueueOptions } from "../lib/cex/order-write-queue";
import { journalFileFor, OrderJournal } from "../lib/cex/order-journal";
import { replayOrderJournal } from "../lib/cex/order-journal-replay";
import { FeeScheduleUnavailableError, type FeeSchedule } from "../lib/fees";
import { CEX_FILLS_TABLE, CEX_ORDERS_TABLE, cexFillColumns, cexMigrations, cexOrderColumns } from "../lib/db/schemas/cex";
import { invalid } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";
import { jsonAnswer } from "../lib/runtime/json-stream";
import { createDbMixin, sequelizeOf } from "../mixins/db.mixin";

export interface CexSettings extends ServiceSettingSchema {
  /** How often open orders are reconciled with the exchanges; 0 turns the timer off. */
  reconcileIntervalMs: number;
  /** How long a duplicate create waits for the first one to get the exchange's answer. */
  pendingWaitMs: number;
  /** How long fetched account fee rates are reused. */
  tradingFeesTtlMs: number;
  /** Bound and batching of the paper venue's order writes (lib/cex/order-write-queue.ts); defaults when empty. */
  orderWrites: OrderWriteQueueOptions;
  /**
   * On a SQLite file: acknowledge paper orders once appended to a journal beside the database
   * (lib/cex/order-journal.ts) instead of once committed; false: wait for the commit.
   */
  orderJournal: boolean;
  /**
   * ccxt constructor fields per exchange id, merged over mmesh's defaults (see
   * lib/cex/venues.ts). Tests point a venue at a local exchange with it:
   * `createCexService(env, { exchangeOverrides: { binance: fakeBinanceConfig(ep) } })`.
   */
  exchangeOverrides: Record<string, Record<string, unknown>>;
  /** How often each live venue's clock offset is measured (mmesh_exchange_time_offset_ms); 0: at open and after -1021 only. */
  clockSyncIntervalMs: number;
  /** When one exchange's own breaker opens and for how long (lib/cex/venue-breaker.ts); other venues are never refused by it. */
  venueBreaker: Partial<VenueBreakerOptions>;
  /** Run a user data stream (lib/cex/user-streams.ts) for every live venue a markets document names with a keyId. */
  userStreams: boolean;
  /** While a user stream is up: how often fills are caught up from REST (a lost message), ms; 0: never. */
  userStreamCatchUpMs: number;
  /** While a user stream is down and orders are open: how often fills are caught up from REST, ms. */
  userStreamDownCatchUpMs: number;
}

interface CexVars {
  adapter: { model: import("sequelize").ModelStatic<import("sequelize").Model> };
  store: OrderStore;
  venues: VenueRegistry;
  rateLimit: RateLimitBackend;
  reconcileTimer: NodeJS.Timeout | null;
  background: Promise<unknown>;
  /** The periodic reconcile in flight (stopped waits for it before the store closes). */
  periodicReconcile: Promise<void>;
  userStreams: UserStreams;
  /** The last start or restart of the user streams (awaited on stop). */
  userStreamsSync: Promise<void>;
  /** The store's loadKnownIds while it runs or after it succeeded; null before, or after a failure. */
  knownIdsLoading: Promise<void> | null;
  detachPaper: (() => void) | null;
}

interface CexMethods {
  /** What lib/cex's placement, cancel and replace functions need from the service. */
  orderDeps(): ReplaceDeps;
  credentials(exchange: string): Promise<ExchangeCredentials | undefined>;
  venueDocument(exchange: string): Promise<{ venue?: string; keyId?: string; sandbox?: boolean; marketType?: MarketType; rateBudget?: RateBudget }>;
  call<T>(exchange: string, fn: (client: ExchangeClient) => Promise<T>): Promise<T>;
  reconcile(exchange: string): Promise<ReconcileResult>;
  reconcileAll(exchanges?: string[]): Promise<void>;
  loadKnownIds(): void;
  openOrderJournal(): Promise<void>;
  syncUserStreams(): Promise<void>;
}

type LookupParams = { exchange: string; clientOrderId?: string; id?: string; symbol?: string };
type MarketParams = { exchange: string; symbol?: string; base?: string; quote?: string };

const EXCHANGE = { type: "string", min: 1, max: 64, pattern: /^[a-z0-9_]+$/ } as const;
const SYMBOL_PART = { type: "string", min: 1, max: 32, pattern: /^[A-Za-z0-9]+$/ } as const;
const SYMBOL = { type: "string", min: 3, max: 64, pattern: /^[A-Za-z0-9]+\/[A-Za-z0-9]+(:[A-Za-z0-9]+)?$/ } as const;
const DECIMAL = { type: "string", pattern: DECIMAL_PATTERN, messages: { stringPattern: "The '{field}' field must be a positive decimal string." } } as const;
const CLIENT_ORDER_ID = { type: "string", pattern: CLIENT_ORDER_ID_PATTERN, messages: { stringPattern: "The '{field}' field must be 1-36 characters of A-Z, a-z, 0-9, _ or -." } } as const;
const MARKET_PARAMS = { exchange: EXCHANGE, symbol: { ...SYMBOL, optional: true }, base: { ...SYMBOL_PART, optional: true }, quote: { ...SYMBOL_PART, optional: true } };
/** An order's side, type, amount and price (cex.createOrder and each order cex.replaceOrders places). */
const ORDER_KIND_PARAMS = {
  side: { type: "enum", values: ["buy", "sell"] },
  type: { type: "enum", values: ["limit", "market"] },
  amount: DECIMAL,
  price: { ...DECIMAL, optional: true },
};
/** An order's optional postOnly and timeInForce (cex.createOrder and each order cex.replaceOrders places). */
const ORDER_FLAG_PARAMS = {
  postOnly: { type: "boolean", optional: true },
  timeInForce: { type: "enum", values: ["GTC", "IOC", "FOK", "PO"], optional: true },
};
const LOOKUP_PARAMS = { exchange: EXCHANGE, clientOrderId: { ...CLIENT_ORDER_ID, optional: true }, id: { type: "string", min: 1, max: 128, optional: true }, symbol: { ...SYMBOL, optional: true } };

function symbolOf(params: { symbol?: string; base?: string; quote?: string }): string {
  if (params.symbol) return params.symbol;
  if (params.base && params.quote) return `${params.base.toUpperCase()}/${params.quote.toUpperCase()}`;
  throw invalid("Give symbol, or base and quote", "symbol");
}

const unknownExchange = (exchange: string) =>
  new Errors.MoleculerClientError(`Exchange ${exchange} is not configured (no markets document names it)`, 404, "UNKNOWN_EXCHANGE", { exchange });

export default function createCexService(env: RuntimeEnv, overrides: Partial<CexSettings> = {}): ServiceSchema {
  const schema: ServiceSchema<CexSettings, CexMethods, CexVars> = {
    name: "cex",
    mixins: [createDbMixin({ service: "cex", table: CEX_ORDERS_TABLE, define: cexOrderColumns, migrations: cexMigrations, database: env.database })],

    settings: {
      reconcileIntervalMs: 30_000,
      pendingWaitMs: 15_000,
      tradingFeesTtlMs: 300_000,
      clockSyncIntervalMs: 60_000,
      venueBreaker: {},
      orderWrites: {},
      orderJournal: true,
      exchangeOverrides: env.exchangeOverrides,
      userStreams: true,
      userStreamCatchUpMs: 60_000,
      userStreamDownCatchUpMs: 1_000,
      ...overrides,
      // ccxt constructor overrides may carry URLs with tokens: keep them out of INFO packets.
      $secureSettings: ["exchangeOverrides"],
    },

    actions: {
      exchanges: {
        rest: "GET /",
        summary: "Exchanges this node can trade: paper plus every venue named by a markets document",
        async handler(ctx: Context) {
          const docs = (await ctx.call("config.list", { kind: "markets" }).catch(() => [])) as Array<{ body: { venue?: string } }>;
          const venues = new Set([PAPER_EXCHANGE_ID, ...docs.map((d) => d.body?.venue).filter((v): v is string => !!v && v !== "paper" && isCcxtExchange(v))]);
          return [...venues].sort();
        },
      },

      ping: {
        rest: "GET /:exchange/ping",
        summary: "Whether the exchange answers now: its server time, asked through the rate limiter (never cached)",
        params: { exchange: EXCHANGE },
        async handler(ctx: Context<{ exchange: string }>) {
          const { exchange } = ctx.params;
          const started = Date.now();
          const serverTime = await this.call(exchange, async (c) => {
            if (c.fetchTime && c.has["fetchTime"]) return (await c.fetchTime()) ?? null;
            await c.fetchTicker(Object.keys(await c.loadMarkets())[0]);
            return null;
          });
          return { exchange, latencyMs: Date.now() - started, serverTime };
        },
      },

      markets: {
        rest: "GET /:exchange/markets",
        summary: "The exchange's markets with precision, limits and fees (decimal strings)",
        params: { exchange: EXCHANGE },
        async handler(ctx: Context<{ exchange: string }>) {
          // Thousands of markets on some venues (options): possibly past one transporter message.
          return jsonAnswer(ctx, await this.call(ctx.params.exchange, async (c) => Object.values(await c.loadMarkets()).map(toWireMarket)));
        },
      },

      ticker: {
        rest: "GET /:exchange/ticker/:base/:quote",
        summary: "Best bid/ask, last price and volume of one market",
        params: MARKET_PARAMS,
        async handler(ctx: Context<MarketParams>) {
          const symbol = symbolOf(ctx.params);
          return this.call(ctx.params.exchange, async (c) => toWireTicker(ctx.params.exchange, await c.fetchTicker(symbol)));
        },
      },

      orderBook: {
        rest: "GET /:exchange/book/:base/:quote",
        summary: "Order book of one market, levels as [price, amount] decimal strings",
        params: { ...MARKET_PARAMS, limit: { type: "number", integer: true, positive: true, max: 1000, optional: true, convert: true } },
        async handler(ctx: Context<MarketParams & { limit?: number }>) {
          const symbol = symbolOf(ctx.params);
          return this.call(ctx.params.exchange, async (c) => toWireBook(ctx.params.exchange, await c.fetchOrderBook(symbol, ctx.params.limit)));
        },
      },

      balance: {
        rest: "GET /:exchange/balance",
        summary: "Non-zero balances: free, used (locked in orders) and total per currency",
        params: { exchange: EXCHANGE },
        async handler(ctx: Context<{ exchange: string }>) {
          return this.call(ctx.params.exchange, async (c) => toWireBalance(ctx.params.exchange, await c.fetchBalance()));
        },
      },

      tradingFees: {
        rest: "GET /:exchange/fees/:base/:quote",
        summary: "Maker and taker fee rates of one market: the account's fetchTradingFees, else the market's, else the exchange default",
        params: MARKET_PARAMS,
        async handler(ctx: Context<MarketParams>): Promise<FeeSchedule> {
          const { exchange } = ctx.params;
          const symbol = symbolOf(ctx.params);
          try {
            return await this.call(exchange, (c) => tradingFeeSchedule(c, exchange, symbol, this.settings.tradingFeesTtlMs));
          } catch (err) {
            if (err instanceof FeeScheduleUnavailableError) throw new Errors.MoleculerClientError(err.message, 404, "FEE_SCHEDULE_UNAVAILABLE", { exchange, symbol });
            throw err;
          }
        },
      },

      createOrder: {
        rest: "POST /:exchange/orders",
        role: "trader",
        summary: "Place an order; idempotent on clientOrderId (a retry returns the stored order)",
        idempotencyKey: "clientOrderId",
        params: {
          exchange: EXCHANGE,
          symbol: SYMBOL,
          ...ORDER_KIND_PARAMS,
          clientOrderId: CLIENT_ORDER_ID,
          ...ORDER_FLAG_PARAMS,
        },
        async handler(ctx: Context<PlaceOrderRequest>) {
          return placeOrder(this.orderDeps(), ctx.params);
        },
      },

      cancelOrder: {
        rest: "DELETE /:exchange/orders/:clientOrderId",
        role: "trader",
        summary: "Cancel an order by clientOrderId (or exchange id); an order that already filled is returned as closed",
        idempotent: true,
        params: LOOKUP_PARAMS,
        async handler(ctx: Context<LookupParams>) {
          return cancelOrder(this.orderDeps(), ctx.params);
        },
      },

      replaceOrders: {
        rest: "POST /:exchange/orders/replace",
        role: "trader",
        summary: "A requote in one request: cancel orders (in parallel), then, only if every cancel succeeded or found the order gone, place orders (in parallel, each idempotent on clientOrderId); per-order results, one refusal never fails the batch",
        idempotent: true,
        params: {
          exchange: EXCHANGE,
          symbol: SYMBOL,
          cancel: { type: "array", items: CLIENT_ORDER_ID, max: REPLACE_MAX_ORDERS, default: [] },
          place: {
            type: "array",
            max: REPLACE_MAX_ORDERS,
            default: [],
            items: {
              type: "object",
              strict: "remove",
              props: {
                clientOrderId: CLIENT_ORDER_ID,
                ...ORDER_KIND_PARAMS,
                ...ORDER_FLAG_PARAMS,
              },
            },
          },
        },
        async handler(ctx: Context<ReplaceOrdersRequest>) {
          return replaceOrders(this.orderDeps(), ctx.params);
        },
      },

      cancelAll: {
        rest: "DELETE /:exchange/orders",
        role: "trader",
        summary: "Cancel every open order, or every open order of one symbol",
        params: { exchange: EXCHANGE, symbol: { ...SYMBOL, optional: true } },
        async handler(ctx: Context<{ exchange: string; symbol?: string }>) {
          const { exchange } = ctx.params;
          const canceled = await this.call(exchange, (c) => c.cancelAllOrders(ctx.params.symbol));
          const out: WireOrder[] = [];
          for (const order of canceled) out.push(await this.store.applyReport(exchange, toWireOrder(exchange, order)));
          return out;
        },
      },

      cancelAllAfter: {
        rest: "POST /:exchange/cancel-all-after",
        role: "trader",
        summary: "Dead man's switch (ccxt cancelAllOrdersAfter): the exchange cancels every open order of the account timeoutMs from now unless called again; 0 disarms; 501 where the exchange has none",
        params: { exchange: EXCHANGE, timeoutMs: { type: "number", integer: true, min: 0, max: 86_400_000, convert: true } },
        async handler(ctx: Context<CancelAllAfterRequest>) {
          return cancelAllAfter(this.venues, ctx.params);
        },
      },

      openOrders: {
        rest: "GET /:exchange/orders/open",
        summary: "Orders open on the exchange",
        params: { exchange: EXCHANGE, symbol: { ...SYMBOL, optional: true } },
        async handler(ctx: Context<{ exchange: string; symbol?: string }>) {
          const orders = await this.call(ctx.params.exchange, (c) => c.fetchOpenOrders(ctx.params.symbol));
          return jsonAnswer(ctx, orders.map((o) => toWireOrder(ctx.params.exchange, o)));
        },
      },

      order: {
        rest: "GET /:exchange/orders/:clientOrderId",
        summary: "One order, fresh from the exchange (by clientOrderId or exchange id); as stored when the exchange no longer knows it",
        params: LOOKUP_PARAMS,
        async handler(ctx: Context<LookupParams>) {
          return lookupOrder(this.orderDeps(), ctx.params);
        },
      },

      myTrades: {
        rest: "GET /:exchange/trades",
        summary: "This account's fills",
        params: {
          exchange: EXCHANGE,
          symbol: { ...SYMBOL, optional: true },
          since: { type: "number", integer: true, min: 0, optional: true, convert: true },
          limit: { type: "number", integer: true, positive: true, max: 1000, optional: true, convert: true },
        },
        async handler(ctx: Context<{ exchange: string; symbol?: string; since?: number; limit?: number }>) {
          const trades = await this.call(ctx.params.exchange, (c) => c.fetchMyTrades(ctx.params.symbol, ctx.params.since, ctx.params.limit));
          // Without a limit the venue's own: the paper exchange answers every fill it keeps (up to 10 000, ~3 MB).
          return jsonAnswer(ctx, trades.map((t) => toWireFill(ctx.params.exchange, t)));
        },
      },

      userStreams: {
        rest: "GET /user-streams",
        summary: "The user data streams of this node: exchange, up, sessions opened, order reports and fills received, REST catch-ups run",
        handler() {
          return this.userStreams.status();
        },
      },

      reconcile: {
        rest: "POST /:exchange/reconcile",
        role: "trader",
        summary: "Compare stored open orders with the exchange now: resolve vanished ones, pull their fills, report orphans",
        params: { exchange: EXCHANGE },
        async handler(ctx: Context<{ exchange: string }>) {
          return this.reconcile(ctx.params.exchange);
        },
      },
    },

    events: {
      async "config.changed"(ctx: Context<{ kind?: string }>) {
        // A venue's keyId may have changed: reopen live clients on next use (paper stays).
        if (ctx.params?.kind === "markets") {
          await this.venues.resetLive();
          this.userStreamsSync = this.syncUserStreams();
        }
      },
    },

    methods: {
      /** Replays what an unclean stop left in the journal, then acknowledges by the journal (see CexSettings.orderJournal). */
      async openOrderJournal() {
        const file = this.settings.orderJournal ? journalFileFor(sequelizeOf(this)) : null;
        if (!file) return;
        const replay = await replayOrderJournal(this.adapter.model, file);
        if (replay.restored + replay.skipped > 0) {
          this.logger.warn(`order journal: ${replay.restored} acknowledged paper orders restored into cex_orders after an unclean stop${replay.skipped ? `, ${replay.skipped} skipped (their clientOrderId is stored for another order)` : ""}`);
        }
        const journal = new OrderJournal(file);
        journal.truncate(); // everything in it is in the table now
        this.store.useJournal(journal);
      },

      orderDeps() {
        return { store: this.store, venues: this.venues, venue: (e: string) => this.venues.get(e), warn: (m: string) => this.logger.warn(m) };
      },

      async venueDocument(exchange) {
        if (!isCcxtExchange(exchange)) throw unknownExchange(exchange);
        const docs = (await this.broker.call("config.list", { kind: "markets" })) as Array<{ body: Awaited<ReturnType<CexMethods["venueDocument"]>> }>;
        const doc = docs.find((d) => d.body?.venue === exchange);
        if (!doc) throw unknownExchange(exchange);
        return doc.body;
      },

      async credentials(exchange) {
        const doc = await this.venueDocument(exchange);
        if (!doc.keyId) return undefined;
        const secret = (await this.broker.call("keys.reveal", { id: doc.keyId }, { caller: this.fullName })) as { kind: string; payload: ExchangeCredentials };
        if (secret.kind !== "cex") throw invalid(`Keystore entry ${doc.keyId} is not a CEX API key`, "keyId");
        return secret.payload;
      },

      call(exchange, fn) {
        return this.venues.call(exchange, (c) => fn(c));
      },

      reconcile(exchange) {
        return reconcileExchange(this.venues, this.store, exchange, {
          orphaned: async (order) => void (await this.broker.emit("order.orphaned", order)),
          vanished: async (order) => void (await this.broker.emit("order.vanished", order)),
          warn: (message) => this.logger.warn(message),
        });
      },

      /** (Re)starts the user streams of the keyed live venues; a venue whose keys cannot be read is skipped (warned). */
      async syncUserStreams() {
        if (!this.settings.userStreams || !this.userStreams || this.userStreams.stopped) return; // not started yet: started() syncs
        try {
          const docs = (await this.broker.call("config.list", { kind: "markets" })) as Array<{ body: { venue?: string; keyId?: string } }>;
          // The service may have stopped meanwhile (a late start-up sync or config.changed).
          if (this.userStreams.stopped) return;
          const credentials = new Map<string, ExchangeCredentials>();
          for (const exchange of keyedVenues(docs).filter(isCcxtExchange)) {
            const creds = await this.credentials(exchange).catch((err: Error) => void this.logger.warn(`user stream ${exchange}: no credentials (${err.message})`));
            if (creds) credentials.set(exchange, creds);
          }
          await this.userStreams.sync(credentials);
        } catch (err) {
          this.logger.warn(`user streams not started: ${(err as Error).message}`);
        }
      },

      /** Fills the store's filter of known paper clientOrderIds in the background (again on the reconcile timer until it succeeds). */
      loadKnownIds() {
        if (this.knownIdsLoading) return;
        this.knownIdsLoading = this.store.loadKnownIds().then(
          (n) => this.logger.debug(`${n} known paper clientOrderIds loaded`),
          (err) => {
            this.knownIdsLoading = null;
            this.logger.warn(`known paper clientOrderIds not loaded yet (every new paper order is looked up meanwhile): ${(err as Error).message}`);
          },
        );
      },

      async reconcileAll(exchanges) {
        const names = exchanges ?? [...new Set([PAPER_EXCHANGE_ID, ...(await this.store.exchangesWithOpenOrders())])];
        for (const exchange of names) {
          try {
            await this.reconcile(exchange);
          } catch (err) {
            this.logger.warn(`reconcile ${exchange} failed: ${(err as Error).message}`);
          }
        }
      },
    },

    created() {
      this.reconcileTimer = null;
      this.background = Promise.resolve();
      this.periodicReconcile = Promise.resolve();
      this.knownIdsLoading = null;
      this.detachPaper = null;
      this.userStreamsSync = Promise.resolve();
    },

    async started() {
      // Redis when the broker's cacher is Redis (its own connection, closed in stopped), else process memory.
      this.rateLimit = createRateLimitBackend(env.cacher, `${env.namespace}:cex-rate-limit`);
      if (!(await this.rateLimit.connected(2000))) this.logger.warn("Rate limiter: Redis not reachable yet; exchange budgets and 429 cooldowns stay this node's own until it is");
      const clockGauge = registerClockOffsetGauge(this.broker.isMetricsEnabled() ? (this.broker.metrics as unknown as MetricSink) : null);
      this.venues = new VenueRegistry({
        credentials: (exchange) => this.credentials(exchange),
        settings: async (exchange) => {
          const { sandbox, marketType, rateBudget } = await this.venueDocument(exchange);
          return { sandbox, marketType, rateBudget };
        },
        overrides: this.settings.exchangeOverrides,
        rateLimit: this.rateLimit,
        clockSyncIntervalMs: this.settings.clockSyncIntervalMs,
        breaker: this.settings.venueBreaker,
        onClockOffset: (exchange, offsetMs) => clockGauge?.(exchange, offsetMs),
        warn: (message) => this.logger.warn(message),
      });
      const fills = sequelizeOf(this).define(CEX_FILLS_TABLE, cexFillColumns, { tableName: CEX_FILLS_TABLE, timestamps: false });
      this.store = new OrderStore(this.adapter.model, fills, {
        orderUpdated: async (order) => void (await this.broker.emit("order.updated", order)),
        fillRecorded: async (fill: WireFill) => {
          await this.broker.emit("order.filled", fill);
          try {
            await (this.broker as unknown as { sendToChannel(c: string, p: unknown, o?: object): Promise<void> }).sendToChannel("order.filled", fill, { messageId: fillKey(fill) });
          } catch (err) {
            // The bus must never break trading: the fill is in cex_fills and reconcile can replay it.
            this.logger.warn(`order.filled ${fill.exchange}:${fill.tradeId} not published on the durable bus: ${(err as Error).message}`);
          }
        },
        writeFailed: (message) => this.logger.warn(message),
      }, { pendingWaitMs: this.settings.pendingWaitMs, inProcess: [PAPER_EXCHANGE_ID], writes: this.settings.orderWrites });
      await this.openOrderJournal();
      this.loadKnownIds();
      this.userStreams = new UserStreams({
        venues: this.venues,
        store: this.store,
        overrides: this.settings.exchangeOverrides,
        reconcileHooks: { orphaned: async (order) => void (await this.broker.emit("order.orphaned", order)), warn: (m) => this.logger.warn(m) },
        health: (exchange, up) => (up ? this.logger.info(`user stream ${exchange} up`) : this.logger.warn(`user stream ${exchange} down`)),
        balance: (exchange, balance) => void this.broker.emit("cex.balance.updated", toWireBalance(exchange, balance)),
        warn: (m) => this.logger.warn(m),
        healthyCatchUpMs: this.settings.userStreamCatchUpMs,
        downCatchUpMs: this.settings.userStreamDownCatchUpMs,
      });

      acquirePaperVenue(env.paperExtraMarkets);
      const paper = (await this.venues.get(PAPER_EXCHANGE_ID)).client as ExchangeClient & {
        on(e: string, l: (x: unknown) => void): void;
        off(e: string, l: (x: unknown) => void): void;
      };
      const onOrder = (order: unknown) => {
        const wire = toWireOrder(PAPER_EXCHANGE_ID, order as Order);
        this.store.applyReport(PAPER_EXCHANGE_ID, wire).catch((err) => this.logger.error(`paper order update failed: ${(err as Error).message}`));
      };
      const onTrade = (trade: unknown) => {
        const fill = toWireFill(PAPER_EXCHANGE_ID, trade as Trade);
        // A fill that cannot be written is kept and retried by the store (logged through writeFailed).
        this.store.queueFill(fill).catch((err) => this.logger.warn(`paper fill ${fill.tradeId}: ${(err as Error).message}`));
      };
      paper.on("order", onOrder);
      paper.on("trade", onTrade);
      this.detachPaper = () => {
        paper.off("order", onOrder);
        paper.off("trade", onTrade);
      };

      await this.reconcileAll([PAPER_EXCHANGE_ID]);
      // Live venues need config and keys (maybe on other nodes): reconcile them once those are up.
      const live = (await this.store.exchangesWithOpenOrders()).filter((e) => e !== PAPER_EXCHANGE_ID);
      if (live.length > 0) {
        this.background = this.broker
          .waitForServices(["config", "keys"], 30_000)
          .then(() => this.reconcileAll(live))
          .catch((err) => this.logger.warn(`start-up reconcile of ${live.join(", ")} skipped: ${(err as Error).message}`));
      }
      if (this.settings.userStreams) {
        this.userStreamsSync = this.broker
          .waitForServices(["config", "keys"], 30_000)
          .then(() => this.syncUserStreams())
          .catch((err) => this.logger.warn(`user streams not started: ${(err as Error).message}`));
      }
      if (this.settings.reconcileIntervalMs > 0) {
        this.reconcileTimer = setInterval(() => {
          this.loadKnownIds();
          this.periodicReconcile = this.reconcileAll().catch((err) => this.logger.warn(`periodic reconcile failed: ${(err as Error).message}`));
        }, this.settings.reconcileIntervalMs);
        this.reconcileTimer.unref();
      }
    },

    async stopped() {
      // New paper orders are refused (503) while the queued ones are committed (store.idle below).
      this.store?.stopAccepting();
      if (this.reconcileTimer) clearInterval(this.reconcileTimer);
      this.reconcileTimer = null;
      this.detachPaper?.();
      this.detachPaper = null;
      await this.background;
      await this.periodicReconcile;
      await this.userStreams?.stop(); // a start still waiting for config and keys then starts nothing
      await this.knownIdsLoading;
      await this.store?.idle();
      await this.store?.closeJournal();
      this.store?.close();
      await this.venues?.close();
      await this.rateLimit?.close();
      releasePaperVenue();
    },
  };
  return schema as unknown as ServiceSchema;
}

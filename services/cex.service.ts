/**
 * Orders, balances and books on any ccxt exchange and on the built-in paper exchange.
 * Placement is idempotent on (exchange, clientOrderId): a retried or concurrent create
 * with the same id returns the one stored order. Fills are persisted, emitted as
 * `order.filled` and published on the durable bus; a reconcile pass (start + timer)
 * resolves orders that left the book while nobody watched and reports orphans.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { Op, UniqueConstraintError, type Model, type ModelStatic } from "sequelize";
import type { Order, Trade } from "ccxt";
import {
  CLIENT_ORDER_ID_PATTERN,
  DECIMAL_PATTERN,
  PAPER_EXCHANGE_ID,
  acquirePaperVenue,
  createExchangeClient,
  diffOpenOrders,
  feeRatesFrom,
  isCcxtExchange,
  isOrderNotFound,
  isTerminal,
  mapExchangeError,
  mergeOrder,
  prepareOrder,
  releasePaperVenue,
  sameRequest,
  toWireBalance,
  toWireBook,
  toWireFill,
  toWireMarket,
  toWireOrder,
  toWireTicker,
  type ExchangeClient,
  type ExchangeCredentials,
  type OrderRequest,
  type OrderStatus,
  type WireFill,
  type WireOrder,
} from "../lib/cex";
import { CEX_FILLS_TABLE, CEX_ORDERS_TABLE, cexFillColumns, cexMigrations, cexOrderColumns } from "../lib/db/schemas/cex";
import { conflict, invalid, unavailable } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";
import { createDbMixin, sequelizeOf } from "../mixins/db.mixin";

interface OrderRow {
  id: number;
  exchange: string;
  client_order_id: string;
  exchange_order_id: string | null;
  symbol: string;
  side: string;
  type: string;
  price: string | null;
  amount: string;
  filled: string;
  remaining: string;
  status: OrderStatus;
  fee_cost: string | null;
  fee_currency: string | null;
  created_at: Date;
  updated_at: Date;
}

interface CexSettings extends ServiceSettingSchema {
  /** How often open orders are reconciled with the exchanges; 0 turns the timer off. */
  reconcileIntervalMs: number;
  /** How long a duplicate create waits for the first one to get the exchange's answer. */
  pendingWaitMs: number;
}

interface Venue {
  client: ExchangeClient;
  secrets: string[];
}

interface CexVars {
  adapter: { model: ModelStatic<Model> };
  fills: ModelStatic<Model>;
  venues: Map<string, Promise<Venue>>;
  chain: Promise<unknown>;
  reconcileTimer: NodeJS.Timeout | null;
  detachPaper: (() => void) | null;
}

interface CexMethods {
  venue(exchange: string): Promise<Venue>;
  openVenue(exchange: string): Promise<Venue>;
  call<T>(exchange: string, fn: (client: ExchangeClient) => Promise<T>): Promise<T>;
  serialize<T>(fn: () => Promise<T>): Promise<T>;
  findRow(exchange: string, by: { clientOrderId?: string; id?: string }): Promise<OrderRow | null>;
  saveOrder(exchange: string, incoming: WireOrder): Promise<WireOrder | null>;
  recordFill(fill: WireFill): Promise<boolean>;
  waitSettled(exchange: string, clientOrderId: string): Promise<OrderRow | null>;
  placeOrder(ctx: Context<CreateParams>, attempt: number): Promise<WireOrder>;
  reconcile(exchange: string): Promise<{ exchange: string; checked: number; resolved: WireOrder[]; orphans: WireOrder[] }>;
  reconcileAll(): Promise<void>;
}

type CreateParams = OrderRequest & { exchange: string; clientOrderId: string; postOnly?: boolean; timeInForce?: "GTC" | "IOC" | "FOK" | "PO" };
type LookupParams = { exchange: string; clientOrderId?: string; id?: string; symbol?: string };

const EXCHANGE = { type: "string", min: 1, max: 64, pattern: /^[a-z0-9_]+$/ } as const;
const SYMBOL_PART = { type: "string", min: 1, max: 32, pattern: /^[A-Za-z0-9]+$/ } as const;
const SYMBOL = { type: "string", min: 3, max: 64, pattern: /^[A-Za-z0-9]+\/[A-Za-z0-9]+(:[A-Za-z0-9]+)?$/ } as const;
const DECIMAL = { type: "string", pattern: DECIMAL_PATTERN, messages: { stringPattern: "The '{field}' field must be a positive decimal string." } } as const;
const CLIENT_ORDER_ID = { type: "string", pattern: CLIENT_ORDER_ID_PATTERN, messages: { stringPattern: "The '{field}' field must be 1-36 characters of A-Z, a-z, 0-9, _ or -." } } as const;
const MARKET_PARAMS = { exchange: EXCHANGE, symbol: { ...SYMBOL, optional: true }, base: { ...SYMBOL_PART, optional: true }, quote: { ...SYMBOL_PART, optional: true } };
const LOOKUP_PARAMS = { exchange: EXCHANGE, clientOrderId: { ...CLIENT_ORDER_ID, optional: true }, id: { type: "string", min: 1, max: 128, optional: true }, symbol: { ...SYMBOL, optional: true } };

function symbolOf(params: { symbol?: string; base?: string; quote?: string }): string {
  if (params.symbol) return params.symbol;
  if (params.base && params.quote) return `${params.base.toUpperCase()}/${params.quote.toUpperCase()}`;
  throw invalid("Give symbol, or base and quote", "symbol");
}

function rowToWire(row: OrderRow): WireOrder {
  return {
    exchange: row.exchange,
    id: row.exchange_order_id,
    clientOrderId: row.client_order_id,
    symbol: row.symbol,
    side: row.side,
    type: row.type,
    price: row.price,
    amount: row.amount,
    filled: row.filled,
    remaining: row.remaining,
    status: row.status,
    fee: { cost: row.fee_cost, currency: row.fee_currency },
    timestamp: new Date(row.created_at).getTime(),
  };
}

function wireToColumns(o: WireOrder) {
  return {
    exchange_order_id: o.id,
    symbol: o.symbol,
    side: o.side,
    type: o.type,
    price: o.price,
    amount: o.amount,
    filled: o.filled,
    remaining: o.remaining,
    status: o.status,
    fee_cost: o.fee.cost,
    fee_currency: o.fee.currency,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export default function createCexService(_env: RuntimeEnv): ServiceSchema {
  const schema: ServiceSchema<CexSettings, CexMethods, CexVars> = {
    name: "cex",
    mixins: [createDbMixin({ service: "cex", table: CEX_ORDERS_TABLE, define: cexOrderColumns, migrations: cexMigrations, database: _env.database })],

    settings: {
      reconcileIntervalMs: 30_000,
      pendingWaitMs: 15_000,
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

      markets: {
        rest: "GET /:exchange/markets",
        summary: "The exchange's markets with precision, limits and fees (decimal strings)",
        params: { exchange: EXCHANGE },
        async handler(ctx: Context<{ exchange: string }>) {
          return this.call(ctx.params.exchange, async (c) => Object.values(await c.loadMarkets()).map(toWireMarket));
        },
      },

      ticker: {
        rest: "GET /:exchange/ticker/:base/:quote",
        summary: "Best bid/ask, last price and volume of one market",
        params: MARKET_PARAMS,
        async handler(ctx: Context<{ exchange: string; symbol?: string; base?: string; quote?: string }>) {
          const symbol = symbolOf(ctx.params);
          return this.call(ctx.params.exchange, async (c) => toWireTicker(ctx.params.exchange, await c.fetchTicker(symbol)));
        },
      },

      orderBook: {
        rest: "GET /:exchange/book/:base/:quote",
        summary: "Order book of one market, levels as [price, amount] decimal strings",
        params: { ...MARKET_PARAMS, limit: { type: "number", integer: true, positive: true, max: 1000, optional: true, convert: true } },
        async handler(ctx: Context<{ exchange: string; symbol?: string; base?: string; quote?: string; limit?: number }>) {
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
        summary: "Maker and taker fee rates of one market (fetchTradingFees where the exchange has it)",
        params: MARKET_PARAMS,
        async handler(ctx: Context<{ exchange: string; symbol?: string; base?: string; quote?: string }>) {
          const symbol = symbolOf(ctx.params);
          return this.call(ctx.params.exchange, async (c) => {
            await c.loadMarkets();
            const market = c.market(symbol);
            const fetched = c.has.fetchTradingFees && c.fetchTradingFees ? (await c.fetchTradingFees())[symbol] : undefined;
            return feeRatesFrom(ctx.params.exchange, symbol, market, fetched);
          });
        },
      },

      createOrder: {
        rest: "POST /:exchange/orders",
        role: "trader",
        summary: "Place an order; idempotent on clientOrderId (a retry returns the stored order)",
        params: {
          exchange: EXCHANGE,
          symbol: SYMBOL,
          side: { type: "enum", values: ["buy", "sell"] },
          type: { type: "enum", values: ["limit", "market"] },
          amount: DECIMAL,
          price: { ...DECIMAL, optional: true },
          clientOrderId: CLIENT_ORDER_ID,
          postOnly: { type: "boolean", optional: true },
          timeInForce: { type: "enum", values: ["GTC", "IOC", "FOK", "PO"], optional: true },
        },
        async handler(ctx: Context<CreateParams>) {
          return this.placeOrder(ctx, 0);
        },
      },

      cancelOrder: {
        rest: "DELETE /:exchange/orders/:clientOrderId",
        role: "trader",
        summary: "Cancel an order by clientOrderId (or exchange id); an order that already filled is returned as closed",
        params: LOOKUP_PARAMS,
        async handler(ctx: Context<LookupParams>) {
          const { exchange } = ctx.params;
          if (!ctx.params.clientOrderId && !ctx.params.id) throw invalid("Give clientOrderId or id", "clientOrderId");
          const row = await this.findRow(exchange, ctx.params);
          if (row && isTerminal(row.status)) return rowToWire(row);
          const id = row?.exchange_order_id ?? ctx.params.id;
          const symbol = row?.symbol ?? ctx.params.symbol;
          if (!id) throw new Errors.MoleculerClientError(`${exchange}: order ${ctx.params.clientOrderId} not found`, 404, "ORDER_NOT_FOUND", { exchange });
          return this.call(exchange, async (c) => {
            let order: Order;
            try {
              order = await c.cancelOrder(id, symbol);
            } catch (err) {
              if (!isOrderNotFound(err)) throw err;
              // Already gone from the book: if it filled (or was canceled) meanwhile, that is the answer.
              const fetched = await c.fetchOrder(id, symbol).catch(() => null);
              if (!fetched || !isTerminal(fetched.status as OrderStatus)) throw err;
              order = fetched;
            }
            const wire = toWireOrder(exchange, order);
            return (await this.serialize(() => this.saveOrder(exchange, wire))) ?? wire;
          });
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
          for (const order of canceled) {
            const wire = toWireOrder(exchange, order);
            out.push((await this.serialize(() => this.saveOrder(exchange, wire))) ?? wire);
          }
          return out;
        },
      },

      openOrders: {
        rest: "GET /:exchange/orders/open",
        summary: "Orders open on the exchange",
        params: { exchange: EXCHANGE, symbol: { ...SYMBOL, optional: true } },
        async handler(ctx: Context<{ exchange: string; symbol?: string }>) {
          const orders = await this.call(ctx.params.exchange, (c) => c.fetchOpenOrders(ctx.params.symbol));
          return orders.map((o) => toWireOrder(ctx.params.exchange, o));
        },
      },

      order: {
        rest: "GET /:exchange/orders/:clientOrderId",
        summary: "One order, fresh from the exchange (by clientOrderId or exchange id)",
        params: LOOKUP_PARAMS,
        async handler(ctx: Context<LookupParams>) {
          const { exchange } = ctx.params;
          if (!ctx.params.clientOrderId && !ctx.params.id) throw invalid("Give clientOrderId or id", "clientOrderId");
          const row = await this.findRow(exchange, ctx.params);
          const id = row?.exchange_order_id ?? ctx.params.id;
          const symbol = row?.symbol ?? ctx.params.symbol;
          const order = await this.call(exchange, (c) =>
            id ? c.fetchOrder(id, symbol) : c.fetchOrder(undefined, symbol, { clientOrderId: ctx.params.clientOrderId }),
          );
          const wire = toWireOrder(exchange, order);
          return (await this.serialize(() => this.saveOrder(exchange, wire))) ?? wire;
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
          return trades.map((t) => toWireFill(ctx.params.exchange, t));
        },
      },

      reconcile: {
        rest: "POST /:exchange/reconcile",
        role: "trader",
        summary: "Compare stored open orders with the exchange now: resolve vanished ones, report orphans",
        params: { exchange: EXCHANGE },
        async handler(ctx: Context<{ exchange: string }>) {
          return this.reconcile(ctx.params.exchange);
        },
      },
    },

    events: {
      "config.changed"(ctx: Context<{ kind?: string }>) {
        // A venue's keyId may have changed: reopen live clients on next use (paper stays).
        if (ctx.params?.kind === "markets") for (const key of [...this.venues.keys()]) if (key !== PAPER_EXCHANGE_ID) this.venues.delete(key);
      },
    },

    methods: {
      venue(exchange) {
        let venue = this.venues.get(exchange);
        if (!venue) {
          venue = this.openVenue(exchange);
          this.venues.set(exchange, venue);
          venue.catch(() => this.venues.delete(exchange));
        }
        return venue;
      },

      async openVenue(exchange) {
        if (exchange === PAPER_EXCHANGE_ID) return { client: createExchangeClient(PAPER_EXCHANGE_ID), secrets: [] };
        const unknown = () => new Errors.MoleculerClientError(`Exchange ${exchange} is not configured (no markets document names it)`, 404, "UNKNOWN_EXCHANGE", { exchange });
        if (!isCcxtExchange(exchange)) throw unknown();
        const docs = (await this.broker.call("config.list", { kind: "markets" })) as Array<{ body: { venue?: string; keyId?: string } }>;
        const doc = docs.find((d) => d.body?.venue === exchange);
        if (!doc) throw unknown();
        let credentials: ExchangeCredentials | undefined;
        if (doc.body.keyId) {
          const secret = (await this.broker.call("keys.reveal", { id: doc.body.keyId }, { caller: this.fullName })) as { kind: string; payload: ExchangeCredentials };
          if (secret.kind !== "cex") throw invalid(`Keystore entry ${doc.body.keyId} is not a CEX API key`, "keyId");
          credentials = secret.payload;
        }
        const client = createExchangeClient(exchange, credentials);
        return { client, secrets: [credentials?.apiKey, credentials?.secret, credentials?.password].filter((s): s is string => !!s) };
      },

      async call(exchange, fn) {
        const venue = await this.venue(exchange);
        try {
          await venue.client.loadMarkets();
          return await fn(venue.client);
        } catch (err) {
          throw mapExchangeError(err, exchange, venue.secrets);
        }
      },

      serialize(fn) {
        const run = this.chain.then(fn, fn);
        this.chain = run.catch(() => undefined);
        return run;
      },

      async findRow(exchange, by) {
        const where = by.clientOrderId ? { exchange, client_order_id: by.clientOrderId } : by.id ? { exchange, exchange_order_id: by.id } : null;
        if (!where) return null;
        return (await this.adapter.model.findOne({ where, raw: true })) as OrderRow | null;
      },

      /** Applies an exchange report to the stored order (monotonic); emits order.updated on change. */
      async saveOrder(exchange, incoming) {
        const row = (incoming.clientOrderId ? await this.findRow(exchange, { clientOrderId: incoming.clientOrderId }) : null)
          ?? (incoming.id ? await this.findRow(exchange, { id: incoming.id }) : null);
        if (!row) return null;
        const stored = rowToWire(row);
        const merged = { ...mergeOrder(stored, { ...incoming, clientOrderId: row.client_order_id }), timestamp: stored.timestamp };
        const changed = merged.status !== stored.status || merged.filled !== stored.filled || merged.id !== stored.id || merged.fee.cost !== stored.fee.cost;
        if (changed) {
          await this.adapter.model.update({ ...wireToColumns(merged), updated_at: new Date() }, { where: { id: row.id } });
          await this.broker.emit("order.updated", merged);
        }
        return merged;
      },

      /** Stores a fill once (unique exchange + trade id); announces it on events and the durable bus. */
      async recordFill(fill) {
        try {
          await this.fills.create({
            exchange: fill.exchange,
            trade_id: fill.tradeId,
            exchange_order_id: fill.orderId,
            client_order_id: fill.clientOrderId,
            symbol: fill.symbol,
            side: fill.side,
            price: fill.price,
            amount: fill.amount,
            cost: fill.cost,
            taker_or_maker: fill.takerOrMaker,
            fee_cost: fill.fee.cost,
            fee_currency: fill.fee.currency,
            timestamp: fill.timestamp,
            created_at: new Date(),
          });
        } catch (err) {
          if (err instanceof UniqueConstraintError) return false;
          throw err;
        }
        await this.broker.emit("order.filled", fill);
        try {
          await (this.broker as unknown as { sendToChannel(c: string, p: unknown, o?: object): Promise<void> }).sendToChannel("order.filled", fill, { messageId: `${fill.exchange}:${fill.tradeId}` });
        } catch (err) {
          // The bus must never break trading: the fill is in cex_fills and reconcile can replay it.
          this.logger.warn(`order.filled ${fill.exchange}:${fill.tradeId} not published on the durable bus: ${(err as Error).message}`);
        }
        return true;
      },

      async waitSettled(exchange, clientOrderId) {
        const deadline = Date.now() + this.settings.pendingWaitMs;
        for (;;) {
          const row = await this.findRow(exchange, { clientOrderId });
          if (!row || row.status !== "pending") return row;
          if (Date.now() > deadline) throw unavailable(`Order ${clientOrderId} on ${exchange} is still being placed; retry`, { exchange, clientOrderId });
          await sleep(20);
        }
      },

      async placeOrder(ctx, attempt) {
        const p = ctx.params;
        const { exchange, clientOrderId } = p;
        const settled = async (row: OrderRow | null): Promise<WireOrder> => {
          if (!row) {
            // The first attempt was refused by the exchange and forgotten: try once ourselves.
            if (attempt > 0) throw unavailable(`Order ${clientOrderId} on ${exchange} could not be placed; retry`);
            return this.placeOrder(ctx, attempt + 1);
          }
          if (!sameRequest(row, p)) throw conflict(`clientOrderId ${clientOrderId} is already used on ${exchange} by a different order`, { clientOrderId });
          return rowToWire(row);
        };
        const existing = await this.findRow(exchange, { clientOrderId });
        if (existing) return settled(existing.status === "pending" ? await this.waitSettled(exchange, clientOrderId) : existing);

        const venue = await this.venue(exchange);
        let prepared: { amount: string; price?: string };
        try {
          await venue.client.loadMarkets();
          prepared = prepareOrder(venue.client, p);
        } catch (err) {
          throw mapExchangeError(err, exchange, venue.secrets);
        }
        const now = new Date();
        try {
          await this.adapter.model.create({
            exchange, client_order_id: clientOrderId, exchange_order_id: null, symbol: p.symbol, side: p.side, type: p.type,
            price: prepared.price ?? null, amount: prepared.amount, filled: "0", remaining: prepared.amount, status: "pending",
            fee_cost: null, fee_currency: null, created_at: now, updated_at: now,
          });
        } catch (err) {
          if (err instanceof UniqueConstraintError) return settled(await this.waitSettled(exchange, clientOrderId));
          throw err;
        }

        const params: Record<string, unknown> = { clientOrderId };
        if (p.postOnly !== undefined) params.postOnly = p.postOnly;
        if (p.timeInForce !== undefined) params.timeInForce = p.timeInForce;
        let order: Order | null = null;
        let failure: unknown = null;
        try {
          order = await venue.client.createOrder(p.symbol, p.type, p.side, prepared.amount, prepared.price, params);
        } catch (err) {
          failure = err;
          const mapped = mapExchangeError(err, exchange, venue.secrets);
          if ((mapped as { retryable?: boolean }).retryable || (mapped as { code?: number }).code === 502) {
            // Outcome unknown: ask the exchange whether the order exists before forgetting it.
            order = await venue.client.fetchOrder(undefined, p.symbol, { clientOrderId }).catch(() => null);
          }
        }
        if (!order) {
          await this.adapter.model.destroy({ where: { exchange, client_order_id: clientOrderId, status: "pending" } });
          throw mapExchangeError(failure, exchange, venue.secrets);
        }
        const wire = { ...toWireOrder(exchange, order), clientOrderId };
        const placed = order;
        return (await this.serialize(async () => {
          // The pending row must leave "pending" even if the venue's own events already moved it on.
          await this.adapter.model.update({ status: "open", exchange_order_id: placed.id }, { where: { exchange, client_order_id: clientOrderId, status: "pending" } });
          return this.saveOrder(exchange, wire);
        })) ?? wire;
      },

      async reconcile(exchange) {
        const rows = (await this.adapter.model.findAll({ where: { exchange, status: { [Op.in]: ["open"] } }, raw: true })) as unknown as OrderRow[];
        const exchangeOpen = (await this.call(exchange, (c) => c.fetchOpenOrders())).map((o) => toWireOrder(exchange, o));
        const { vanished, orphans } = diffOpenOrders(rows.map(rowToWire), exchangeOpen);
        const resolved: WireOrder[] = [];
        for (const order of vanished) {
          const fetched = await this.call(exchange, (c) => c.fetchOrder(order.id!, order.symbol)).catch((err) => {
            this.logger.warn(`reconcile ${exchange}: order ${order.clientOrderId} could not be fetched: ${(err as Error).message}`);
            return null;
          });
          if (!fetched) continue;
          const saved = await this.serialize(() => this.saveOrder(exchange, toWireOrder(exchange, fetched)));
          if (saved) resolved.push(saved);
        }
        for (const orphan of orphans) {
          this.logger.warn(`reconcile ${exchange}: open order ${orphan.id} (${orphan.symbol} ${orphan.side} ${orphan.amount} @ ${orphan.price}) is not in cex_orders`);
          await this.broker.emit("order.orphaned", orphan);
        }
        return { exchange, checked: rows.length, resolved, orphans };
      },

      async reconcileAll() {
        const rows = (await this.adapter.model.findAll({ attributes: ["exchange"], where: { status: "open" }, group: ["exchange"], raw: true })) as unknown as Array<{ exchange: string }>;
        const exchanges = new Set([PAPER_EXCHANGE_ID, ...rows.map((r) => r.exchange)]);
        for (const exchange of exchanges) {
          try {
            await this.reconcile(exchange);
          } catch (err) {
            this.logger.warn(`reconcile ${exchange} failed: ${(err as Error).message}`);
          }
        }
      },
    },

    created() {
      this.venues = new Map();
      this.chain = Promise.resolve();
      this.reconcileTimer = null;
      this.detachPaper = null;
    },

    async started() {
      this.fills = sequelizeOf(this).define(CEX_FILLS_TABLE, cexFillColumns, { tableName: CEX_FILLS_TABLE, timestamps: false });
      acquirePaperVenue();
      const paper = (await this.venue(PAPER_EXCHANGE_ID)).client as ExchangeClient & {
        on(e: string, l: (x: unknown) => void): void;
        off(e: string, l: (x: unknown) => void): void;
      };
      const onOrder = (order: unknown) => {
        const wire = toWireOrder(PAPER_EXCHANGE_ID, order as Order);
        this.serialize(() => this.saveOrder(PAPER_EXCHANGE_ID, wire)).catch((err) => this.logger.error(`paper order update failed: ${(err as Error).message}`));
      };
      const onTrade = (trade: unknown) => {
        const fill = toWireFill(PAPER_EXCHANGE_ID, trade as Trade);
        this.serialize(() => this.recordFill(fill)).catch((err) => this.logger.error(`paper fill ${fill.tradeId} not recorded: ${(err as Error).message}`));
      };
      paper.on("order", onOrder);
      paper.on("trade", onTrade);
      this.detachPaper = () => {
        paper.off("order", onOrder);
        paper.off("trade", onTrade);
      };
      await this.reconcileAll();
      if (this.settings.reconcileIntervalMs > 0) {
        this.reconcileTimer = setInterval(() => void this.reconcileAll(), this.settings.reconcileIntervalMs);
        this.reconcileTimer.unref();
      }
    },

    async stopped() {
      if (this.reconcileTimer) clearInterval(this.reconcileTimer);
      this.reconcileTimer = null;
      this.detachPaper?.();
      this.detachPaper = null;
      await this.chain;
      for (const [name, venue] of this.venues) {
        if (name !== PAPER_EXCHANGE_ID) await (await venue.catch(() => null))?.client.close?.().catch(() => undefined);
      }
      this.venues.clear();
      releasePaperVenue();
    },
  };
  return schema as unknown as ServiceSchema;
}

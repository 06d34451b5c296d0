/**
 * CEX↔CEX and CEX↔DEX arbitrage. Watches `price.cex.updated` and `price.dex.updated` for the
 * markets of the config `markets` documents, pairs markets trading the same assets (through the
 * asset aliases of lib/arbitrage: WETH ≈ ETH, USDC ≈ USDT ≈ USD), and for each pair asks lib/arbitrage
 * for the size with the best net profit: the CEX leg walks `cex.orderBook` with the taker rate of
 * `fee.rates`, the DEX leg quotes the pool through `dex.quote` (the chain's router/quoter) and pays
 * gas (gas units × the chain's gas price × the native coin's price). An opportunity above
 * `minProfit` is stored and emitted as `arbitrage.opportunity`; with `execute` on (off by default)
 * or through `POST /execute/:id` both legs are sent, the riskier one first, under the abort rules
 * of lib/arbitrage/execution.ts, and the outcome booked from the venues' fills and receipts is
 * stored and emitted as `arbitrage.execution.finished`.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import {
  D, DEFAULT_ASSET_ALIASES, arbitragePairs, canonicalAsset, bookOutcome, canonicalSymbol, cexLegPricer, decideSecondLeg, dexLegPricer, findOpportunity, pairKey, planExecution, str,
  type ArbMarket, type ExecutionLeg, type LegFill, type LegPricer, type Opportunity, type Outcome, type Side,
} from "../lib/arbitrage";
import { acquireChain, releaseChain, type ChainHandle } from "../lib/chain";
import { ARBITRAGE_TABLE, arbitrageColumns, arbitrageMigrations } from "../lib/db/schemas/arbitrage";
import { invalid, notFound } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";
import { jsonAnswer } from "../lib/runtime/json-stream";
import { createDbMixin } from "../mixins/db.mixin";
import { createLeaseStore, LeaseKeeper, type LeaseStore } from "../lib/lease";

export interface ArbitrageSettings extends ServiceSettingSchema {
  /** An opportunity must net more than this, in quote currency. */
  minProfit: string;
  /** Largest trade, in quote currency (the size cap in base is this ÷ the CEX mid). */
  maxNotional: string;
  /** Send both legs automatically when an opportunity is found (off: detect and record only). */
  execute: boolean;
  /** After an opportunity on a pair, events on that pair are ignored this long. */
  cooldownMs: number;
  /** DEX slippage bound and CEX IOC limit distance, in bps. */
  slippageBps: number;
  /** A first leg filling (or, for a swap, quoting) worse than expected by more than this drops the second leg. */
  maxAdverseBps: number;
  /** An opportunity older than this is not executed (its prices are gone). */
  maxAgeMs: number;
  /** Wallet account (label or address) that signs DEX legs; a market's keyId wins. */
  dexAccount: string;
  /** Gas units of one swap per protocol. */
  gasUnits: Record<string, number>;
  /** Asset → canonical asset, for pairing markets across venues. */
  assetAliases: Record<string, string>;
  /** Only these canonical symbols (e.g. ["ETH/USD"]); empty: all. */
  symbols: string[];
  /** Price events are coalesced per pair for this long before a scan. */
  scanDebounceMs: number;
  /** Levels of the CEX book walked. */
  bookDepth: number;
  configTimeoutMs: number;
  /** Markets used instead of (or before) config's, e.g. for a node without the config service. */
  markets: ArbMarket[];
}

export const DEFAULT_ARBITRAGE_SETTINGS: ArbitrageSettings = {
  minProfit: "1",
  maxNotional: "10000",
  execute: false,
  cooldownMs: 30_000,
  slippageBps: 30,
  maxAdverseBps: 30,
  maxAgeMs: 30_000,
  dexAccount: "dev-1",
  gasUnits: { "uniswap-v2": 130_000, "uniswap-v3": 160_000 },
  assetAliases: { ...DEFAULT_ASSET_ALIASES },
  symbols: [],
  scanDebounceMs: 250,
  bookDepth: 50,
  configTimeoutMs: 2_000,
  markets: [],
};

type Row = Record<string, any>;
type PoolInfo = { address: string; protocol: string; fee: number; token0: { symbol: string; address: string; decimals: number }; token1: { symbol: string; address: string; decimals: number } };
type CexMarketInfo = { symbol: string; precision: { amount: string | null; price: string | null } };
type WireFill = { orderId: string | null; clientOrderId: string | null; price: string; amount: string; cost: string; fee: { cost: string | null; currency: string | null } };

const SYMBOL = { type: "string", pattern: /^[A-Za-z0-9]+\/[A-Za-z0-9]+$/, optional: true, messages: { stringPattern: "The '{field}' field must look like BASE/QUOTE, for example ETH/USDT." } } as const;
const STATUSES = ["detected", "executing", "completed", "aborted", "exposed"];

interface Vars {
  leases?: LeaseStore;
  scanLease?: LeaseKeeper;
  settings: ArbitrageSettings;
  adapter: { model: import("sequelize").ModelStatic<import("sequelize").Model> };
  markets: ArbMarket[];
  pools: Map<string, PoolInfo>;
  cexMarkets: Map<string, Map<string, CexMarketInfo>>;
  lastMid: Map<string, string>;
  cooldown: Map<string, number>;
  busy: Set<string>;
  timers: Map<string, NodeJS.Timeout>;
  chain: Promise<ChainHandle> | null;
  inflight: Set<Promise<unknown>>;
  broker: any;
  logger: any;
  [method: string]: any;
}

const errText = (err: unknown) => {
  const e = err as { type?: string; message?: string };
  return e?.type && e.type !== "MoleculerError" ? `${e.type}: ${e.message}` : String(e?.message ?? err);
};

function baseQuoteOf(symbol: string): [string, string] {
  const [b, q = ""] = symbol.split(":")[0].split("/");
  return [b.toUpperCase(), q.toUpperCase()];
}

function roundToStep(value: string, step: string | null, direction: "up" | "down"): string {
  if (!step) return value;
  const s = new D(step);
  const n = new D(value).div(s);
  return str((direction === "up" ? n.ceil() : n.floor()).mul(s));
}

function toView(row: Row) {
  return {
    id: row.id, symbol: row.symbol, canonical: row.canonical, buyVenue: row.buy_venue, sellVenue: row.sell_venue, buyKind: row.buy_kind, sellKind: row.sell_kind,
    buyMarket: row.buy_market, sellMarket: row.sell_market, size: row.size, buyPrice: row.buy_price, sellPrice: row.sell_price, fees: row.fees, gas: row.gas,
    netProfit: row.net_profit, status: row.status, realizedProfit: row.realized_profit, detectedAt: Number(row.detected_at), updatedAt: Number(row.updated_at),
    detail: JSON.parse(row.detail), outcome: row.outcome ? JSON.parse(row.outcome) : null,
  };
}

/** The `arbitrage.opportunity` payload: business-metrics' ArbitrageOpportunity plus size, prices, fees, gas, id. */
function eventOf(o: Opportunity) {
  return {
    id: o.id, symbol: o.symbol, canonical: o.canonical, buyVenue: o.buyVenue, sellVenue: o.sellVenue, buyKind: o.buyKind, sellKind: o.sellKind,
    buyMarket: o.buyMarket, sellMarket: o.sellMarket, size: o.size, buyPrice: o.buyPrice, sellPrice: o.sellPrice, grossProfit: o.grossProfit,
    fees: o.fees, gas: o.gas, netProfit: o.netProfit, ts: o.ts,
  };
}

export default function createArbitrageService(env: RuntimeEnv, overrides: Partial<ArbitrageSettings> = {}): ServiceSchema {
  const schema: Record<string, unknown> = {
    name: "arbitrage",
    mixins: [createDbMixin({ service: "arbitrage", table: ARBITRAGE_TABLE, define: arbitrageColumns, migrations: arbitrageMigrations, database: env.database })],
    settings: { ...DEFAULT_ARBITRAGE_SETTINGS, ...overrides },

    actions: {
      markets: {
        rest: "GET /markets",
        role: "viewer",
        summary: "The market pairs watched for arbitrage (config markets paired through the asset aliases)",
        async handler(this: Vars) {
          await this.loadMarkets();
          return this.pairs().map(([a, b]: [ArbMarket, ArbMarket]) => ({ canonical: canonicalSymbol(a.symbol, this.settings.assetAliases), a, b }));
        },
      },
      opportunities: {
        rest: "GET /opportunities",
        role: "viewer",
        summary: "Recorded opportunities and their outcomes, newest first",
        params: {
          status: { type: "enum", values: STATUSES, optional: true },
          symbol: SYMBOL,
          limit: { type: "number", integer: true, min: 1, max: 1000, optional: true, convert: true },
        },
        async handler(this: Vars, ctx: Context<{ status?: string; symbol?: string; limit?: number }>) {
          const where: Row = {};
          if (ctx.params.status) where.status = ctx.params.status;
          if (ctx.params.symbol) where.symbol = ctx.params.symbol.toUpperCase();
          const rows = (await this.adapter.model.findAll({ where, order: [["detected_at", "DESC"]], limit: ctx.params.limit ?? 100, raw: true })) as Row[];
          // 2–4 KB each with detail and outcome: a thousand pass one transporter message.
          return jsonAnswer(ctx, rows.map(toView));
        },
      },
      get: {
        rest: "GET /opportunities/:id",
        role: "viewer",
        summary: "One recorded opportunity with its legs and outcome",
        params: { id: { type: "uuid" } },
        async handler(this: Vars, ctx: Context<{ id: string }>) {
          const row = (await this.adapter.model.findByPk(ctx.params.id, { raw: true })) as Row | null;
          if (!row) throw notFound(`opportunity ${ctx.params.id}`);
          return toView(row);
        },
      },
      scan: {
        rest: "POST /scan",
        role: "trader",
        summary: "Scan every watched pair now (cooldowns aside); records and emits what it finds, executes it when execute=true",
        params: { symbol: SYMBOL, execute: { type: "boolean", optional: true } },
        async handler(this: Vars, ctx: Context<{ symbol?: string; execute?: boolean }>) {
          await this.loadMarkets();
          const wanted = ctx.params.symbol ? canonicalSymbol(ctx.params.symbol, this.settings.assetAliases) : null;
          const pairs = this.pairs().filter(([a]: [ArbMarket]) => !wanted || canonicalSymbol(a.symbol, this.settings.assetAliases) === wanted);
          const found: unknown[] = [];
          for (const [a, b] of pairs) {
            const opp = await this.scanPair(a, b);
            if (!opp) continue;
            await this.record(opp);
            const run = ctx.params.execute ?? this.settings.execute;
            found.push(run ? { ...eventOf(opp), outcome: await this.execute(opp) } : eventOf(opp));
          }
          return { scanned: pairs.length, opportunities: found };
        },
      },
      execute: {
        rest: "POST /execute/:id",
        role: "trader",
        summary: "Execute a detected opportunity: the riskier leg first, the second only under the abort rules",
        params: { id: { type: "uuid" } },
        async handler(this: Vars, ctx: Context<{ id: string }>) {
          const row = (await this.adapter.model.findByPk(ctx.params.id, { raw: true })) as Row | null;
          if (!row) throw notFound(`opportunity ${ctx.params.id}`);
          if (row.status !== "detected") throw new Errors.MoleculerClientError(`opportunity ${row.id} is ${row.status}, not detected`, 409, "OPPORTUNITY_NOT_EXECUTABLE", { id: row.id, status: row.status });
          const age = Date.now() - Number(row.detected_at);
          if (age > this.settings.maxAgeMs) throw new Errors.MoleculerClientError(`opportunity ${row.id} is ${age} ms old (maxAgeMs ${this.settings.maxAgeMs}): scan again`, 409, "OPPORTUNITY_STALE", { id: row.id, ageMs: age });
          return this.execute(JSON.parse(row.detail) as Opportunity);
        },
      },
    },

    events: {
      "price.cex.updated"(this: Vars, ctx: Context<{ exchange?: string; symbol?: string; mid?: string }>) {
        const { exchange, symbol, mid } = ctx.params;
        if (!exchange || !symbol) return;
        if (mid) this.lastMid.set(canonicalSymbol(symbol, this.settings.assetAliases), mid);
        this.touched((m: ArbMarket) => m.kind === "cex" && m.venue === exchange && m.symbol === symbol);
      },
      "price.dex.updated"(this: Vars, ctx: Context<{ pool?: string }>) {
        const pool = ctx.params.pool?.toLowerCase();
        if (!pool) return;
        this.touched((m: ArbMarket) => m.kind === "dex" && m.pool?.toLowerCase() === pool);
      },
      "config.changed"(this: Vars, ctx: Context<{ kind?: string }>) {
        if (!ctx.params?.kind || ctx.params.kind === "markets") this.track(this.loadMarkets());
      },
    },

    methods: {
      track(this: Vars, p: Promise<unknown>) {
        const q = p.catch((err) => this.logger.warn(`arbitrage: ${errText(err)}`)).finally(() => this.inflight.delete(q));
        this.inflight.add(q);
      },

      async loadMarkets(this: Vars) {
        let docs: ArbMarket[] = [];
        const hasConfig = this.broker.registry.getServiceList({ onlyAvailable: true }).some((s: { name: string }) => s.name === "config");
        if (hasConfig) {
          try {
            const list = (await this.broker.call("config.list", { kind: "markets" }, { timeout: this.settings.configTimeoutMs })) as Array<{ name: string; body?: Row }>;
            docs = list.filter((d) => d.body).map((d) => ({ name: d.name, ...(d.body as Omit<ArbMarket, "name">) }));
          } catch (err) {
            this.logger.warn(`arbitrage: config.list failed (${errText(err)})`);
          }
        }
        this.markets = [...this.settings.markets, ...docs];
      },

      pairs(this: Vars): Array<[ArbMarket, ArbMarket]> {
        const symbols = this.settings.symbols.map((s: string) => canonicalSymbol(s, this.settings.assetAliases));
        return arbitragePairs(this.markets, this.settings.assetAliases).filter(([a]) => symbols.length === 0 || symbols.includes(canonicalSymbol(a.symbol, this.settings.assetAliases)));
      },

      /** A price event on a market: schedule (debounced) scans of its pairs that are not cooling down. */
      touched(this: Vars, match: (m: ArbMarket) => boolean) {
        // Prices are broadcast to every arbitrage node: only the lease holder scans (and executes).
        if (!this.scanLease?.held()) return;
        for (const [a, b] of this.pairs()) {
          if (!match(a) && !match(b)) continue;
          const key = pairKey(a, b);
          if ((this.cooldown.get(key) ?? 0) > Date.now() || this.busy.has(key) || this.timers.has(key)) continue;
          const timer = setTimeout(() => {
            this.timers.delete(key);
            this.track(this.autoScan(a, b));
          }, this.settings.scanDebounceMs);
          timer.unref?.();
          this.timers.set(key, timer);
        }
      },

      async autoScan(this: Vars, a: ArbMarket, b: ArbMarket) {
        const key = pairKey(a, b);
        if (this.busy.has(key)) return;
        this.busy.add(key);
        try {
          const opp = await this.scanPair(a, b);
          if (!opp) return;
          this.cooldown.set(key, Date.now() + this.settings.cooldownMs);
          await this.record(opp);
          if (this.settings.execute) await this.execute(opp);
        } finally {
          this.busy.delete(key);
        }
      },

      async cexMarket(this: Vars, exchange: string, symbol: string): Promise<CexMarketInfo> {
        let byExchange = this.cexMarkets.get(exchange);
        if (!byExchange) {
          const list = (await this.broker.call("cex.markets", { exchange })) as CexMarketInfo[];
          byExchange = new Map(list.map((m) => [m.symbol, m]));
          this.cexMarkets.set(exchange, byExchange);
        }
        const m = byExchange.get(symbol);
        if (!m) throw invalid(`${exchange} has no market ${symbol}`, "symbol");
        return m;
      },

      async pool(this: Vars, address: string): Promise<PoolInfo> {
        const hit = this.pools.get(address.toLowerCase());
        if (hit) return hit;
        const { pools } = (await this.broker.call("dex.pools", {})) as { pools: PoolInfo[] };
        for (const p of pools) this.pools.set(p.address.toLowerCase(), p);
        const found = this.pools.get(address.toLowerCase());
        if (!found) throw invalid(`pool ${address} is not known to the dex service`, "pool");
        return found;
      },

      /** The pool's base and quote tokens for a market symbol (WETH/USDC → WETH, USDC). */
      async poolTokens(this: Vars, m: ArbMarket) {
        const p = await this.pool(m.pool!);
        const [base, quote] = baseQuoteOf(m.symbol);
        const tokens = [p.token0, p.token1];
        const canon = (s: string) => canonicalAsset(s, this.settings.assetAliases);
        const b = tokens.find((t) => t.symbol.toUpperCase() === base) ?? tokens.find((t) => canon(t.symbol) === canon(base));
        const q = b === p.token0 ? p.token1 : p.token0;
        if (!b || (q.symbol.toUpperCase() !== quote && canon(q.symbol) !== canon(quote))) throw invalid(`pool ${p.address} does not trade ${m.symbol}`, "symbol");
        return { pool: p, base: b, quote: q };
      },

      chainHandle(this: Vars): Promise<ChainHandle> {
        if (!this.chain) this.chain = acquireChain(env);
        return this.chain;
      },

      /** Gas of one swap in quote: units × the chain's gas price × the native coin's price in quote. */
      async gasQuote(this: Vars, m: ArbMarket, nativePrice: string): Promise<string> {
        const chain = await this.chainHandle();
        const gasPrice = BigInt((await chain.provider.send("eth_gasPrice", [])) as string);
        const units = BigInt(this.settings.gasUnits[m.protocol ?? (await this.pool(m.pool!)).protocol] ?? 150_000);
        return str(new D((units * gasPrice).toString()).div("1e18").mul(nativePrice));
      },

      /** The native coin (ETH) in the pair's quote currency: the pair itself when it trades ETH, else the last ETH mid seen. */
      nativePrice(this: Vars, canonical: string, mid: string): string | null {
        const [base, quote] = canonical.split("/");
        if (base === "ETH") return mid;
        return this.lastMid.get(`ETH/${quote}`) ?? null;
      },

      /** Best opportunity on a pair (both directions), or null. */
      async scanPair(this: Vars, a: ArbMarket, b: ArbMarket): Promise<Opportunity | null> {
        const canonical = canonicalSymbol(a.symbol, this.settings.assetAliases);
        const info = await this.cexMarket(a.venue, a.symbol);
        const book = (await this.broker.call("cex.orderBook", { exchange: a.venue, symbol: a.symbol, limit: this.settings.bookDepth })) as { bids: string[][]; asks: string[][] };
        if (!book.bids.length || !book.asks.length) return null;
        const mid = str(new D(book.bids[0][0]).add(book.asks[0][0]).div(2));
        this.lastMid.set(canonical, mid);
        const pricersA = await this.cexPricers(a, book);
        let pricersB: { buy: LegPricer; sell: LegPricer } | null;
        let lot = info.precision.amount ?? "0.0001";
        if (b.kind === "cex") {
          const infoB = await this.cexMarket(b.venue, b.symbol);
          if (infoB.precision.amount && new D(infoB.precision.amount).gt(lot)) lot = infoB.precision.amount;
          const bookB = (await this.broker.call("cex.orderBook", { exchange: b.venue, symbol: b.symbol, limit: this.settings.bookDepth })) as { bids: string[][]; asks: string[][] };
          pricersB = await this.cexPricers(b, bookB);
        } else {
          const native = this.nativePrice(canonical, mid);
          if (!native) {
            this.logger.warn(`arbitrage: no ETH price in ${canonical.split("/")[1]} to value gas; ${b.name} skipped`);
            return null;
          }
          pricersB = await this.dexPricers(b, await this.gasQuote(b, native));
        }
        const opts = { lot, maxSize: str(new D(this.settings.maxNotional).div(mid)), minProfit: this.settings.minProfit, symbol: a.symbol, canonical };
        let best: Opportunity | null = null;
        for (const [buy, sell] of [[pricersA.buy, pricersB!.sell], [pricersB!.buy, pricersA.sell]] as Array<[LegPricer, LegPricer]>) {
          const o = await findOpportunity(buy, sell, opts);
          if (o && (!best || new D(o.netProfit).gt(best.netProfit))) best = o;
        }
        return best;
      },

      async cexPricers(this: Vars, m: ArbMarket, book: { bids: string[][]; asks: string[][] }) {
        const rates = (await this.broker.call("fee.rates", { exchange: m.venue, symbol: m.symbol })) as { taker: string; feeSide?: "get" | "give" | "quote" | "base" };
        const mk = (side: Side) => cexLegPricer({ venue: m.venue, symbol: m.symbol, side, levels: (side === "buy" ? book.asks : book.bids) as Array<[string, string]>, takerFee: rates.taker, feeSide: rates.feeSide });
        return { buy: mk("buy"), sell: mk("sell") };
      },

      async dexPricers(this: Vars, m: ArbMarket, gasQuote: string) {
        const { pool, base, quote } = await this.poolTokens(m);
        const feeRate = str(new D(pool.fee).div(1_000_000));
        const quoteFn = async (side: Side, amount: string) => {
          try {
            const q = (await this.broker.call("dex.quote", side === "sell"
              ? { pool: pool.address, tokenIn: base.address, amountIn: amount }
              : { pool: pool.address, tokenIn: quote.address, amountOut: amount })) as { amountIn: string; amountOut: string };
            return { quoteAmount: side === "sell" ? q.amountOut : q.amountIn };
          } catch (err) {
            const type = (err as { type?: string }).type;
            if (type === "INSUFFICIENT_LIQUIDITY" || type === "VALIDATION_ERROR") return null;
            throw err;
          }
        };
        const mk = (side: Side) => dexLegPricer({ venue: m.venue, pool: pool.address, side, feeRate, gasQuote, quote: quoteFn });
        return { buy: mk("buy"), sell: mk("sell") };
      },

      async record(this: Vars, o: Opportunity) {
        const now = Date.now();
        await this.adapter.model.create({
          id: o.id, symbol: o.symbol, canonical: o.canonical, buy_venue: o.buyVenue, sell_venue: o.sellVenue, buy_kind: o.buyKind, sell_kind: o.sellKind,
          buy_market: o.buyMarket, sell_market: o.sellMarket, size: o.size, buy_price: o.buyPrice, sell_price: o.sellPrice, fees: o.fees, gas: o.gas,
          net_profit: o.netProfit, status: "detected", realized_profit: null, detail: JSON.stringify(o), outcome: null, detected_at: o.ts, updated_at: now,
        });
        await this.broker.emit("arbitrage.opportunity", eventOf(o));
      },

      marketOf(this: Vars, leg: ExecutionLeg, o: Opportunity): ArbMarket {
        const want = (m: ArbMarket) => m.venue === leg.venue && (leg.kind === "dex" ? m.pool?.toLowerCase() === leg.market.toLowerCase() : m.symbol === leg.market);
        const found = this.markets.find(want);
        if (found) return found;
        return { name: leg.venue, kind: leg.kind, venue: leg.venue, symbol: o.symbol, ...(leg.kind === "dex" ? { pool: leg.market } : {}) };
      },

      /** Runs the plan: first leg, abort rules, second leg; stores and emits the outcome. */
      async execute(this: Vars, o: Opportunity): Promise<Outcome & { opportunityId: string }> {
        if (!this.markets.length) await this.loadMarkets();
        const plan = planExecution(o, { slippageBps: this.settings.slippageBps, maxAdverseBps: this.settings.maxAdverseBps });
        const [claimed] = await this.adapter.model.update({ status: "executing", updated_at: Date.now() }, { where: { id: o.id, status: "detected" } });
        if (claimed === 0) throw new Errors.MoleculerClientError(`opportunity ${o.id} is already being executed or done`, 409, "OPPORTUNITY_NOT_EXECUTABLE", { id: o.id });
        let outcome: Outcome;
        try {
          const first = await this.runLeg(plan.first, plan.first.amount, o, true);
          const decision = decideSecondLeg(plan, first);
          if (decision.action === "abort") outcome = bookOutcome(plan, o, first, null, decision);
          else outcome = bookOutcome(plan, o, first, await this.runLeg(plan.second, decision.amount, o, false));
        } catch (err) {
          outcome = { status: "aborted", reason: `execution error: ${errText(err)}`, first: { ok: false, side: plan.first.side, amount: "0", notional: "0", fee: "0", gas: "0", error: errText(err) }, second: null, realizedProfit: null, expectedProfit: "0", exposure: null };
        }
        await this.adapter.model.update(
          { status: outcome.status, realized_profit: outcome.realizedProfit, outcome: JSON.stringify({ plan, ...outcome }), updated_at: Date.now() },
          { where: { id: o.id } },
        );
        const result = { opportunityId: o.id, ...outcome };
        await this.broker.emit("arbitrage.execution.finished", { ...result, symbol: o.symbol, buyVenue: o.buyVenue, sellVenue: o.sellVenue, ts: Date.now() });
        if (outcome.status === "exposed") this.logger.warn(`arbitrage ${o.id}: exposed ${JSON.stringify(outcome.exposure)}: ${outcome.reason}`);
        return result;
      },

      async runLeg(this: Vars, leg: ExecutionLeg, amount: string, o: Opportunity, first: boolean): Promise<LegFill> {
        try {
          return leg.kind === "dex" ? await this.runDexLeg(leg, amount, o, first) : await this.runCexLeg(leg, amount, o);
        } catch (err) {
          return { ok: false, side: leg.side, amount: "0", notional: "0", fee: "0", gas: "0", error: errText(err) };
        }
      },

      /** An IOC limit order at the leg's bound; the fills (price, amount, fee) come from the venue. */
      async runCexLeg(this: Vars, leg: ExecutionLeg, amount: string, o: Opportunity): Promise<LegFill> {
        const info = await this.cexMarket(leg.venue, leg.market);
        const price = roundToStep(leg.limitPrice, info.precision.price, leg.side === "buy" ? "up" : "down");
        const clientOrderId = `arb-${o.id.slice(0, 23)}-${leg.step}`;
        const order = (await this.broker.call("cex.createOrder", { exchange: leg.venue, symbol: leg.market, side: leg.side, type: "limit", amount, price, clientOrderId, timeInForce: "IOC" })) as { id: string | null; status: string; filled: string };
        const trades = (await this.broker.call("cex.myTrades", { exchange: leg.venue, symbol: leg.market, limit: 1000 })) as WireFill[];
        const mine = trades.filter((t) => t.clientOrderId === clientOrderId || (order.id !== null && t.orderId === order.id));
        const [base] = baseQuoteOf(leg.market);
        let filled = new D(0);
        let notional = new D(0);
        let fee = new D(0);
        for (const t of mine) {
          filled = filled.add(t.amount);
          notional = notional.add(t.cost);
          if (t.fee.cost) fee = fee.add(t.fee.currency?.toUpperCase() === base ? new D(t.fee.cost).mul(t.price) : new D(t.fee.cost));
        }
        const ref = { clientOrderId, orderId: order.id, status: order.status, limitPrice: price, fills: mine.length };
        if (filled.isZero()) return { ok: false, side: leg.side, amount: "0", notional: "0", fee: "0", gas: "0", error: `IOC ${leg.side} ${amount} @ ${price} filled nothing (${order.status})`, ref };
        return { ok: true, side: leg.side, amount: str(filled), notional: str(notional), fee: str(fee), gas: "0", ref };
      },

      /** Quote now; a quote worse than expected by more than maxAdverseBps sends nothing; else swap that quote with the slippage bound. */
      async runDexLeg(this: Vars, leg: ExecutionLeg, amount: string, o: Opportunity, first: boolean): Promise<LegFill> {
        const m = this.marketOf(leg, o);
        const { pool, base, quote } = await this.poolTokens(m);
        const q = (await this.broker.call("dex.quote", leg.side === "sell"
          ? { pool: pool.address, tokenIn: base.address, amountIn: amount }
          : { pool: pool.address, tokenIn: quote.address, amountOut: amount })) as { id: string; amountIn: string; amountOut: string };
        const quotedPrice = new D(leg.side === "sell" ? q.amountOut : q.amountIn).div(amount);
        const tolerance = new D(this.settings.maxAdverseBps).div(10_000);
        const bound = new D(leg.expectedPrice).mul(leg.side === "sell" ? new D(1).sub(tolerance) : new D(1).add(tolerance));
        if (first && (leg.side === "sell" ? quotedPrice.lt(bound) : quotedPrice.gt(bound))) {
          return { ok: false, side: leg.side, amount: "0", notional: "0", fee: "0", gas: "0", error: `PRICE_MOVED: the pool now quotes ${str(quotedPrice)}, beyond the bound ${str(bound)} (expected ${leg.expectedPrice}); nothing sent` };
        }
        const account = m.keyId ?? this.settings.dexAccount;
        const r = (await this.broker.call("dex.swap", { quoteId: q.id, account, slippageBps: leg.slippageBps, approve: true })) as { hash: string; amountIn: string; amountOut: string; approval: { hash: string } | null };
        const chain = await this.chainHandle();
        let gasWei = BigInt(0);
        for (const hash of [r.hash, r.approval?.hash].filter(Boolean) as string[]) {
          const rc = await chain.provider.getTransactionReceipt(hash);
          if (rc) gasWei += BigInt(rc.gasUsed) * BigInt(rc.gasPrice);
        }
        const native = this.nativePrice(o.canonical, o.sellKind === "cex" ? o.sellPrice : o.buyPrice) ?? "0";
        return {
          ok: true, side: leg.side, amount: leg.side === "sell" ? r.amountIn : r.amountOut, notional: leg.side === "sell" ? r.amountOut : r.amountIn, fee: "0",
          gas: str(new D(gasWei.toString()).div("1e18").mul(native)), ref: { hash: r.hash, approval: r.approval?.hash ?? null, gasWei: gasWei.toString(), nativePrice: native },
        };
      },
    },

    created(this: Vars) {
      this.markets = [];
      this.pools = new Map();
      this.cexMarkets = new Map();
      this.lastMid = new Map();
      this.cooldown = new Map();
      this.busy = new Set();
      this.timers = new Map();
      this.chain = null;
      this.inflight = new Set();
    },

    async started(this: Vars) {
      await this.loadMarkets();
      this.leases = createLeaseStore(env, `${env.namespace}:arbitrage`);
      this.scanLease = new LeaseKeeper({ store: this.leases, key: "scanner", owner: this.broker.nodeID, ttlMs: 5_000 });
      await this.scanLease.start();
      this.logger.info(`arbitrage watching ${this.pairs().length} pair(s); execute=${this.settings.execute}`);
    },

    async stopped(this: Vars) {
      await this.scanLease?.stop();
      await this.leases?.close();
      for (const t of this.timers.values()) clearTimeout(t);
      this.timers.clear();
      await Promise.allSettled([...this.inflight]);
      if (this.chain) {
        this.chain = null;
        await releaseChain(env);
      }
    },
  };
  return schema as unknown as ServiceSchema;
}

/**
 * State and matching of the fake Binance: markets, accounts with free/locked balances,
 * one book per symbol and the depth update-id sequence that the websocket diff stream and
 * GET /api/v3/depth share.
 *
 * Book model: each price level holds anonymous liquidity (seeded by the test) and the
 * accounts' resting orders. Anonymous liquidity is older than any order at the same price,
 * so an incoming taker consumes it first, then resting orders in arrival order
 * (price-time priority). A taker that meets a resting order of its own account expires
 * that maker order (Binance's default self-trade prevention, EXPIRE_MAKER).
 * Anonymous liquidity set by `setLiquidity` never trades against resting orders by itself;
 * a test simulates another trader hitting an order with `fillOrder`.
 */
import { randomBytes } from "node:crypto";
import Decimal from "decimal.js";
import { BinanceError, Errors } from "./errors";
import {
  ZERO,
  floorToStep,
  fmt,
  isOpen,
  levelTotal,
  normalizeMarket,
  type Account,
  type AccountTrade,
  type Balance,
  type BookLevel,
  type EngineListener,
  type Market,
  type MarketState,
  type NewOrderParams,
  type Order,
} from "./model";
import { parseOrder } from "./order-rules";
import type { AccountConfig, DepthUpdateEvent, Level, LevelInput, MarketConfig, PublicTrade, Side } from "./types";

const MAX_TRADES_KEPT = 1000;

export class Engine {
  private readonly states = new Map<string, MarketState>();
  private readonly accounts = new Map<string, Account>();
  private nextOrderId = 1;
  timeOffsetMs = 0;
  listener: EngineListener | undefined;

  constructor(markets: MarketConfig[], accounts: AccountConfig[]) {
    for (const m of markets) this.addMarket(m);
    for (const a of accounts) this.addAccount(a);
  }

  now(): number {
    return Date.now() + this.timeOffsetMs;
  }

  // ---------------------------------------------------------------- markets, accounts

  addMarket(cfg: MarketConfig): void {
    const market = normalizeMarket(cfg);
    this.states.set(market.symbol, {
      market,
      bids: new Map(),
      asks: new Map(),
      lastUpdateId: 1000,
      nextTradeId: 1,
      trades: [],
      dirtyBids: new Set(),
      dirtyAsks: new Set(),
      lastTop: "",
    });
  }

  markets(): Market[] {
    return [...this.states.values()].map((s) => s.market);
  }

  market(symbol: string | undefined): Market {
    return this.state(symbol).market;
  }

  hasMarket(symbol: string): boolean {
    return this.states.has(symbol.toUpperCase());
  }

  private state(symbol: string | undefined): MarketState {
    if (symbol === undefined || symbol === "") throw Errors.mandatory("symbol");
    const st = this.states.get(symbol.toUpperCase());
    if (!st) throw Errors.invalidSymbol();
    return st;
  }

  addAccount(cfg: AccountConfig): Account {
    const account: Account = {
      apiKey: cfg.apiKey,
      secret: cfg.secret,
      balances: new Map(),
      makerFee: new Decimal(cfg.makerFee ?? "0.001"),
      takerFee: new Decimal(cfg.takerFee ?? "0.001"),
      canTrade: cfg.canTrade ?? true,
      orders: new Map(),
      trades: [],
    };
    for (const [asset, free] of Object.entries(cfg.balances ?? {})) {
      account.balances.set(asset, { free: new Decimal(free), locked: ZERO });
    }
    this.accounts.set(cfg.apiKey, account);
    return account;
  }

  account(apiKey: string): Account | undefined {
    return this.accounts.get(apiKey);
  }

  requireAccount(apiKey: string): Account {
    const acc = this.accounts.get(apiKey);
    if (!acc) throw new Error(`fake-binance: no account with apiKey ${apiKey}`);
    return acc;
  }

  allAccounts(): Account[] {
    return [...this.accounts.values()];
  }

  balance(account: Account, asset: string): Balance {
    let b = account.balances.get(asset);
    if (!b) {
      b = { free: ZERO, locked: ZERO };
      account.balances.set(asset, b);
    }
    return b;
  }

  setBalance(apiKey: string, asset: string, free: string | number, locked?: string | number): void {
    const b = this.balance(this.requireAccount(apiKey), asset);
    b.free = new Decimal(String(free));
    if (locked !== undefined) b.locked = new Decimal(String(locked));
  }

  /** Every order of every account, or of one. */
  orders(apiKey?: string): Order[] {
    const accounts = apiKey ? [this.requireAccount(apiKey)] : this.allAccounts();
    return accounts.flatMap((a) => [...a.orders.values()]);
  }

  findOrder(idOrClientId: number | string): Order | undefined {
    for (const acc of this.accounts.values()) {
      if (typeof idOrClientId === "number") {
        const o = acc.orders.get(idOrClientId);
        if (o) return o;
      } else {
        const matches = [...acc.orders.values()].filter((o) => o.clientOrderId === idOrClientId);
        const open = matches.find(isOpen);
        if (open) return open;
        if (matches.length) return matches[matches.length - 1];
      }
    }
    return undefined;
  }

  /** GET /api/v3/order, DELETE /api/v3/order lookup: by orderId or origClientOrderId, within one account and symbol. */
  lookupOrder(account: Account, symbol: string, orderId?: string, origClientOrderId?: string): Order | undefined {
    const sym = this.market(symbol).symbol;
    if (orderId !== undefined && orderId !== "") {
      const o = account.orders.get(Number(orderId));
      return o && o.symbol === sym ? o : undefined;
    }
    if (origClientOrderId !== undefined && origClientOrderId !== "") {
      const matches = [...account.orders.values()].filter((o) => o.symbol === sym && o.clientOrderId === origClientOrderId);
      return matches.find(isOpen) ?? matches[matches.length - 1];
    }
    throw new BinanceError(400, -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!");
  }

  // ---------------------------------------------------------------- book

  lastUpdateId(symbol: string): number {
    return this.state(symbol).lastUpdateId;
  }

  /** Sorted levels (best first), aggregated over liquidity and resting orders. */
  levels(symbol: string, side: Side, limit = Number.MAX_SAFE_INTEGER): Level[] {
    const st = this.state(symbol);
    return this.sortedLevels(st, side)
      .map((l): [Decimal, Decimal] => [l.price, levelTotal(l)])
      .filter(([, q]) => q.gt(0))
      .slice(0, limit)
      .map(([p, q]) => [fmt(p), fmt(q)]);
  }

  depth(symbol: string, limit = 100): { lastUpdateId: number; bids: Level[]; asks: Level[] } {
    const st = this.state(symbol);
    return { lastUpdateId: st.lastUpdateId, bids: this.levels(symbol, "BUY", limit), asks: this.levels(symbol, "SELL", limit) };
  }

  bookTicker(symbol: string): { symbol: string; bidPrice: string; bidQty: string; askPrice: string; askQty: string } {
    const st = this.state(symbol);
    const [bid] = this.levels(st.market.symbol, "BUY", 1);
    const [ask] = this.levels(st.market.symbol, "SELL", 1);
    return {
      symbol: st.market.symbol,
      bidPrice: bid?.[0] ?? fmt(0),
      bidQty: bid?.[1] ?? fmt(0),
      askPrice: ask?.[0] ?? fmt(0),
      askQty: ask?.[1] ?? fmt(0),
    };
  }

  private sortedLevels(st: MarketState, side: Side): BookLevel[] {
    const levels = [...(side === "BUY" ? st.bids : st.asks).values()];
    return levels.sort((a, b) => (side === "BUY" ? b.price.cmp(a.price) : a.price.cmp(b.price)));
  }

  private level(st: MarketState, side: Side, price: Decimal): BookLevel {
    const book = side === "BUY" ? st.bids : st.asks;
    const key = price.toFixed();
    let level = book.get(key);
    if (!level) {
      level = { price, liquidity: ZERO, orders: [] };
      book.set(key, level);
    }
    return level;
  }

  private markDirty(st: MarketState, side: Side, price: Decimal): void {
    (side === "BUY" ? st.dirtyBids : st.dirtyAsks).add(price.toFixed());
  }

  /**
   * Sets anonymous liquidity: each [price, qty] is the new absolute anonymous quantity at
   * that price (0 removes it), like a Binance diff. Emits one depthUpdate.
   */
  setLiquidity(symbol: string, bids: LevelInput[], asks: LevelInput[], replace = false): DepthUpdateEvent | undefined {
    const st = this.state(symbol);
    if (replace) {
      for (const side of ["BUY", "SELL"] as Side[]) {
        for (const level of (side === "BUY" ? st.bids : st.asks).values()) {
          if (!level.liquidity.isZero()) {
            level.liquidity = ZERO;
            this.markDirty(st, side, level.price);
          }
        }
      }
    }
    for (const [side, levels] of [["BUY", bids], ["SELL", asks]] as [Side, LevelInput[]][]) {
      for (const [p, q] of levels) {
        const price = new Decimal(String(p));
        const qty = new Decimal(String(q));
        if (qty.isNegative()) throw new Error(`fake-binance: negative quantity ${qty.toString()} at ${price.toString()}`);
        const level = this.level(st, side, price);
        level.liquidity = qty;
        this.markDirty(st, side, price);
      }
    }
    return this.flush(st);
  }

  /**
   * Advances the update id by n without sending the skipped updates, then sends one update
   * (re-stating the best levels) whose U jumps past the expected one: a gap for the client.
   */
  skipSequence(symbol: string, n = 1): DepthUpdateEvent | undefined {
    const st = this.state(symbol);
    st.lastUpdateId += n;
    const [bid] = this.sortedLevels(st, "BUY").filter((l) => levelTotal(l).gt(0));
    const [ask] = this.sortedLevels(st, "SELL").filter((l) => levelTotal(l).gt(0));
    if (bid) this.markDirty(st, "BUY", bid.price);
    if (ask) this.markDirty(st, "SELL", ask.price);
    if (!bid && !ask) st.dirtyBids.add("0");
    return this.flush(st, true);
  }

  /** Emits the accumulated level changes of a symbol as one depthUpdate (U..u). */
  private flush(st: MarketState, force = false): DepthUpdateEvent | undefined {
    const count = st.dirtyBids.size + st.dirtyAsks.size;
    if (count === 0 && !force) return undefined;
    const collect = (side: Side, keys: Set<string>): Level[] => {
      const book = side === "BUY" ? st.bids : st.asks;
      const out: Level[] = [];
      for (const key of keys) {
        const level = book.get(key);
        if (!level) {
          if (key !== "0") out.push([fmt(key), fmt(0)]);
          continue;
        }
        const total = levelTotal(level);
        out.push([fmt(level.price), fmt(total)]);
        if (total.isZero() && level.orders.length === 0) book.delete(key);
      }
      keys.clear();
      return out;
    };
    const b = collect("BUY", st.dirtyBids);
    const a = collect("SELL", st.dirtyAsks);
    const U = st.lastUpdateId + 1;
    const u = st.lastUpdateId + Math.max(1, count);
    st.lastUpdateId = u;
    const event: DepthUpdateEvent = { e: "depthUpdate", E: this.now(), s: st.market.symbol, U, u, b, a };
    this.listener?.depth(st.market.symbol, event);
    const top = this.bookTicker(st.market.symbol);
    const topKey = `${top.bidPrice}|${top.bidQty}|${top.askPrice}|${top.askQty}`;
    if (topKey !== st.lastTop) {
      st.lastTop = topKey;
      this.listener?.bookTicker(st.market.symbol, {
        u: st.lastUpdateId,
        s: st.market.symbol,
        b: top.bidPrice,
        B: top.bidQty,
        a: top.askPrice,
        A: top.askQty,
      });
    }
    return event;
  }

  // ---------------------------------------------------------------- trades

  publicTrades(symbol: string, limit = 500): PublicTrade[] {
    const trades = this.state(symbol).trades;
    return trades.slice(Math.max(0, trades.length - limit));
  }

  /** A trade between two outside traders: no account, no book change. */
  pushTrade(symbol: string, price: string | number, qty: string | number, isBuyerMaker = false): PublicTrade {
    const st = this.state(symbol);
    return this.recordPublicTrade(st, new Decimal(String(price)), new Decimal(String(qty)), isBuyerMaker);
  }

  private recordPublicTrade(st: MarketState, price: Decimal, qty: Decimal, isBuyerMaker: boolean, id?: number): PublicTrade {
    const trade: PublicTrade = {
      id: id ?? st.nextTradeId++,
      price: fmt(price),
      qty: fmt(qty),
      quoteQty: fmt(price.times(qty)),
      time: this.now(),
      isBuyerMaker,
      isBestMatch: true,
    };
    st.trades.push(trade);
    if (st.trades.length > MAX_TRADES_KEPT) st.trades.shift();
    this.listener?.trade(st.market.symbol, trade);
    return trade;
  }

  ticker24h(symbol: string): Record<string, unknown> {
    const st = this.state(symbol);
    const now = this.now();
    const trades = st.trades.filter((t) => t.time >= now - 86_400_000);
    const top = this.bookTicker(symbol);
    const prices = trades.map((t) => new Decimal(t.price));
    const last = prices.length ? prices[prices.length - 1] : ZERO;
    const open = prices.length ? prices[0] : ZERO;
    const volume = trades.reduce((s, t) => s.plus(t.qty), ZERO);
    const quoteVolume = trades.reduce((s, t) => s.plus(t.quoteQty), ZERO);
    const change = last.minus(open);
    return {
      symbol: st.market.symbol,
      priceChange: fmt(change),
      priceChangePercent: open.isZero() ? "0.000" : change.div(open).times(100).toFixed(3),
      weightedAvgPrice: volume.isZero() ? fmt(0) : fmt(quoteVolume.div(volume)),
      prevClosePrice: fmt(open),
      lastPrice: fmt(last),
      lastQty: trades.length ? trades[trades.length - 1].qty : fmt(0),
      bidPrice: top.bidPrice,
      bidQty: top.bidQty,
      askPrice: top.askPrice,
      askQty: top.askQty,
      openPrice: fmt(open),
      highPrice: fmt(prices.length ? Decimal.max(...prices) : ZERO),
      lowPrice: fmt(prices.length ? Decimal.min(...prices) : ZERO),
      volume: fmt(volume),
      quoteVolume: fmt(quoteVolume),
      openTime: now - 86_400_000,
      closeTime: now,
      firstId: trades.length ? trades[0].id : -1,
      lastId: trades.length ? trades[trades.length - 1].id : -1,
      count: trades.length,
    };
  }

  // ---------------------------------------------------------------- orders

  placeOrder(account: Account, p: NewOrderParams): Order {
    const st = this.state(p.symbol);
    const m = st.market;
    const { side, type, timeInForce, price, qty, quoteOrderQty } = parseOrder(m, account, p, (s) => this.marketReferencePrice(st, s));

    // idempotency: a client order id is unique among the account's open orders
    const clientOrderId = p.newClientOrderId && p.newClientOrderId !== "" ? p.newClientOrderId : randomBytes(11).toString("hex").slice(0, 22);
    for (const o of account.orders.values()) {
      if (o.clientOrderId === clientOrderId && isOpen(o)) throw Errors.duplicateOrder();
    }

    if (type === "LIMIT_MAKER" && this.crosses(st, side, price)) throw Errors.wouldTake();

    // balance check (worst case for the order)
    const base = this.balance(account, m.base);
    const quote = this.balance(account, m.quote);
    if (side === "BUY") {
      const need = type === "MARKET" ? (quoteOrderQty.gt(0) ? quoteOrderQty : this.walkCost(st, "BUY", qty)) : price.times(qty);
      if (quote.free.lt(need)) throw Errors.insufficientBalance();
    } else {
      const need = quoteOrderQty.gt(0) ? this.walkQtyForQuote(st, "SELL", quoteOrderQty) : qty;
      if (base.free.lt(need)) throw Errors.insufficientBalance();
    }

    const now = this.now();
    const order: Order = {
      symbol: m.symbol,
      orderId: this.nextOrderId++,
      clientOrderId,
      account,
      side,
      type,
      timeInForce,
      price,
      origQty: qty,
      origQuoteOrderQty: quoteOrderQty,
      executedQty: ZERO,
      cummulativeQuoteQty: ZERO,
      status: "NEW",
      time: now,
      updateTime: now,
      workingTime: now,
      locked: ZERO,
      fills: [],
    };
    account.orders.set(order.orderId, order);
    this.listener?.execution?.(order, "NEW");

    if (type === "LIMIT" && timeInForce === "FOK" && this.fillableQty(st, order).lt(qty)) {
      order.status = "EXPIRED";
      this.listener?.execution?.(order, "EXPIRED");
      return order;
    }

    this.match(st, order);

    const remaining = order.origQty.minus(order.executedQty);
    if (type === "MARKET") {
      if (quoteOrderQty.gt(0)) {
        // by quote: filled once the rest of the quote cannot buy one more step; expired when the book ran dry first
        const done = order.cummulativeQuoteQty.gte(quoteOrderQty) || (order.executedQty.gt(0) && this.quoteExhausted(order, st));
        order.status = done ? "FILLED" : "EXPIRED";
        order.origQty = order.executedQty;
      } else {
        order.status = remaining.isZero() ? "FILLED" : "EXPIRED";
      }
    } else if (remaining.isZero()) {
      order.status = "FILLED";
    } else if (timeInForce !== "GTC") {
      order.status = "EXPIRED";
    } else {
      // rest the remainder
      if (side === "BUY") {
        const lock = price.times(remaining);
        quote.free = quote.free.minus(lock);
        quote.locked = quote.locked.plus(lock);
        order.locked = lock;
      } else {
        base.free = base.free.minus(remaining);
        base.locked = base.locked.plus(remaining);
        order.locked = remaining;
      }
      this.level(st, side, price).orders.push(order);
      this.markDirty(st, side, price);
    }
    if (order.status === "EXPIRED") this.listener?.execution?.(order, "EXPIRED");
    this.listener?.balances?.(account, [m.base, m.quote]);
    this.flush(st);
    return order;
  }

  /** Market buy by quote: filled when what is left of the quote cannot buy one more step at the next price. */
  private quoteExhausted(order: Order, st: MarketState): boolean {
    const left = order.origQuoteOrderQty.minus(order.cummulativeQuoteQty);
    const next = this.sortedLevels(st, order.side === "BUY" ? "SELL" : "BUY").find((l) => levelTotal(l).gt(0));
    if (!next) return false;
    return floorToStep(left.div(next.price), st.market.stepSize).isZero();
  }

  private marketReferencePrice(st: MarketState, side: Side): Decimal {
    const best = this.sortedLevels(st, side === "BUY" ? "SELL" : "BUY").find((l) => levelTotal(l).gt(0));
    return best ? best.price : ZERO;
  }

  private crosses(st: MarketState, side: Side, price: Decimal): boolean {
    const best = this.marketReferencePrice(st, side);
    if (best.isZero()) return false;
    return side === "BUY" ? price.gte(best) : price.lte(best);
  }

  /** Quote needed to buy qty by walking the asks (only the part the book can fill). */
  private walkCost(st: MarketState, side: Side, qty: Decimal): Decimal {
    let left = qty;
    let cost = ZERO;
    for (const level of this.sortedLevels(st, side === "BUY" ? "SELL" : "BUY")) {
      if (left.isZero()) break;
      const take = Decimal.min(left, levelTotal(level));
      cost = cost.plus(take.times(level.price));
      left = left.minus(take);
    }
    return cost;
  }

  /** Base needed to receive `quote` by walking the bids. */
  private walkQtyForQuote(st: MarketState, side: Side, quote: Decimal): Decimal {
    let left = quote;
    let qty = ZERO;
    for (const level of this.sortedLevels(st, side === "BUY" ? "SELL" : "BUY")) {
      if (left.lte(0)) break;
      const take = Decimal.min(levelTotal(level), floorToStep(left.div(level.price), st.market.stepSize));
      qty = qty.plus(take);
      left = left.minus(take.times(level.price));
    }
    return qty;
  }

  private fillableQty(st: MarketState, order: Order): Decimal {
    let total = ZERO;
    for (const level of this.sortedLevels(st, order.side === "BUY" ? "SELL" : "BUY")) {
      if (order.side === "BUY" ? level.price.gt(order.price) : level.price.lt(order.price)) break;
      total = total.plus(level.liquidity);
      for (const o of level.orders) if (o.account !== order.account) total = total.plus(o.origQty.minus(o.executedQty));
    }
    return total;
  }

  private match(st: MarketState, taker: Order): void {
    const oppSide: Side = taker.side === "BUY" ? "SELL" : "BUY";
    const byQuote = taker.origQuoteOrderQty.gt(0);
    const step = st.market.stepSize;
    for (const level of this.sortedLevels(st, oppSide)) {
      if (taker.type !== "MARKET") {
        if (taker.side === "BUY" ? level.price.gt(taker.price) : level.price.lt(taker.price)) break;
      }
      const wanted = (): Decimal => {
        if (!byQuote) return taker.origQty.minus(taker.executedQty);
        const leftQuote = taker.origQuoteOrderQty.minus(taker.cummulativeQuoteQty);
        return floorToStep(leftQuote.div(level.price), step);
      };
      if (wanted().lte(0)) break;
      // anonymous liquidity first
      if (level.liquidity.gt(0)) {
        const qty = Decimal.min(level.liquidity, wanted());
        if (qty.gt(0)) {
          level.liquidity = level.liquidity.minus(qty);
          this.execute(st, taker, undefined, level.price, qty);
          this.markDirty(st, oppSide, level.price);
        }
      }
      while (level.orders.length > 0 && wanted().gt(0)) {
        const maker = level.orders[0];
        if (maker.account === taker.account) {
          // self-trade prevention EXPIRE_MAKER
          this.removeFromBook(st, maker);
          this.releaseLock(st, maker);
          maker.status = "EXPIRED_IN_MATCH";
          maker.updateTime = this.now();
          this.listener?.execution?.(maker, "TRADE_PREVENTION");
          continue;
        }
        const qty = Decimal.min(maker.origQty.minus(maker.executedQty), wanted());
        this.execute(st, taker, maker, level.price, qty);
        this.markDirty(st, oppSide, level.price);
      }
      if (wanted().lte(0)) break;
    }
  }

  /** One fill between a taker order (or an outside taker when undefined) and a maker order (or anonymous liquidity when undefined). */
  private execute(st: MarketState, taker: Order | undefined, maker: Order | undefined, price: Decimal, qty: Decimal): PublicTrade {
    const buyerIsMaker = maker ? maker.side === "BUY" : taker?.side === "SELL";
    const tradeId = st.nextTradeId++;
    if (taker) this.applyFill(st, taker, price, qty, false, tradeId);
    if (maker) {
      this.applyFill(st, maker, price, qty, true, tradeId);
      if (maker.executedQty.eq(maker.origQty)) this.removeFromBook(st, maker);
    }
    return this.recordPublicTrade(st, price, qty, buyerIsMaker, tradeId);
  }

  private applyFill(st: MarketState, order: Order, price: Decimal, qty: Decimal, isMaker: boolean, tradeId: number): void {
    const m = st.market;
    const acc = order.account;
    const base = this.balance(acc, m.base);
    const quote = this.balance(acc, m.quote);
    const rate = isMaker ? acc.makerFee : acc.takerFee;
    const quoteQty = price.times(qty);
    let commission: Decimal;
    let commissionAsset: string;
    if (order.side === "BUY") {
      if (isMaker) {
        const unlock = order.price.times(qty);
        quote.locked = quote.locked.minus(unlock);
        order.locked = order.locked.minus(unlock);
        // a maker fills at its own price, so nothing is left over
      } else {
        quote.free = quote.free.minus(quoteQty);
      }
      commission = qty.times(rate).toDecimalPlaces(8, Decimal.ROUND_UP);
      commissionAsset = m.base;
      base.free = base.free.plus(qty).minus(commission);
    } else {
      if (isMaker) {
        base.locked = base.locked.minus(qty);
        order.locked = order.locked.minus(qty);
      } else {
        base.free = base.free.minus(qty);
      }
      commission = quoteQty.times(rate).toDecimalPlaces(8, Decimal.ROUND_UP);
      commissionAsset = m.quote;
      quote.free = quote.free.plus(quoteQty).minus(commission);
    }
    order.executedQty = order.executedQty.plus(qty);
    order.cummulativeQuoteQty = order.cummulativeQuoteQty.plus(quoteQty);
    order.updateTime = this.now();
    if (order.type !== "MARKET" || isMaker) {
      order.status = order.executedQty.eq(order.origQty) ? "FILLED" : "PARTIALLY_FILLED";
    }
    order.fills.push({ price, qty, commission, commissionAsset, tradeId });
    this.listener?.execution?.(order, "TRADE", order.fills[order.fills.length - 1], isMaker);
    acc.trades.push({
      symbol: m.symbol,
      id: tradeId,
      orderId: order.orderId,
      orderListId: -1,
      price: fmt(price),
      qty: fmt(qty),
      quoteQty: fmt(quoteQty),
      commission: fmt(commission),
      commissionAsset,
      time: this.now(),
      isBuyer: order.side === "BUY",
      isMaker,
      isBestMatch: true,
    });
  }

  private removeFromBook(st: MarketState, order: Order): void {
    const book = order.side === "BUY" ? st.bids : st.asks;
    const level = book.get(order.price.toFixed());
    if (!level) return;
    level.orders = level.orders.filter((o) => o !== order);
    this.markDirty(st, order.side, order.price);
  }

  private releaseLock(st: MarketState, order: Order): void {
    const asset = order.side === "BUY" ? st.market.quote : st.market.base;
    const b = this.balance(order.account, asset);
    b.locked = b.locked.minus(order.locked);
    b.free = b.free.plus(order.locked);
    order.locked = ZERO;
  }

  cancelOrder(order: Order): Order {
    if (!isOpen(order)) throw Errors.unknownOrder();
    const st = this.state(order.symbol);
    this.removeFromBook(st, order);
    this.releaseLock(st, order);
    order.status = "CANCELED";
    order.updateTime = this.now();
    this.listener?.execution?.(order, "CANCELED");
    this.listener?.balances?.(order.account, [st.market.base, st.market.quote]);
    this.flush(st);
    return order;
  }

  cancelAll(account: Account, symbol: string): Order[] {
    const sym = this.market(symbol).symbol;
    const open = [...account.orders.values()].filter((o) => o.symbol === sym && isOpen(o));
    if (open.length === 0) throw Errors.unknownOrder();
    const st = this.state(sym);
    for (const o of open) {
      this.removeFromBook(st, o);
      this.releaseLock(st, o);
      o.status = "CANCELED";
      o.updateTime = this.now();
      this.listener?.execution?.(o, "CANCELED");
    }
    this.listener?.balances?.(account, [st.market.base, st.market.quote]);
    this.flush(st);
    return open;
  }

  /**
   * Another trader takes `amount` (default: all that remains) of a resting order at its
   * price. Balances move, trades are recorded for the account and the public tape, the book
   * shrinks and the depth/trade/bookTicker streams hear of it.
   */
  fillOrder(idOrClientId: number | string, amount?: string | number): PublicTrade {
    const order = this.findOrder(idOrClientId);
    if (!order) throw new Error(`fake-binance: no order ${String(idOrClientId)}`);
    if (!isOpen(order)) throw new Error(`fake-binance: order ${order.orderId} is ${order.status}, not open`);
    const remaining = order.origQty.minus(order.executedQty);
    const qty = amount === undefined ? remaining : new Decimal(String(amount));
    if (qty.lte(0) || qty.gt(remaining)) {
      throw new Error(`fake-binance: cannot fill ${qty.toString()} of order ${order.orderId} (remaining ${remaining.toString()})`);
    }
    const st = this.state(order.symbol);
    this.markDirty(st, order.side, order.price);
    const trade = this.execute(st, undefined, order, order.price, qty);
    this.listener?.balances?.(order.account, [st.market.base, st.market.quote]);
    this.flush(st);
    return trade;
  }

  /**
   * Moves everything that happened so far `ms` into the past (orders' times, account and
   * public trades): as if the clock had advanced by `ms` since, without touching the clock
   * that signed requests are checked against.
   */
  backdate(ms: number): void {
    for (const account of this.accounts.values()) {
      for (const o of account.orders.values()) {
        o.time -= ms;
        o.updateTime -= ms;
        o.workingTime -= ms;
      }
      for (const t of account.trades) t.time -= ms;
    }
    for (const st of this.states.values()) for (const t of st.trades) t.time -= ms;
  }

  accountTrades(account: Account, symbol: string): AccountTrade[] {
    const sym = this.market(symbol).symbol;
    return account.trades.filter((t) => t.symbol === sym);
  }
}

export { fmt, isOpen, type Account, type AccountTrade, type Market, type Order } from "./model";

import { BadSymbol, DuplicateOrderId, InsufficientFunds, InvalidOrder, OrderImmediatelyFillable, OrderNotFound } from './ccxt-errors';
import { Account, AccountOptions } from './accounts';
import { Clock } from './clock';
import { formatUnits, mulUnits, mulUnitsCeil } from './fixed-point';
import { MarketSpec, notional } from './markets';
import { OrderBook } from './order-book';
import { OrderKind, PaperFill, PaperOrder, PublicTrade, Side, TimeInForce, remainingOf } from './orders';

export interface OrderRequest {
  symbol: string;
  side: Side;
  type: OrderKind;
  /** base amount in units */
  amount: bigint;
  /** limit price in units; ignored for market orders */
  price?: bigint;
  /** defaults: GTC for limit orders, IOC for market orders */
  timeInForce?: TimeInForce;
  clientOrderId?: string;
}

export interface PlacementOptions {
  /** false for simulated flows and replay, whose sizes come from a model or a recording */
  enforceMinimums?: boolean;
  /** resting orders of this account are passed over instead of traded (replayed prints) */
  skipAccountId?: string;
  /** false: fills are not added to public trades/ticker (replayed prints are recorded by the replay) */
  publishTrades?: boolean;
}

/** What the venue hears from the engine, synchronously, while an operation runs. */
export interface EngineObserver {
  orderUpdated(account: Account, order: PaperOrder): void;
  filled(account: Account, fill: PaperFill): void;
  publicTrade(trade: PublicTrade): void;
  bookChanged(symbol: string): void;
}

interface Walk {
  amount: bigint;
  cost: bigint;
}

/**
 * Price-time priority matching over one book per market, with per-account balances.
 * Fees are charged in the currency received (buyer pays in base, seller in quote), rounded up to
 * 18 decimals. Self-trade prevention cancels the resting order of the same account (expire maker).
 */
export class MatchingEngine {
  readonly accounts = new Map<string, Account>();
  private readonly specs = new Map<string, MarketSpec>();
  private readonly books = new Map<string, OrderBook>();
  private orderSeq = 0;
  private tradeSeq = 0;

  constructor(
    markets: MarketSpec[],
    private readonly clock: Clock,
    private readonly observer: EngineObserver,
    private readonly accountDefaults: AccountOptions = {},
    private readonly idPrefix = '',
  ) {
    for (const spec of markets) {
      if (this.specs.has(spec.symbol)) throw new Error(`paper market ${spec.symbol} is configured twice`);
      this.specs.set(spec.symbol, spec);
      this.books.set(spec.symbol, new OrderBook(spec.symbol));
    }
  }

  get symbols(): string[] {
    return [...this.specs.keys()];
  }

  marketSpecs(): MarketSpec[] {
    return [...this.specs.values()];
  }

  spec(symbol: string): MarketSpec {
    const spec = this.specs.get(symbol);
    if (!spec) throw new BadSymbol(`paper does not have market symbol ${symbol}`);
    return spec;
  }

  book(symbol: string): OrderBook {
    this.spec(symbol);
    return this.books.get(symbol)!;
  }

  account(id: string, options?: AccountOptions): Account {
    let account = this.accounts.get(id);
    if (!account) {
      account = new Account(id, { ...this.accountDefaults, ...options });
      this.accounts.set(id, account);
    }
    return account;
  }

  placeOrder(account: Account, request: OrderRequest, options: PlacementOptions = {}): PaperOrder {
    const spec = this.spec(request.symbol);
    const book = this.books.get(spec.symbol)!;
    const { side, type, amount, clientOrderId } = request;
    const enforceMinimums = options.enforceMinimums ?? true;
    if (side !== 'buy' && side !== 'sell') throw new InvalidOrder(`paper order side must be "buy" or "sell", got "${side}"`);
    if (type !== 'limit' && type !== 'market') throw new InvalidOrder(`paper order type must be "limit" or "market", got "${type}"`);
    const timeInForce = this.resolveTimeInForce(type, request.timeInForce);
    const symbol = spec.symbol;

    if (amount <= 0n) throw new InvalidOrder(`paper order amount must be positive, got ${formatUnits(amount)} for ${symbol}`);
    if (amount % spec.lot !== 0n) {
      throw new InvalidOrder(`paper amount ${formatUnits(amount)} of ${symbol} is not a multiple of the lot size ${formatUnits(spec.lot)}`);
    }
    if (enforceMinimums && amount < spec.minAmount) {
      throw new InvalidOrder(`paper amount ${formatUnits(amount)} of ${symbol} is below the minimum amount ${formatUnits(spec.minAmount)} ${spec.base}`);
    }
    let price: bigint | undefined;
    if (type === 'limit') {
      price = request.price;
      if (price === undefined) throw new InvalidOrder(`paper limit order on ${symbol} needs a price`);
      if (price <= 0n) throw new InvalidOrder(`paper price must be positive, got ${formatUnits(price)} for ${symbol}`);
      if (price % spec.tick !== 0n) {
        throw new InvalidOrder(`paper price ${formatUnits(price)} of ${symbol} is not a multiple of the tick size ${formatUnits(spec.tick)}`);
      }
      const value = notional(price, amount);
      if (enforceMinimums && value < spec.minNotional) {
        throw new InvalidOrder(
          `paper order value ${formatUnits(value)} ${spec.quote} (price ${formatUnits(price)} × amount ${formatUnits(amount)}) of ${symbol} is below the minimum notional ${formatUnits(spec.minNotional)} ${spec.quote}`,
        );
      }
    }
    if (clientOrderId !== undefined) {
      const existing = account.orderIdByClientId.get(clientOrderId);
      if (existing !== undefined) {
        const status = account.orders.get(existing)?.status ?? 'known';
        throw new DuplicateOrderId(`paper clientOrderId "${clientOrderId}" is already used by order ${existing} (${status})`);
      }
    }
    const opposite = book.oppositeOf(side);
    if (timeInForce === 'PO') {
      const best = opposite.best();
      if (best && this.crosses(side, price, best.price)) {
        throw new OrderImmediatelyFillable(
          `paper post-only ${side} at ${formatUnits(price!)} on ${symbol} would cross the best ${side === 'buy' ? 'ask' : 'bid'} ${formatUnits(best.price)} and take liquidity`,
        );
      }
    }

    let walk: Walk | undefined;
    if (type === 'market' || timeInForce === 'FOK') {
      walk = this.walk(book, side, amount, price, account.id, options.skipAccountId);
    }
    if (type === 'market') {
      if (walk!.amount === 0n) {
        throw new InvalidOrder(`paper market ${side} on ${symbol} found no ${side === 'buy' ? 'asks' : 'bids'} to trade against`);
      }
      if (enforceMinimums && walk!.cost < spec.minNotional) {
        throw new InvalidOrder(
          `paper market ${side} of ${formatUnits(amount)} ${symbol} is worth ${formatUnits(walk!.cost)} ${spec.quote}, below the minimum notional ${formatUnits(spec.minNotional)} ${spec.quote}`,
        );
      }
    }

    const lockCurrency = side === 'buy' ? spec.quote : spec.base;
    const lockAmount = side === 'sell' ? amount : type === 'market' ? walk!.cost : notional(price!, amount);
    if (!account.lock(lockCurrency, lockAmount)) {
      const at = type === 'limit' ? ` at ${formatUnits(price!)}` : ' at market';
      throw new InsufficientFunds(
        `paper insufficient ${lockCurrency} balance to ${side} ${formatUnits(amount)} ${symbol}${at}: needs ${formatUnits(lockAmount)} ${lockCurrency}, free ${formatUnits(account.free(lockCurrency))}`,
      );
    }

    const now = this.clock.now();
    const order: PaperOrder = {
      id: `${this.idPrefix}${++this.orderSeq}`,
      clientOrderId,
      accountId: account.id,
      symbol,
      side,
      type,
      timeInForce,
      postOnly: timeInForce === 'PO',
      price,
      amount,
      filled: 0n,
      cost: 0n,
      fee: 0n,
      feeCurrency: side === 'buy' ? spec.base : spec.quote,
      locked: lockAmount,
      status: 'open',
      cancelReason: undefined,
      timestamp: now,
      lastTradeTimestamp: undefined,
      lastUpdateTimestamp: now,
      fills: account.keepsHistory ? [] : undefined,
      level: null,
      prev: null,
      next: null,
    };
    account.rememberOrder(order);

    if (timeInForce === 'FOK' && walk!.amount < amount) {
      this.finish(account, order, 'canceled', 'fill-or-kill could not fill completely');
      this.observer.orderUpdated(account, order);
      return order;
    }

    this.match(account, order, book, spec, options);

    if (order.filled === order.amount) {
      this.finish(account, order, 'closed');
    } else if (type === 'limit' && (timeInForce === 'GTC' || timeInForce === 'PO')) {
      book.sideFor(side).add(order);
      account.openOrders.set(order.id, order);
      this.bookChanged(book);
    } else {
      this.finish(account, order, 'canceled', type === 'market' ? 'market order ran out of liquidity' : 'immediate-or-cancel remainder');
    }
    this.observer.orderUpdated(account, order);
    return order;
  }

  cancelOrder(account: Account, orderId: string): PaperOrder {
    const order = account.openOrders.get(orderId) ?? account.orders.get(orderId);
    if (!order) throw new OrderNotFound(`paper order ${orderId} not found`);
    if (order.status === 'closed') throw new OrderNotFound(`paper order ${orderId} is already filled (status closed), nothing to cancel`);
    if (order.status === 'canceled') throw new OrderNotFound(`paper order ${orderId} is already canceled`);
    this.cancelResting(account, order, 'canceled by user');
    return order;
  }

  cancelAll(account: Account, symbol?: string, reason = 'canceled by user'): PaperOrder[] {
    if (symbol !== undefined) this.spec(symbol);
    const canceled: PaperOrder[] = [];
    for (const order of [...account.openOrders.values()]) {
      if (symbol !== undefined && order.symbol !== symbol) continue;
      this.cancelResting(account, order, reason);
      canceled.push(order);
    }
    return canceled;
  }

  findOrder(account: Account, orderId: string): PaperOrder | undefined {
    return account.orders.get(orderId) ?? account.openOrders.get(orderId);
  }

  private resolveTimeInForce(type: OrderKind, requested: TimeInForce | undefined): TimeInForce {
    const valid: TimeInForce[] = ['GTC', 'IOC', 'FOK', 'PO'];
    if (requested !== undefined && !valid.includes(requested)) {
      throw new InvalidOrder(`paper timeInForce must be one of ${valid.join(', ')}, got "${requested}"`);
    }
    if (type === 'market') {
      if (requested === 'PO') throw new InvalidOrder('paper market orders cannot be post-only');
      return requested === 'FOK' ? 'FOK' : 'IOC';
    }
    return requested ?? 'GTC';
  }

  private crosses(side: Side, limit: bigint | undefined, restingPrice: bigint): boolean {
    if (limit === undefined) return true;
    return side === 'buy' ? restingPrice <= limit : restingPrice >= limit;
  }

  /** What a taker could fill now, without changing anything (same skipping rules as `match`). */
  private walk(book: OrderBook, side: Side, amount: bigint, limit: bigint | undefined, accountId: string, skipAccountId?: string): Walk {
    const opposite = book.oppositeOf(side);
    let remaining = amount;
    let cost = 0n;
    for (let rank = 0; remaining > 0n; rank++) {
      const level = opposite.levelFromBest(rank);
      if (!level || !this.crosses(side, limit, level.price)) break;
      for (let resting = level.head; resting && remaining > 0n; resting = resting.next) {
        if (resting.accountId === accountId || resting.accountId === skipAccountId) continue;
        const quantity = remainingOf(resting) < remaining ? remainingOf(resting) : remaining;
        remaining -= quantity;
        cost += mulUnits(level.price, quantity);
      }
    }
    return { amount: amount - remaining, cost };
  }

  private match(account: Account, taker: PaperOrder, book: OrderBook, spec: MarketSpec, options: PlacementOptions): void {
    const opposite = book.oppositeOf(taker.side);
    // Levels are walked from the best; a level emptied by trading is removed, which does not move
    // the levels behind it, so the rank only advances past levels that still hold skipped orders.
    let rank = 0;
    while (taker.filled < taker.amount) {
      const level = opposite.levelFromBest(rank);
      if (!level || !this.crosses(taker.side, taker.price, level.price)) break;
      let resting = level.head;
      while (resting && taker.filled < taker.amount) {
        const next = resting.next;
        if (resting.accountId === options.skipAccountId) {
          resting = next;
          continue;
        }
        const makerAccount = this.accounts.get(resting.accountId)!;
        if (resting.accountId === account.id) {
          this.cancelResting(makerAccount, resting, 'self-trade prevention: canceled by a crossing order of the same account');
        } else {
          const remainingTaker = taker.amount - taker.filled;
          const remainingMaker = remainingOf(resting);
          this.execute(account, taker, makerAccount, resting, level.price, remainingTaker < remainingMaker ? remainingTaker : remainingMaker, spec, book, options);
        }
        resting = next;
      }
      if (opposite.levelFromBest(rank) === level) rank += 1;
    }
  }

  private execute(
    takerAccount: Account,
    taker: PaperOrder,
    makerAccount: Account,
    maker: PaperOrder,
    price: bigint,
    amount: bigint,
    spec: MarketSpec,
    book: OrderBook,
    options: PlacementOptions,
  ): void {
    const now = this.clock.now();
    const cost = mulUnits(price, amount);
    const tradeId = `${this.idPrefix}${++this.tradeSeq}`;
    book.oppositeOf(taker.side).reduce(maker, amount);
    this.settle(takerAccount, taker, spec, price, amount, cost, 'taker', tradeId, now);
    this.settle(makerAccount, maker, spec, price, amount, cost, 'maker', tradeId, now);
    if (maker.filled === maker.amount) {
      book.oppositeOf(taker.side).remove(maker);
      this.finish(makerAccount, maker, 'closed');
    }
    this.bookChanged(book);
    this.observer.orderUpdated(makerAccount, maker);
    if (options.publishTrades ?? true) {
      this.observer.publicTrade({ id: tradeId, symbol: spec.symbol, side: taker.side, price, amount, cost, timestamp: now });
    }
  }

  private settle(
    account: Account,
    order: PaperOrder,
    spec: MarketSpec,
    price: bigint,
    amount: bigint,
    cost: bigint,
    role: 'taker' | 'maker',
    tradeId: string,
    now: number,
  ): void {
    const rate = role === 'maker' ? spec.makerFee : spec.takerFee;
    let fee: bigint;
    if (order.side === 'buy') {
      // a limit buy reserved limit × amount; filling below the limit frees the difference
      const released = order.price !== undefined ? mulUnits(order.price, amount) : cost;
      account.spendLocked(spec.quote, released, cost);
      order.locked -= released;
      fee = mulUnitsCeil(amount, rate);
      account.credit(spec.base, amount - fee);
    } else {
      account.spendLocked(spec.base, amount, amount);
      order.locked -= amount;
      fee = mulUnitsCeil(cost, rate);
      account.credit(spec.quote, cost - fee);
    }
    order.filled += amount;
    order.cost += cost;
    order.fee += fee;
    order.lastTradeTimestamp = now;
    order.lastUpdateTimestamp = now;
    const fill: PaperFill = {
      id: tradeId,
      orderId: order.id,
      clientOrderId: order.clientOrderId,
      accountId: account.id,
      symbol: spec.symbol,
      side: order.side,
      orderType: order.type,
      takerOrMaker: role,
      price,
      amount,
      cost,
      fee,
      feeCurrency: order.feeCurrency,
      feeRate: rate,
      timestamp: now,
    };
    order.fills?.push(fill);
    account.recordFill(fill);
    this.observer.filled(account, fill);
  }

  private cancelResting(account: Account, order: PaperOrder, reason: string): void {
    const book = this.books.get(order.symbol)!;
    book.sideFor(order.side).remove(order);
    this.finish(account, order, 'canceled', reason);
    this.bookChanged(book);
    this.observer.orderUpdated(account, order);
  }

  private finish(account: Account, order: PaperOrder, status: 'closed' | 'canceled', reason?: string): void {
    const spec = this.specs.get(order.symbol)!;
    if (order.locked !== 0n) {
      account.unlock(order.side === 'buy' ? spec.quote : spec.base, order.locked);
      order.locked = 0n;
    }
    order.status = status;
    order.cancelReason = reason;
    order.lastUpdateTimestamp = this.clock.now();
    account.orderClosed(order);
  }

  private bookChanged(book: OrderBook): void {
    book.nonce += 1;
    book.lastChange = this.clock.now();
    this.observer.bookChanged(book.symbol);
  }
}

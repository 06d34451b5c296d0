import type { CurrencyInterface, Dictionary, MarketInterface, Order, OrderBook, Ticker, Trade, TradingFeeInterface, Balances } from 'ccxt';
import { ArgumentsRequired, BadRequest, InvalidOrder, OrderNotFound } from './ccxt-errors';
import { Account } from './accounts';
import { toCcxtBalances, toCcxtMarket, toCcxtOrder, toCcxtOrderBook, toCcxtTicker, toCcxtTrade, toCcxtTradingFee } from './ccxt-shapes';
import { DecimalInput, decimalsOf, formatUnits, parseUnits } from './fixed-point';
import { DecimalOrderBook, DecimalTicker } from './market-data';
import { MarketSpec, floorToLot, floorToTick, roundToTick } from './markets';
import { OrderKind, PaperFill, PaperOrder, Side, TimeInForce } from './orders';
import type { PaperVenue } from './venue';

/** ccxt's TICK_SIZE precision mode: market.precision holds the tick and lot sizes themselves. */
const TICK_SIZE = 4;

export interface PaperOrderParams {
  /** your id for the order; reusing one the account still remembers throws DuplicateOrderId */
  clientOrderId?: string;
  /** maker-only: rejected with OrderImmediatelyFillable if it would cross */
  postOnly?: boolean;
  timeInForce?: TimeInForce;
  [key: string]: unknown;
}

export interface PaperLookupParams {
  /** find the order by the clientOrderId given at creation instead of by id */
  clientOrderId?: string;
  [key: string]: unknown;
}

export type PaperAccountEvent = 'order' | 'trade';

/**
 * The ccxt-compatible face of one account on a PaperVenue (exchange id 'paper'): the unified
 * method names, arguments, return shapes and error classes of a ccxt exchange, so code written
 * for ccxt runs against the simulated venue unchanged. Amounts and prices may be passed as
 * numbers (as ccxt callers do) or decimal strings; returned structures carry numbers like ccxt,
 * with exact decimal strings in `info`.
 *
 * Events: on('order', (order: Order) => …) for every change of one of the account's orders,
 * on('trade', (trade: Trade) => …) for each of its fills.
 */
export class PaperExchange {
  readonly id = 'paper';
  readonly name = 'mmesh paper exchange';
  readonly version = '1';
  readonly countries: string[] = [];
  readonly precisionMode = TICK_SIZE;
  readonly rateLimit = 0;
  readonly has: Record<string, boolean | 'emulated' | undefined> = {
    CORS: undefined,
    spot: true,
    margin: false,
    swap: false,
    future: false,
    option: false,
    ws: true,
    loadMarkets: true,
    fetchMarkets: true,
    fetchCurrencies: true,
    fetchTicker: true,
    fetchTickers: true,
    fetchOrderBook: true,
    fetchBalance: true,
    fetchTime: true,
    fetchTradingFee: true,
    fetchTradingFees: true,
    createOrder: true,
    createLimitOrder: true,
    createMarketOrder: true,
    createPostOnlyOrder: true,
    createMarketBuyOrderWithCost: false,
    editOrder: false,
    cancelOrder: true,
    cancelAllOrders: true,
    cancelAllOrdersAfter: true,
    fetchOrder: true,
    fetchOrders: true,
    fetchOpenOrders: true,
    fetchClosedOrders: true,
    fetchCanceledOrders: true,
    fetchMyTrades: true,
    fetchOrderTrades: true,
    fetchTrades: false,
    fetchOHLCV: false,
    watchOrderBook: true,
    watchTicker: true,
    watchOrders: true,
    watchMyTrades: true,
    withdraw: false,
    deposit: false,
  };
  readonly markets: Dictionary<MarketInterface> = {};
  readonly marketsById: Dictionary<MarketInterface[]> = {};
  readonly symbols: string[];
  readonly currencies: Dictionary<CurrencyInterface> = {};
  readonly options: Record<string, unknown> = {};
  private readonly ownListeners: Array<[PaperAccountEvent, (...args: any[]) => void]> = [];
  private readonly watchers = new Set<() => void>();

  constructor(
    readonly venue: PaperVenue,
    private readonly account: Account,
  ) {
    const lotDecimals = new Map<string, bigint>();
    for (const spec of venue.engine.marketSpecs()) {
      const market = toCcxtMarket(spec);
      this.markets[spec.symbol] = market;
      this.marketsById[spec.id] = [market];
      for (const [code, step] of [
        [spec.base, spec.lot],
        [spec.quote, spec.tick],
      ] as const) {
        const known = lotDecimals.get(code);
        if (known === undefined || decimalsOf(step) > decimalsOf(known)) lotDecimals.set(code, step);
      }
    }
    this.symbols = Object.keys(this.markets).sort();
    for (const [code, step] of lotDecimals) {
      this.currencies[code] = {
        id: code,
        code,
        precision: Number(formatUnits(step)),
        active: true,
        deposit: true,
        withdraw: true,
        limits: { amount: { min: undefined, max: undefined }, withdraw: { min: undefined, max: undefined } },
        networks: {},
        info: { code },
      };
    }
  }

  /** The account (API key) this object trades for. */
  get accountId(): string {
    return this.account.id;
  }

  get apiKey(): string {
    return this.account.id;
  }

  // ---- markets --------------------------------------------------------------------------

  async loadMarkets(_reload = false): Promise<Dictionary<MarketInterface>> {
    return this.markets;
  }

  async fetchMarkets(): Promise<MarketInterface[]> {
    return this.symbols.map((symbol) => this.markets[symbol]);
  }

  async fetchCurrencies(): Promise<Dictionary<CurrencyInterface>> {
    return this.currencies;
  }

  market(symbol: string): MarketInterface {
    this.spec(symbol);
    return this.markets[symbol];
  }

  async fetchTime(): Promise<number> {
    return this.venue.now();
  }

  milliseconds(): number {
    return this.venue.now();
  }

  async fetchTradingFees(): Promise<Dictionary<TradingFeeInterface>> {
    const fees: Dictionary<TradingFeeInterface> = {};
    for (const spec of this.venue.engine.marketSpecs()) fees[spec.symbol] = toCcxtTradingFee(spec);
    return fees;
  }

  async fetchTradingFee(symbol: string): Promise<TradingFeeInterface> {
    return toCcxtTradingFee(this.spec(symbol));
  }

  // ---- precision ------------------------------------------------------------------------

  /** Truncates to the lot size, like ccxt; throws InvalidOrder when nothing is left. */
  amountToPrecision(symbol: string, amount: DecimalInput): string {
    const spec = this.spec(symbol);
    const result = floorToLot(spec, this.parse(amount, 'amount').units);
    if (result <= 0n) {
      throw new InvalidOrder(`paper amount of ${symbol} must be greater than minimum amount precision of ${formatUnits(spec.lot)}`);
    }
    return formatUnits(result);
  }

  /** Rounds to the nearest tick (halves up), like ccxt; throws InvalidOrder when the result is 0. */
  priceToPrecision(symbol: string, price: DecimalInput): string {
    const spec = this.spec(symbol);
    const result = roundToTick(spec, this.parse(price, 'price').units);
    if (result <= 0n) {
      throw new InvalidOrder(`paper price of ${symbol} must be greater than minimum price precision of ${formatUnits(spec.tick)}`);
    }
    return formatUnits(result);
  }

  costToPrecision(symbol: string, cost: DecimalInput): string {
    return formatUnits(floorToTick(this.spec(symbol), this.parse(cost, 'cost').units));
  }

  // ---- market data ----------------------------------------------------------------------

  async fetchTicker(symbol: string): Promise<Ticker> {
    return toCcxtTicker(this.venue.ticker(this.spec(symbol).symbol));
  }

  async fetchTickers(symbols?: string[]): Promise<Dictionary<Ticker>> {
    const result: Dictionary<Ticker> = {};
    for (const symbol of symbols ?? this.symbols) result[symbol] = await this.fetchTicker(symbol);
    return result;
  }

  async fetchOrderBook(symbol: string, limit?: number): Promise<OrderBook> {
    return toCcxtOrderBook(this.venue.orderBook(this.spec(symbol).symbol, limit ?? Infinity));
  }

  /** ccxt.pro style: resolves with the book after its next change. */
  async watchOrderBook(symbol: string, limit?: number): Promise<OrderBook> {
    this.spec(symbol);
    return this.nextVenueEvent<DecimalOrderBook, OrderBook>('orderbook', (book) =>
      book.symbol === symbol ? toCcxtOrderBook(this.venue.orderBook(symbol, limit ?? Infinity)) : undefined,
    );
  }

  /** ccxt.pro style: resolves with the ticker after its next change. */
  async watchTicker(symbol: string): Promise<Ticker> {
    this.spec(symbol);
    return this.nextVenueEvent<DecimalTicker, Ticker>('ticker', (ticker) => (ticker.symbol === symbol ? toCcxtTicker(ticker) : undefined));
  }

  // ---- account --------------------------------------------------------------------------

  async fetchBalance(): Promise<Balances> {
    return toCcxtBalances(this.account, this.venue.now());
  }

  async createOrder(
    symbol: string,
    type: OrderKind,
    side: Side,
    amount: DecimalInput,
    price?: DecimalInput,
    params: PaperOrderParams = {},
  ): Promise<Order> {
    const spec = this.spec(symbol);
    const amountUnits = this.parse(amount, 'amount');
    if (!amountUnits.exact) {
      throw new InvalidOrder(`paper amount ${amount} of ${symbol} is not a multiple of the lot size ${formatUnits(spec.lot)}`);
    }
    let priceUnits: bigint | undefined;
    if (type === 'limit') {
      if (price === undefined || price === null) throw new InvalidOrder(`paper limit order on ${symbol} needs a price`);
      const parsed = this.parse(price, 'price');
      if (!parsed.exact) throw new InvalidOrder(`paper price ${price} of ${symbol} is not a multiple of the tick size ${formatUnits(spec.tick)}`);
      priceUnits = parsed.units;
    }
    const timeInForce = this.timeInForceOf(params);
    const clientOrderId = params.clientOrderId;
    if (clientOrderId !== undefined && (typeof clientOrderId !== 'string' || clientOrderId === '')) {
      throw new InvalidOrder('paper clientOrderId must be a non-empty string');
    }
    const order = this.venue.operation(() =>
      this.venue.engine.placeOrder(this.account, { symbol, side, type, amount: amountUnits.units, price: priceUnits, timeInForce, clientOrderId }),
    );
    return toCcxtOrder(order);
  }

  createLimitOrder(symbol: string, side: Side, amount: DecimalInput, price: DecimalInput, params: PaperOrderParams = {}): Promise<Order> {
    return this.createOrder(symbol, 'limit', side, amount, price, params);
  }

  createMarketOrder(symbol: string, side: Side, amount: DecimalInput, price?: DecimalInput, params: PaperOrderParams = {}): Promise<Order> {
    return this.createOrder(symbol, 'market', side, amount, price, params);
  }

  createPostOnlyOrder(symbol: string, type: OrderKind, side: Side, amount: DecimalInput, price: DecimalInput, params: PaperOrderParams = {}): Promise<Order> {
    return this.createOrder(symbol, type, side, amount, price, { ...params, postOnly: true });
  }

  /**
   * Cancels an open order. An order that already filled throws OrderNotFound saying so (as
   * real venues answer); fetchOrder still returns it as closed.
   */
  async cancelOrder(id: string | undefined, symbol?: string, params: PaperLookupParams = {}): Promise<Order> {
    const order = this.lookup(id, symbol, params);
    this.venue.operation(() => this.venue.engine.cancelOrder(this.account, order.id));
    return toCcxtOrder(order);
  }

  async cancelAllOrders(symbol?: string): Promise<Order[]> {
    const canceled = this.venue.operation(() => this.venue.engine.cancelAll(this.account, symbol));
    return canceled.map(toCcxtOrder);
  }

  /**
   * ccxt's dead man's switch: every open order of this account is canceled `timeout` ms (of
   * the venue's time) from now unless called again first; a timeout of 0 disarms it.
   */
  async cancelAllOrdersAfter(timeout: number, _params: Record<string, unknown> = {}): Promise<{ timeout: number; triggerTime: number | null }> {
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout < 0) throw new BadRequest(`paper cancelAllOrdersAfter needs a timeout of 0 or more ms, got ${String(timeout)}`);
    const ms = Math.floor(timeout);
    return { timeout: ms, triggerTime: this.venue.deadMan.arm(this.account.id, ms, this.venue.now()) };
  }

  async fetchOrder(id: string | undefined, symbol?: string, params: PaperLookupParams = {}): Promise<Order> {
    return toCcxtOrder(this.lookup(id, symbol, params));
  }

  async fetchOrders(symbol?: string, since?: number, limit?: number): Promise<Order[]> {
    return this.orders(symbol, since, limit, () => true);
  }

  async fetchOpenOrders(symbol?: string, since?: number, limit?: number): Promise<Order[]> {
    if (symbol !== undefined) this.spec(symbol);
    const open = [...this.account.openOrders.values()].filter((order) => symbol === undefined || order.symbol === symbol);
    return sinceLimit(open, since, limit).map(toCcxtOrder);
  }

  async fetchClosedOrders(symbol?: string, since?: number, limit?: number): Promise<Order[]> {
    return this.orders(symbol, since, limit, (order) => order.status === 'closed');
  }

  async fetchCanceledOrders(symbol?: string, since?: number, limit?: number): Promise<Order[]> {
    return this.orders(symbol, since, limit, (order) => order.status === 'canceled');
  }

  /** The account's fills, oldest first: from `since` on (first `limit`), or the latest `limit`. */
  async fetchMyTrades(symbol?: string, since?: number, limit?: number): Promise<Trade[]> {
    if (symbol !== undefined) this.spec(symbol);
    const fills = this.account.fills.filter((fill) => symbol === undefined || fill.symbol === symbol);
    return sinceLimit(fills, since, limit).map(toCcxtTrade);
  }

  async fetchOrderTrades(id: string, symbol?: string): Promise<Trade[]> {
    return (this.lookup(id, symbol, {}).fills ?? []).map(toCcxtTrade);
  }

  /** ccxt.pro style: resolves with the account's order updates since the previous call (waits for one if none). */
  async watchOrders(symbol?: string): Promise<Order[]> {
    return this.watchAccount<Order>('order', symbol);
  }

  /** ccxt.pro style: resolves with the account's fills since the previous call (waits for one if none). */
  async watchMyTrades(symbol?: string): Promise<Trade[]> {
    return this.watchAccount<Trade>('trade', symbol);
  }

  // ---- events ---------------------------------------------------------------------------

  on(event: 'order', listener: (order: Order) => void): this;
  on(event: 'trade', listener: (trade: Trade) => void): this;
  on(event: PaperAccountEvent, listener: (...args: any[]) => void): this {
    this.checkEvent(event);
    this.account.events.on(event, listener);
    this.ownListeners.push([event, listener]);
    return this;
  }

  off(event: PaperAccountEvent, listener: (...args: any[]) => void): this {
    this.account.events.off(event, listener);
    const index = this.ownListeners.findIndex(([name, fn]) => name === event && fn === listener);
    if (index >= 0) this.ownListeners.splice(index, 1);
    return this;
  }

  /** Detaches this object's listeners and watchers (ccxt's close()). */
  async close(): Promise<void> {
    for (const [event, listener] of this.ownListeners.splice(0)) this.account.events.off(event, listener);
    for (const stop of [...this.watchers]) stop();
    this.watchBuffers.clear();
  }

  // ---- helpers --------------------------------------------------------------------------

  private spec(symbol: string): MarketSpec {
    if (typeof symbol !== 'string') throw new ArgumentsRequired(`paper needs a symbol string, got ${typeof symbol}`);
    return this.venue.engine.spec(symbol);
  }

  private parse(value: DecimalInput, what: string) {
    try {
      return parseUnits(value, what);
    } catch (error) {
      throw new InvalidOrder(`paper ${(error as Error).message}`);
    }
  }

  private timeInForceOf(params: PaperOrderParams): TimeInForce | undefined {
    const requested = typeof params.timeInForce === 'string' ? (params.timeInForce.toUpperCase() as TimeInForce) : params.timeInForce;
    if (params.postOnly === true) {
      if (requested !== undefined && requested !== 'PO' && requested !== 'GTC') {
        throw new InvalidOrder(`paper postOnly cannot be combined with timeInForce ${requested}`);
      }
      return 'PO';
    }
    return requested;
  }

  private lookup(id: string | undefined, symbol: string | undefined, params: PaperLookupParams): PaperOrder {
    if (symbol !== undefined) this.spec(symbol);
    let orderId = id;
    if (orderId === undefined && params.clientOrderId !== undefined) {
      orderId = this.account.orderIdByClientId.get(params.clientOrderId);
      if (orderId === undefined) throw new OrderNotFound(`paper order with clientOrderId "${params.clientOrderId}" not found`);
    }
    if (orderId === undefined) throw new ArgumentsRequired('paper needs an order id or params.clientOrderId');
    const order = this.venue.engine.findOrder(this.account, String(orderId));
    if (!order) throw new OrderNotFound(`paper order ${orderId} not found`);
    if (symbol !== undefined && order.symbol !== symbol) throw new OrderNotFound(`paper order ${orderId} is on ${order.symbol}, not ${symbol}`);
    return order;
  }

  private orders(symbol: string | undefined, since: number | undefined, limit: number | undefined, keep: (order: PaperOrder) => boolean): Order[] {
    if (symbol !== undefined) this.spec(symbol);
    const orders = [...this.account.orders.values()].filter((order) => (symbol === undefined || order.symbol === symbol) && keep(order));
    return sinceLimit(orders, since, limit).map(toCcxtOrder);
  }

  private checkEvent(event: string): void {
    if (event !== 'order' && event !== 'trade') throw new BadRequest(`paper exchange emits 'order' and 'trade', not '${event}'; market data events are on the venue`);
  }

  private nextVenueEvent<Payload, Result>(event: 'orderbook' | 'ticker', pick: (payload: Payload) => Result | undefined): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const listener = (payload: Payload): void => {
        const result = pick(payload);
        if (result === undefined) return;
        stop();
        resolve(result);
      };
      const stop = (): void => {
        this.venue.off(event, listener);
        this.watchers.delete(cancel);
      };
      const cancel = (): void => {
        stop();
        reject(new BadRequest(`paper watch${event === 'orderbook' ? 'OrderBook' : 'Ticker'} closed`));
      };
      this.watchers.add(cancel);
      this.venue.on(event, listener);
    });
  }

  private readonly watchBuffers = new Map<string, { items: unknown[]; waiter?: (items: unknown[]) => void }>();

  private watchAccount<T extends { symbol?: string }>(event: PaperAccountEvent, symbol: string | undefined): Promise<T[]> {
    if (symbol !== undefined) this.spec(symbol);
    const key = `${event}:${symbol ?? '*'}`;
    let buffer = this.watchBuffers.get(key);
    if (!buffer) {
      const created: { items: unknown[]; waiter?: (items: unknown[]) => void } = { items: [] };
      buffer = created;
      this.watchBuffers.set(key, created);
      this.on(event as 'order', (item: Order) => {
        if (symbol !== undefined && item.symbol !== symbol) return;
        created.items.push(item);
        if (created.waiter) {
          const waiter = created.waiter;
          created.waiter = undefined;
          waiter(created.items.splice(0));
        }
      });
    }
    if (buffer.items.length > 0) return Promise.resolve(buffer.items.splice(0) as T[]);
    const target = buffer;
    return new Promise<T[]>((resolve, reject) => {
      const cancel = (): void => {
        this.watchers.delete(cancel);
        target.waiter = undefined;
        reject(new BadRequest(`paper watch ${event} closed`));
      };
      this.watchers.add(cancel);
      target.waiter = (items) => {
        this.watchers.delete(cancel);
        resolve(items as T[]);
      };
    });
  }
}

/** ccxt-like paging: with `since`, the first `limit` items from then on; without, the latest `limit`. */
function sinceLimit<T extends PaperOrder | PaperFill>(items: T[], since: number | undefined, limit: number | undefined): T[] {
  let result = since === undefined ? items : items.filter((item) => item.timestamp >= since);
  if (limit !== undefined) result = since === undefined ? result.slice(-limit) : result.slice(0, limit);
  return result;
}

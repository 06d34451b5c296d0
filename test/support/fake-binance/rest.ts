/**
 * Binance spot REST routes: /api/v3 market data, the signed trading and account
 * endpoints, and the few /sapi/v1 endpoints ccxt calls for spot (trade fees, coin list,
 * margin pair lists, system status). Handlers throw BinanceError for Binance error answers.
 */
import { Errors } from "./errors";
import { checkApiKey, checkSigned, type RawRequest } from "./auth";
import { fmt, isOpen, type Account, type Engine, type Order } from "./engine";

export type Security = "NONE" | "API_KEY" | "SIGNED";

export interface RestRequest extends RawRequest {
  method: string;
  path: string;
}

interface Route {
  security: Security;
  handle(engine: Engine, req: RestRequest, account: Account | undefined): unknown;
}

const ORDER_TYPES = ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"];

function exchangeInfo(engine: Engine, req: RestRequest): unknown {
  let markets = engine.markets();
  const wanted = req.params.symbol ? [req.params.symbol] : req.params.symbols ? symbolList(req.params.symbols) : undefined;
  if (wanted) {
    for (const s of wanted) if (!engine.hasMarket(s)) throw Errors.invalidSymbol();
    const set = new Set(wanted.map((s) => s.toUpperCase()));
    markets = markets.filter((m) => set.has(m.symbol));
  }
  return {
    timezone: "UTC",
    serverTime: engine.now(),
    rateLimits: [
      { rateLimitType: "REQUEST_WEIGHT", interval: "MINUTE", intervalNum: 1, limit: 6000 },
      { rateLimitType: "ORDERS", interval: "SECOND", intervalNum: 10, limit: 100 },
      { rateLimitType: "ORDERS", interval: "DAY", intervalNum: 1, limit: 200000 },
      { rateLimitType: "RAW_REQUESTS", interval: "MINUTE", intervalNum: 5, limit: 61000 },
    ],
    exchangeFilters: [],
    symbols: markets.map((m) => ({
      symbol: m.symbol,
      status: m.status,
      baseAsset: m.base,
      baseAssetPrecision: 8,
      quoteAsset: m.quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      baseCommissionPrecision: 8,
      quoteCommissionPrecision: 8,
      orderTypes: ORDER_TYPES,
      icebergAllowed: true,
      ocoAllowed: true,
      otoAllowed: true,
      quoteOrderQtyMarketAllowed: true,
      allowTrailingStop: true,
      cancelReplaceAllowed: true,
      amendAllowed: true,
      isSpotTradingAllowed: true,
      isMarginTradingAllowed: false,
      filters: [
        { filterType: "PRICE_FILTER", minPrice: fmt(m.minPrice), maxPrice: fmt(m.maxPrice), tickSize: fmt(m.tickSize) },
        { filterType: "LOT_SIZE", minQty: fmt(m.minQty), maxQty: fmt(m.maxQty), stepSize: fmt(m.stepSize) },
        { filterType: "ICEBERG_PARTS", limit: 10 },
        { filterType: "MARKET_LOT_SIZE", minQty: fmt(0), maxQty: fmt(m.maxQty), stepSize: fmt(0) },
        {
          filterType: "NOTIONAL",
          minNotional: fmt(m.minNotional),
          applyMinToMarket: true,
          maxNotional: fmt(m.maxNotional),
          applyMaxToMarket: false,
          avgPriceMins: 5,
        },
        { filterType: "MAX_NUM_ORDERS", maxNumOrders: 200 },
      ],
      permissions: [],
      permissionSets: [["SPOT"]],
      defaultSelfTradePreventionMode: "EXPIRE_MAKER",
      allowedSelfTradePreventionModes: ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH", "DECREMENT"],
    })),
  };
}

/** The `symbols` parameter: a JSON array such as ["BTCUSDT","ETHUSDT"]. */
function symbolList(raw: string): string[] {
  try {
    const list = JSON.parse(raw) as unknown;
    if (Array.isArray(list) && list.every((s) => typeof s === "string")) return list as string[];
  } catch {
    /* answered below */
  }
  throw Errors.illegal("symbols");
}

function limitParam(req: RestRequest, def: number, max: number): number {
  const raw = req.params.limit;
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw Errors.illegal("limit");
  return Math.min(n, max);
}

/** GET /api/v3/order, /openOrders, /allOrders format. */
export function orderJson(o: Order): Record<string, unknown> {
  return {
    symbol: o.symbol,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: o.clientOrderId,
    price: fmt(o.price),
    origQty: fmt(o.origQty),
    executedQty: fmt(o.executedQty),
    cummulativeQuoteQty: fmt(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
    stopPrice: fmt(0),
    icebergQty: fmt(0),
    time: o.time,
    updateTime: o.updateTime,
    isWorking: o.type !== "MARKET",
    workingTime: o.workingTime,
    origQuoteOrderQty: fmt(o.origQuoteOrderQty),
    selfTradePreventionMode: "EXPIRE_MAKER",
  };
}

/** An order's price, quantities, status and kind, as the order and cancel answers give them. */
function orderState(o: Order): Record<string, unknown> {
  return {
    price: fmt(o.price),
    origQty: fmt(o.origQty),
    executedQty: fmt(o.executedQty),
    origQuoteOrderQty: fmt(o.origQuoteOrderQty),
    cummulativeQuoteQty: fmt(o.cummulativeQuoteQty),
    status: o.status,
    timeInForce: o.timeInForce,
    type: o.type,
    side: o.side,
  };
}

/** POST /api/v3/order answer for newOrderRespType ACK, RESULT or FULL. */
function newOrderJson(o: Order, respType: string): Record<string, unknown> {
  const ack = { symbol: o.symbol, orderId: o.orderId, orderListId: -1, clientOrderId: o.clientOrderId, transactTime: o.time };
  if (respType === "ACK") return ack;
  const result = { ...ack, ...orderState(o), workingTime: o.workingTime, selfTradePreventionMode: "EXPIRE_MAKER" };
  if (respType === "RESULT") return result;
  return {
    ...result,
    fills: o.fills.map((f) => ({
      price: fmt(f.price),
      qty: fmt(f.qty),
      commission: fmt(f.commission),
      commissionAsset: f.commissionAsset,
      tradeId: f.tradeId,
    })),
  };
}

function cancelJson(o: Order, newClientOrderId: string | undefined, now: number): Record<string, unknown> {
  return {
    symbol: o.symbol,
    origClientOrderId: o.clientOrderId,
    orderId: o.orderId,
    orderListId: -1,
    clientOrderId: newClientOrderId ?? `cancel_${o.orderId}`,
    transactTime: now,
    ...orderState(o),
    selfTradePreventionMode: "EXPIRE_MAKER",
  };
}

function timeRange(req: RestRequest): [number | undefined, number | undefined] {
  const start = req.params.startTime !== undefined ? Number(req.params.startTime) : undefined;
  const end = req.params.endTime !== undefined ? Number(req.params.endTime) : undefined;
  return [start, end];
}

function inTimeRange(t: number, start: number | undefined, end: number | undefined): boolean {
  return (start === undefined || t >= start) && (end === undefined || t <= end);
}

const DAY_MS = 86_400_000;

function optionalInteger(req: RestRequest, name: string): number | undefined {
  const raw = req.params[name];
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) throw Errors.illegal(name);
  return Number(raw);
}

/**
 * GET /api/v3/myTrades as Binance documents it (rest-api.md, "Account trade list"): the
 * supported combinations are symbol; symbol + orderId; symbol + startTime; symbol + endTime;
 * symbol + startTime + endTime; symbol + fromId; symbol + orderId + fromId. Anything else
 * answers -1128. Limit: default 500, at most 1000. startTime..endTime spans at most 24 h
 * (-1127). Results are in trade id order. Where the text is silent the fake takes the
 * stricter reading, so a client that copes here copes on Binance: startTime alone means
 * [startTime, startTime + 24 h] and endTime alone [endTime - 24 h, endTime]; a time range,
 * an orderId or a fromId returns the oldest `limit` trades that match, no condition the
 * most recent ones.
 */
function myTrades(e: Engine, r: RestRequest, account: Account): unknown {
  const sym = e.market(r.params.symbol).symbol;
  const orderId = optionalInteger(r, "orderId");
  const fromId = optionalInteger(r, "fromId");
  let start = optionalInteger(r, "startTime");
  let end = optionalInteger(r, "endTime");
  const timed = start !== undefined || end !== undefined;
  if (timed && (orderId !== undefined || fromId !== undefined)) throw Errors.badCombination();
  if (start !== undefined && end !== undefined && end - start > DAY_MS) throw Errors.lookupTooBig(24);
  if (start !== undefined && end === undefined) end = start + DAY_MS;
  if (end !== undefined && start === undefined) start = end - DAY_MS;
  const limit = limitParam(r, 500, 1000);
  const trades = e
    .accountTrades(account, sym)
    .filter((t) => (orderId === undefined || t.orderId === orderId) && (fromId === undefined || t.id >= fromId) && inTimeRange(t.time, start, end))
    .sort((x, y) => x.id - y.id);
  const oldestFirst = timed || orderId !== undefined || fromId !== undefined;
  return oldestFirst ? trades.slice(0, limit) : trades.slice(-limit);
}

function must(account: Account | undefined): Account {
  if (!account) throw Errors.invalidApiKey();
  return account;
}

const routes: Record<string, Route> = {
  "GET /api/v3/ping": { security: "NONE", handle: () => ({}) },
  "GET /api/v3/time": { security: "NONE", handle: (e) => ({ serverTime: e.now() }) },
  "GET /api/v3/exchangeInfo": { security: "NONE", handle: (e, r) => exchangeInfo(e, r) },
  "GET /api/v3/depth": {
    security: "NONE",
    handle: (e, r) => e.depth(e.market(r.params.symbol).symbol, limitParam(r, 100, 5000)),
  },
  "GET /api/v3/trades": {
    security: "NONE",
    handle: (e, r) => e.publicTrades(e.market(r.params.symbol).symbol, limitParam(r, 500, 1000)),
  },
  "GET /api/v3/aggTrades": {
    security: "NONE",
    handle: (e, r) => {
      const fromId = r.params.fromId !== undefined ? Number(r.params.fromId) : undefined;
      const trades = e
        .publicTrades(e.market(r.params.symbol).symbol, 1000)
        .filter((t) => (fromId === undefined || t.id >= fromId) && inTimeRange(t.time, ...timeRange(r)));
      const limit = limitParam(r, 500, 1000);
      return (fromId === undefined ? trades.slice(-limit) : trades.slice(0, limit)).map((t) => ({
        a: t.id,
        p: t.price,
        q: t.qty,
        f: t.id,
        l: t.id,
        T: t.time,
        m: t.isBuyerMaker,
        M: true,
      }));
    },
  },
  "GET /api/v3/ticker/bookTicker": {
    security: "NONE",
    handle: (e, r) => (r.params.symbol ? e.bookTicker(r.params.symbol) : e.markets().map((m) => e.bookTicker(m.symbol))),
  },
  "GET /api/v3/ticker/price": {
    security: "NONE",
    handle: (e, r) => {
      const one = (s: string) => ({ symbol: e.market(s).symbol, price: (e.ticker24h(s).lastPrice as string) });
      return r.params.symbol ? one(r.params.symbol) : e.markets().map((m) => one(m.symbol));
    },
  },
  "GET /api/v3/ticker/24hr": {
    security: "NONE",
    handle: (e, r) => {
      if (r.params.symbol) return e.ticker24h(r.params.symbol);
      if (r.params.symbols) return symbolList(r.params.symbols).map((s) => e.ticker24h(s));
      return e.markets().map((m) => e.ticker24h(m.symbol));
    },
  },
  "GET /api/v3/account": {
    security: "SIGNED",
    handle: (e, r, a) => {
      const acc = must(a);
      const omitZero = r.params.omitZeroBalances === "true";
      const balances = [...acc.balances.entries()]
        .map(([asset, b]) => ({ asset, free: fmt(b.free), locked: fmt(b.locked) }))
        .filter((b) => !omitZero || Number(b.free) !== 0 || Number(b.locked) !== 0);
      return {
        makerCommission: acc.makerFee.times(10000).toNumber(),
        takerCommission: acc.takerFee.times(10000).toNumber(),
        buyerCommission: 0,
        sellerCommission: 0,
        commissionRates: { maker: fmt(acc.makerFee), taker: fmt(acc.takerFee), buyer: fmt(0), seller: fmt(0) },
        canTrade: acc.canTrade,
        canWithdraw: true,
        canDeposit: true,
        brokered: false,
        requireSelfTradePrevention: false,
        preventSor: false,
        updateTime: e.now(),
        accountType: "SPOT",
        balances,
        permissions: ["SPOT"],
        uid: 1000 + e.allAccounts().indexOf(acc),
      };
    },
  },
  "POST /api/v3/order": {
    security: "SIGNED",
    handle: (e, r, a) => {
      const o = e.placeOrder(must(a), r.params);
      const def = o.type === "LIMIT" || o.type === "MARKET" ? "FULL" : "ACK";
      return newOrderJson(o, r.params.newOrderRespType ?? def);
    },
  },
  "POST /api/v3/order/test": {
    security: "SIGNED",
    handle: () => ({}),
  },
  "GET /api/v3/order": {
    security: "SIGNED",
    handle: (e, r, a) => {
      const o = e.lookupOrder(must(a), r.params.symbol, r.params.orderId, r.params.origClientOrderId);
      if (!o) throw Errors.orderDoesNotExist();
      return orderJson(o);
    },
  },
  "DELETE /api/v3/order": {
    security: "SIGNED",
    handle: (e, r, a) => {
      const o = e.lookupOrder(must(a), r.params.symbol, r.params.orderId, r.params.origClientOrderId);
      if (!o || !isOpen(o)) throw Errors.unknownOrder();
      e.cancelOrder(o);
      return cancelJson(o, r.params.newClientOrderId, e.now());
    },
  },
  "DELETE /api/v3/openOrders": {
    security: "SIGNED",
    handle: (e, r, a) => e.cancelAll(must(a), r.params.symbol).map((o) => cancelJson(o, undefined, e.now())),
  },
  "GET /api/v3/openOrders": {
    security: "SIGNED",
    handle: (e, r, a) => {
      const sym = r.params.symbol !== undefined ? e.market(r.params.symbol).symbol : undefined;
      return [...must(a).orders.values()].filter((o) => isOpen(o) && (sym === undefined || o.symbol === sym)).map(orderJson);
    },
  },
  "GET /api/v3/allOrders": {
    security: "SIGNED",
    handle: (e, r, a) => {
      const sym = e.market(r.params.symbol).symbol;
      const fromId = r.params.orderId !== undefined ? Number(r.params.orderId) : undefined;
      const orders = [...must(a).orders.values()]
        .filter((o) => o.symbol === sym && (fromId === undefined || o.orderId >= fromId) && inTimeRange(o.time, ...timeRange(r)))
        .sort((x, y) => x.orderId - y.orderId);
      const limit = limitParam(r, 500, 1000);
      return (fromId === undefined ? orders.slice(-limit) : orders.slice(0, limit)).map(orderJson);
    },
  },
  "GET /api/v3/myTrades": {
    security: "SIGNED",
    handle: (e, r, a) => myTrades(e, r, must(a)),
  },
  "GET /sapi/v1/asset/tradeFee": {
    security: "SIGNED",
    handle: (e, r, a) => {
      const acc = must(a);
      const markets = r.params.symbol ? [e.market(r.params.symbol)] : e.markets();
      return markets.map((m) => ({
        symbol: m.symbol,
        makerCommission: acc.makerFee.toFixed(),
        takerCommission: acc.takerFee.toFixed(),
      }));
    },
  },
  "GET /sapi/v1/capital/config/getall": {
    security: "SIGNED",
    handle: (e, _r, a) => {
      const acc = must(a);
      const assets = new Set<string>();
      for (const m of e.markets()) assets.add(m.base).add(m.quote);
      return [...assets].sort().map((coin) => {
        const b = acc.balances.get(coin);
        return {
          coin,
          name: coin,
          free: fmt(b?.free ?? 0),
          locked: fmt(b?.locked ?? 0),
          freeze: fmt(0),
          withdrawing: fmt(0),
          ipoing: fmt(0),
          ipoable: fmt(0),
          storage: fmt(0),
          isLegalMoney: false,
          trading: true,
          depositAllEnable: true,
          withdrawAllEnable: true,
          networkList: [],
        };
      });
    },
  },
  "GET /sapi/v1/margin/allPairs": { security: "API_KEY", handle: () => [] },
  "GET /sapi/v1/margin/isolated/allPairs": { security: "SIGNED", handle: () => [] },
  "GET /sapi/v1/system/status": { security: "NONE", handle: () => ({ status: 0, msg: "normal" }) },
};

export interface RouteResult {
  status: number;
  body: unknown;
}

/** undefined when no route matches (the server answers 404). */
export function findRoute(method: string, path: string): Route | undefined {
  return routes[`${method} ${path}`];
}

export function handleRest(engine: Engine, route: Route, req: RestRequest): RouteResult {
  let account: Account | undefined;
  if (route.security === "SIGNED") account = checkSigned(engine, req);
  else if (route.security === "API_KEY") account = checkApiKey(engine, req);
  return { status: 200, body: route.handle(engine, req, account) };
}

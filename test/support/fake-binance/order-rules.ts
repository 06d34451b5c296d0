/**
 * POST /api/v3/order parameter rules: mandatory and forbidden parameters per order type,
 * then the symbol filters (PRICE_FILTER, LOT_SIZE, NOTIONAL), answering Binance's errors.
 */
import Decimal from "decimal.js";
import { BinanceError, Errors } from "./errors";
import { ZERO, dec, isMultiple, type Account, type Market, type NewOrderParams } from "./model";
import type { OrderType, Side, TimeInForce } from "./types";

export interface ParsedOrder {
  side: Side;
  type: OrderType;
  timeInForce: TimeInForce;
  /** 0 for MARKET. */
  price: Decimal;
  /** 0 for a MARKET order by quoteOrderQty. */
  qty: Decimal;
  /** > 0 only for a MARKET order by quote amount. */
  quoteOrderQty: Decimal;
}

/**
 * Validates a new order. `marketPrice(side)` is the best opposite price (0 when that side is
 * empty), used for the NOTIONAL filter of MARKET orders.
 */
export function parseOrder(m: Market, account: Account, p: NewOrderParams, marketPrice: (side: Side) => Decimal): ParsedOrder {
  if (!p.side) throw Errors.mandatory("side");
  if (p.side !== "BUY" && p.side !== "SELL") throw Errors.invalidSide();
  const side = p.side as Side;
  if (!p.type) throw Errors.mandatory("type");
  if (["STOP_LOSS", "STOP_LOSS_LIMIT", "TAKE_PROFIT", "TAKE_PROFIT_LIMIT"].includes(p.type)) throw Errors.unsupportedCombination();
  if (p.type !== "LIMIT" && p.type !== "MARKET" && p.type !== "LIMIT_MAKER") throw Errors.invalidOrderType();
  const type = p.type as OrderType;
  if (m.status !== "TRADING") throw Errors.marketClosed();
  if (!account.canTrade) throw Errors.cannotTrade();

  let timeInForce: TimeInForce = "GTC";
  let price = ZERO;
  let qty = ZERO;
  let quoteOrderQty = ZERO;
  if (type === "LIMIT") {
    if (!p.timeInForce) throw Errors.mandatory("timeInForce");
    if (p.timeInForce !== "GTC" && p.timeInForce !== "IOC" && p.timeInForce !== "FOK") throw Errors.invalidTif();
    timeInForce = p.timeInForce;
    qty = dec(p.quantity, "quantity");
    price = dec(p.price, "price");
  } else if (type === "LIMIT_MAKER") {
    if (p.timeInForce) throw Errors.notRequired("timeInForce");
    qty = dec(p.quantity, "quantity");
    price = dec(p.price, "price");
  } else {
    if (p.timeInForce) throw Errors.notRequired("timeInForce");
    if (p.price) throw Errors.notRequired("price");
    const hasQty = p.quantity !== undefined && p.quantity !== "";
    const hasQuote = p.quoteOrderQty !== undefined && p.quoteOrderQty !== "";
    if (hasQty === hasQuote) {
      throw new BinanceError(400, -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!");
    }
    if (hasQty) qty = dec(p.quantity, "quantity");
    else quoteOrderQty = dec(p.quoteOrderQty, "quoteOrderQty");
  }

  // filters
  if (type !== "MARKET") {
    if (price.lte(0) || price.lt(m.minPrice) || price.gt(m.maxPrice) || !isMultiple(price, m.minPrice, m.tickSize)) {
      throw Errors.filter("PRICE_FILTER");
    }
  }
  if (!quoteOrderQty.gt(0)) {
    if (qty.lt(m.minQty) || qty.gt(m.maxQty) || !isMultiple(qty, m.minQty, m.stepSize)) throw Errors.filter("LOT_SIZE");
  }
  const refPrice = type === "MARKET" ? marketPrice(side) : price;
  const notional = quoteOrderQty.gt(0) ? quoteOrderQty : refPrice.times(qty);
  if (refPrice.gt(0) || quoteOrderQty.gt(0)) {
    if (notional.lt(m.minNotional) || (type !== "MARKET" && notional.gt(m.maxNotional))) throw Errors.filter("NOTIONAL");
  }

  return { side, type, timeInForce, price, qty, quoteOrderQty };
}

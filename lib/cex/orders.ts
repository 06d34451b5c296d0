/** Pure order bookkeeping: param rounding, monotonic state merges, reconciliation diffs. */
import { Errors } from "moleculer";
import type { ExchangeClient } from "./client";
import type { OrderStatus, WireOrder } from "./convert";
import { compareDecimal, isPositiveDecimal, mulDecimal, toDecimalString } from "./decimal";

export const CLIENT_ORDER_ID_PATTERN = /^[A-Za-z0-9_-]{1,36}$/;
export const TERMINAL_STATUSES: OrderStatus[] = ["closed", "canceled", "expired", "rejected"];

function invalidField(field: string, message: string) {
  return new Errors.ValidationError(message, "VALIDATION_ERROR", [{ field, message, type: "decimal" }]);
}

/** The exchange's rounding; a refusal (e.g. below the minimum amount) becomes an error naming the field. */
function rounded(field: string, round: () => string): string {
  try {
    return round();
  } catch (err) {
    throw invalidField(field, `The '${field}' field: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface OrderRequest {
  symbol: string;
  side: "buy" | "sell";
  type: "limit" | "market";
  amount: string;
  price?: string;
}

/** Rounds amount and price to the market's precision; refuses values that round to nothing. */
export function prepareOrder(client: ExchangeClient, req: OrderRequest): { amount: string; price?: string } {
  if (!isPositiveDecimal(req.amount)) throw invalidField("amount", `The 'amount' field must be a positive decimal string, got "${req.amount}"`);
  if (req.type === "limit" && req.price === undefined) throw invalidField("price", "The 'price' field is required for a limit order");
  if (req.price !== undefined && !isPositiveDecimal(req.price)) throw invalidField("price", `The 'price' field must be a positive decimal string, got "${req.price}"`);
  client.market(req.symbol); // BadSymbol for an unknown symbol, before anything is rounded
  const amount = rounded("amount", () => client.amountToPrecision(req.symbol, req.amount));
  if (!isPositiveDecimal(amount)) throw invalidField("amount", `The 'amount' field ${req.amount} rounds to ${amount} at ${req.symbol}'s precision`);
  const price = req.type === "limit" && req.price !== undefined ? rounded("price", () => client.priceToPrecision(req.symbol, req.price!)) : undefined;
  if (price !== undefined && !isPositiveDecimal(price)) throw invalidField("price", `The 'price' field ${req.price} rounds to ${price} at ${req.symbol}'s precision`);
  checkMarketLimits(client, req.symbol, amount, price);
  return { amount, price };
}

/**
 * The market's minimum amount (limits.amount.min) and minimum notional (limits.cost.min,
 * amount × price; checked when the price is known, i.e. for limit orders), before anything is
 * sent: the exchange would refuse the order anyway, with a message of its own.
 */
function checkMarketLimits(client: ExchangeClient, symbol: string, amount: string, price: string | undefined): void {
  const limits = client.market(symbol).limits;
  const minAmount = toDecimalString(limits?.amount?.min);
  if (minAmount !== null && compareDecimal(amount, minAmount) < 0) {
    throw limitError("amount", "minAmount", `The 'amount' field ${amount} is below ${symbol}'s minimum amount ${minAmount} (limits.amount.min)`);
  }
  const minCost = toDecimalString(limits?.cost?.min);
  if (minCost !== null && price !== undefined) {
    const notional = mulDecimal(amount, price);
    if (compareDecimal(notional, minCost) < 0) {
      throw limitError("amount", "minNotional", `The order's notional ${notional} (amount ${amount} × price ${price}) is below ${symbol}'s minimum notional ${minCost} (limits.cost.min)`);
    }
  }
}

function limitError(field: string, type: string, message: string) {
  return new Errors.ValidationError(message, "VALIDATION_ERROR", [{ field, message, type }]);
}

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/**
 * Merges an exchange report into the stored order without going back in time: a
 * terminal status is never replaced by a live one and `filled` never shrinks.
 */
export function mergeOrder(stored: WireOrder, incoming: WireOrder): WireOrder {
  const storedFilled = stored.filled ?? "0";
  if (isTerminal(stored.status) && !isTerminal(incoming.status)) return stored;
  if (compareDecimal(incoming.filled, storedFilled) < 0) return { ...incoming, filled: storedFilled, remaining: stored.remaining, status: isTerminal(incoming.status) ? incoming.status : stored.status };
  return {
    ...stored,
    ...incoming,
    clientOrderId: incoming.clientOrderId ?? stored.clientOrderId,
    id: incoming.id ?? stored.id,
    // What one report leaves out (a cancel answer has no average, a fetch no postOnly) is not unsaid.
    postOnly: incoming.postOnly ?? stored.postOnly ?? null,
    average: incoming.average ?? stored.average ?? null,
    cost: incoming.cost ?? stored.cost ?? null,
  };
}

export interface ReconcileDiff {
  /** Stored as open, no longer open on the exchange: resolve with fetchOrder. */
  vanished: WireOrder[];
  /** Open on the exchange, unknown to the table. */
  orphans: WireOrder[];
}

export function diffOpenOrders(stored: WireOrder[], exchangeOpen: WireOrder[]): ReconcileDiff {
  const openIds = new Set(exchangeOpen.map((o) => o.id));
  const openClientIds = new Set(exchangeOpen.map((o) => o.clientOrderId).filter(Boolean));
  const knownIds = new Set(stored.map((o) => o.id).filter(Boolean));
  const knownClientIds = new Set(stored.map((o) => o.clientOrderId).filter(Boolean));
  return {
    vanished: stored.filter((o) => !isTerminal(o.status) && o.status !== "pending" && !openIds.has(o.id) && !(o.clientOrderId && openClientIds.has(o.clientOrderId))),
    orphans: exchangeOpen.filter((o) => !knownIds.has(o.id) && !(o.clientOrderId && knownClientIds.has(o.clientOrderId))),
  };
}

/** Same request as the stored one (a retry), or a different order reusing the id. */
export function sameRequest(stored: Pick<WireOrder, "symbol" | "side" | "type">, req: Pick<OrderRequest, "symbol" | "side" | "type">): boolean {
  return stored.symbol === req.symbol && stored.side === req.side && stored.type === req.type;
}

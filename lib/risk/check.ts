/**
 * Pre-trade risk check. Precedence: kill-switch halts, then feed blocks, then per-order rules
 * in the order notional, price band, self-trade, inventory, open-order count. Every rule sees
 * the orders allowed earlier in the same batch as if they were already resting.
 */
import { Decimal } from "../decimal";
import type { ProposedOrder, RiskDecision, RiskLimits, RiskRejection, RiskState } from "./types";

const dec = (v: string | number) => new Decimal(v);

function haltOf(state: RiskState, limits: RiskLimits): RiskDecision["halt"] {
  if (limits.dailyLossLimit !== undefined) {
    const pnl = dec(state.dailyPnl);
    const limit = dec(limits.dailyLossLimit);
    if (pnl.isNegative() && !pnl.isZero() && pnl.lte(limit.neg())) {
      return { reason: "daily_loss", detail: `daily PnL ${pnl.toString()} reached the loss limit -${limit.toString()}` };
    }
  }
  if (limits.maxDrawdownPct !== undefined) {
    const peak = dec(state.peakEquity);
    const equity = dec(state.equity);
    if (peak.gt(0) && equity.lt(peak)) {
      const drawdown = peak.minus(equity).div(peak);
      if (drawdown.gte(limits.maxDrawdownPct)) {
        return { reason: "drawdown", detail: `drawdown ${drawdown.toString()} of peak equity ${peak.toString()} reached ${limits.maxDrawdownPct}` };
      }
    }
  }
  return undefined;
}

function blockOf(state: RiskState, limits: RiskLimits): RiskDecision["blocked"] {
  if (state.priceReceivedAt === null) return { reason: "no_price", detail: "no price received yet" };
  const age = state.now - state.priceReceivedAt;
  if (age > limits.staleFeedMs) return { reason: "stale_feed", detail: `latest price is ${age} ms old, limit ${limits.staleFeedMs} ms` };
  return undefined;
}

export function checkOrders(proposed: ProposedOrder[], state: RiskState, limits: RiskLimits): RiskDecision {
  const halt = haltOf(state, limits);
  if (halt) return { allowed: [], rejected: [], halt };
  const blocked = blockOf(state, limits);
  if (blocked) return { allowed: [], rejected: [], blocked };

  const allowed: ProposedOrder[] = [];
  const rejected: RiskDecision["rejected"] = [];
  const mid = dec(state.mid);
  const base = dec(state.inventory.base);
  const quote = dec(state.inventory.quote);
  const resting = () => [...state.openOrders, ...allowed];
  const sum = (orders: ProposedOrder[], f: (o: ProposedOrder) => Decimal) => orders.reduce((acc, o) => acc.plus(f(o)), new Decimal(0));

  const rule = (order: ProposedOrder): [RiskRejection, string] | null => {
    const price = dec(order.price);
    const amount = dec(order.amount);
    const notional = price.times(amount);
    if (limits.maxOrderNotional !== undefined && notional.gt(limits.maxOrderNotional)) {
      return ["max_order_notional", `notional ${notional.toString()} exceeds ${limits.maxOrderNotional}`];
    }
    if (limits.priceBandPct !== undefined) {
      const off = mid.lte(0) ? new Decimal(Infinity) : price.minus(mid).abs().div(mid);
      if (off.gt(limits.priceBandPct)) return ["price_band", `price ${price.toString()} is ${off.toString()} from mid ${mid.toString()}, band ${limits.priceBandPct}`];
    }
    const others = resting();
    if (order.side === "buy") {
      const crossing = others.find((o) => o.side === "sell" && price.gte(o.price));
      if (crossing) return ["self_trade", `buy at ${price.toString()} would meet our sell at ${crossing.price}`];
      if (limits.maxBaseInventory !== undefined) {
        const after = base.plus(sum(others.filter((o) => o.side === "buy"), (o) => dec(o.amount))).plus(amount);
        if (after.gt(limits.maxBaseInventory)) return ["max_base_inventory", `base would reach ${after.toString()}, limit ${limits.maxBaseInventory}`];
      }
    } else {
      const crossing = others.find((o) => o.side === "buy" && price.lte(o.price));
      if (crossing) return ["self_trade", `sell at ${price.toString()} would meet our buy at ${crossing.price}`];
      if (limits.maxQuoteInventory !== undefined) {
        const proceeds = sum(others.filter((o) => o.side === "sell"), (o) => dec(o.price).times(o.amount));
        const after = quote.plus(proceeds).plus(notional);
        if (after.gt(limits.maxQuoteInventory)) return ["max_quote_inventory", `quote would reach ${after.toString()}, limit ${limits.maxQuoteInventory}`];
      }
    }
    if (limits.maxOpenOrders !== undefined && others.length >= limits.maxOpenOrders) {
      return ["max_open_orders", `${others.length} orders open or allowed, limit ${limits.maxOpenOrders}`];
    }
    return null;
  };

  for (const order of proposed) {
    const r = rule(order);
    if (r) rejected.push({ order, reason: r[0], detail: r[1] });
    else allowed.push(order);
  }
  return { allowed, rejected };
}

/** RiskLimits from a validated `risk` config document body (lib/config/kinds.ts). */
export function riskLimitsFromConfig(body: Record<string, unknown>): RiskLimits {
  const limits: RiskLimits = { staleFeedMs: typeof body.staleFeedMs === "number" ? body.staleFeedMs : 5000 };
  for (const key of ["maxBaseInventory", "maxQuoteInventory", "maxOrderNotional", "dailyLossLimit"] as const) {
    if (typeof body[key] === "string") limits[key] = body[key] as string;
  }
  for (const key of ["maxOpenOrders", "maxDrawdownPct", "priceBandPct"] as const) {
    if (typeof body[key] === "number") limits[key] = body[key] as number;
  }
  return limits;
}

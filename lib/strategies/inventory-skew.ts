/**
 * Hummingbot's inventory skew (pure_market_making/inventory_skew_calculator.pyx): order amounts
 * are scaled by ratios in [0, 2] that move linearly with the base asset's share of the
 * portfolio value inside a band around the target of ± `rangeBase` base units, capped (as
 * Hummingbot) at half the portfolio's value: range value = min(rangeBase × price, 0.5 × total).
 */
export interface SkewRatios {
  bidRatio: number;
  askRatio: number;
}

/** Linear interpolation of x between (x0, y0) and (x1, y1), clamped to the ends like np.interp. */
function interp(x: number, x0: number, x1: number, y0: number, y1: number): number {
  if (x1 <= x0) return x <= x0 ? y0 : y1;
  if (x <= x0) return y0;
  if (x >= x1) return y1;
  return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
}

export function inventorySkewRatios(base: number, quote: number, price: number, targetBasePct: number, rangeBase: number): SkewRatios {
  const total = base * price + quote;
  if (total <= 0 || rangeBase <= 0) return { bidRatio: 0, askRatio: 0 };
  const baseValue = base * price;
  const target = total * targetBasePct;
  const rangeValue = Math.min(rangeBase * price, 0.5 * total);
  const left = Math.max(target - rangeValue, 0);
  const right = target + rangeValue;
  const bidRatio =
    baseValue < target
      ? interp(interp(baseValue, left, target, 0, 0.5), 0, 0.5, 2, 1)
      : interp(interp(baseValue, target, right, 0.5, 1), 0.5, 1, 1, 0);
  return { bidRatio, askRatio: 2 - bidRatio };
}

/** Hummingbot calculate_total_order_size: both sides of every level. */
export function totalOrderSize(orderAmount: number, levelAmount: number, levels: number): number {
  return 2 * (levels * orderAmount + ((levels * (levels - 1)) / 2) * levelAmount);
}

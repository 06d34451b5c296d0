/** Exact bigint helpers for seeding Uniswap V3 pools. */
export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
export const TICK_SPACING: Record<number, number> = { 100: 1, 500: 10, 3000: 60, 10000: 200 };

export function sqrtBigInt(n: bigint): bigint {
  if (n < 0n) throw new RangeError("square root of a negative number");
  if (n < 2n) return n;
  // Start above the root (the float estimate has only 53 bits): Newton then descends to the floor.
  let x = BigInt(Math.ceil(Math.sqrt(Number(n)) * (1 + 1e-9))) + 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) break;
    x = y;
  }
  while (x * x > n) x -= 1n;
  while ((x + 1n) * (x + 1n) <= n) x += 1n;
  return x;
}

/** sqrt(amount1 / amount0) in Q64.96, from raw (base-unit) amounts of token1 and token0. */
export function encodeSqrtPriceX96(amount1: bigint, amount0: bigint): bigint {
  if (amount0 <= 0n || amount1 <= 0n) throw new RangeError("amounts must be positive");
  return sqrtBigInt((amount1 << 192n) / amount0);
}

/** The widest tick range a pool of this fee tier accepts. */
export function fullRangeTicks(fee: number): { tickLower: number; tickUpper: number } {
  const spacing = TICK_SPACING[fee];
  if (!spacing) throw new RangeError(`unknown fee tier ${fee}`);
  return { tickLower: Math.ceil(MIN_TICK / spacing) * spacing, tickUpper: Math.floor(MAX_TICK / spacing) * spacing };
}

/**
 * Which markets of the config `markets` documents can be arbitraged against each other. A CEX
 * market and a DEX pool rarely name their assets alike (ETH/USDT on an exchange, WETH/USDC in a
 * pool), so symbols are compared after mapping each asset through `aliases`: by default WETH → ETH,
 * WBTC → BTC and the dollar stablecoins USDT, USDC, DAI → USD. Treating those stablecoins as equal
 * (1:1) is an assumption the operator accepts by keeping the default; profits are booked in the
 * quote currency of each leg at par.
 */
export interface ArbMarket {
  /** the config document's name */
  name: string;
  kind: "cex" | "dex";
  /** CEX: the exchange id ("paper", "binance"); DEX: a label such as "uniswap-v2" */
  venue: string;
  symbol: string;
  pool?: string;
  protocol?: "uniswap-v2" | "uniswap-v3";
  keyId?: string;
  enabled?: boolean;
}

export const DEFAULT_ASSET_ALIASES: Readonly<Record<string, string>> = { WETH: "ETH", WBTC: "BTC", USDT: "USD", USDC: "USD", DAI: "USD" };

export function canonicalAsset(asset: string, aliases: Readonly<Record<string, string>> = DEFAULT_ASSET_ALIASES): string {
  const upper = asset.toUpperCase();
  return aliases[upper] ?? upper;
}

/** "WETH/USDC" → "ETH/USD" with the default aliases. */
export function canonicalSymbol(symbol: string, aliases: Readonly<Record<string, string>> = DEFAULT_ASSET_ALIASES): string {
  const [base, quote = ""] = symbol.split(":")[0].split("/");
  return `${canonicalAsset(base, aliases)}/${canonicalAsset(quote, aliases)}`;
}

/** A market's identity within a venue: the symbol on a CEX, the pool address on a DEX. */
export function marketId(m: ArbMarket): string {
  return m.kind === "dex" ? `${m.venue}:${(m.pool ?? "").toLowerCase()}` : `${m.venue}:${m.symbol}`;
}

/**
 * Pairs of enabled markets trading the same canonical symbol on different venues (or pools),
 * with at least one CEX side: CEX↔CEX and CEX↔DEX. DEX↔DEX is left to on-chain routers.
 */
export function arbitragePairs(markets: readonly ArbMarket[], aliases: Readonly<Record<string, string>> = DEFAULT_ASSET_ALIASES): Array<[ArbMarket, ArbMarket]> {
  const usable = markets.filter((m) => m.enabled !== false && (m.kind === "cex" || !!m.pool));
  const pairs: Array<[ArbMarket, ArbMarket]> = [];
  for (let i = 0; i < usable.length; i += 1) {
    for (let j = i + 1; j < usable.length; j += 1) {
      const [a, b] = [usable[i], usable[j]];
      if (a.kind === "dex" && b.kind === "dex") continue;
      if (marketId(a) === marketId(b)) continue;
      if (a.kind === "cex" && b.kind === "cex" && a.venue === b.venue) continue;
      if (canonicalSymbol(a.symbol, aliases) !== canonicalSymbol(b.symbol, aliases)) continue;
      // the CEX side first, so a pair reads "cex ↔ other"
      pairs.push(a.kind === "cex" ? [a, b] : [b, a]);
    }
  }
  return pairs;
}

export function pairKey(a: ArbMarket, b: ArbMarket): string {
  return [marketId(a), marketId(b)].sort().join("|");
}

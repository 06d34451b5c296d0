/** Which markets the price feed watches, from the config service's `markets` documents. */
export interface FeedMarket {
  exchange: string;
  symbol: string;
}

export const PAPER_VENUE = 'paper';

/** Watched when no enabled CEX market is configured (the embedded default). */
export const DEFAULT_FEED_MARKETS: readonly FeedMarket[] = [
  { exchange: PAPER_VENUE, symbol: 'BTC/USDT' },
  { exchange: PAPER_VENUE, symbol: 'ETH/USDT' },
];

interface MarketsDocument {
  deleted?: boolean;
  body?: { venue?: unknown; kind?: unknown; symbol?: unknown; enabled?: unknown } | null;
}

/** Enabled CEX markets of the documents, deduplicated, in a stable order. */
export function feedMarketsFromConfig(documents: readonly MarketsDocument[]): FeedMarket[] {
  const seen = new Map<string, FeedMarket>();
  for (const doc of documents) {
    const body = doc?.body;
    if (!body || doc.deleted) continue;
    if (body.kind !== 'cex' || body.enabled === false) continue;
    if (typeof body.venue !== 'string' || typeof body.symbol !== 'string' || !body.venue || !body.symbol) continue;
    seen.set(`${body.venue}|${body.symbol}`, { exchange: body.venue, symbol: body.symbol });
  }
  return [...seen.values()].sort((a, b) => (a.exchange === b.exchange ? a.symbol.localeCompare(b.symbol) : a.exchange.localeCompare(b.exchange)));
}

/** The configured markets, or the defaults when there are none. */
export function feedMarkets(documents: readonly MarketsDocument[], defaults: readonly FeedMarket[] = DEFAULT_FEED_MARKETS): FeedMarket[] {
  const configured = feedMarketsFromConfig(documents);
  return configured.length > 0 ? configured : defaults.map((m) => ({ ...m }));
}

/** Markets to start and to stop to go from `current` to `desired`. */
export function diffMarkets(current: readonly FeedMarket[], desired: readonly FeedMarket[]): { add: FeedMarket[]; remove: FeedMarket[] } {
  const key = (m: FeedMarket) => `${m.exchange}|${m.symbol}`;
  const have = new Set(current.map(key));
  const want = new Set(desired.map(key));
  return { add: desired.filter((m) => !have.has(key(m))), remove: current.filter((m) => !want.has(key(m))) };
}

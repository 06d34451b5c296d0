import { PaperMarketDefinition, PaperVenue, PaperVenueConfig } from './venue';

/**
 * Markets of the embedded default: Binance-like spot grids, each with a simulated market around it.
 * Fees are a market maker's, not a retail account's: maker 0.01 %, taker 0.02 %, about Binance spot's
 * top volume tier (VIP 9 lists 0.012 % / 0.024 %, 0.009 % / 0.018 % paying in BNB), the tier a market
 * maker trades at. At the retail 0.1 % no quote within ±10 bp of the mid earns its fee back, while
 * these simulated books are 2–3 bp wide. The shipped backtest sample uses the same schedule.
 */
export const DEFAULT_PAPER_MARKETS: PaperMarketDefinition[] = [
  {
    symbol: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    tickSize: '0.01',
    lotSize: '0.00001',
    minAmount: '0.00001',
    minNotional: '5',
    makerFee: '0.0001',
    takerFee: '0.0002',
    simulation: {
      initialPrice: '60000',
      volatility: 0.6,
      liquidity: { levels: 10, halfSpreadBps: 1, levelSpacingBps: 1, levelSize: '0.05' },
      takers: { ratePerSecond: 2, meanSize: '0.01' },
    },
  },
  {
    symbol: 'ETH/USDT',
    base: 'ETH',
    quote: 'USDT',
    tickSize: '0.01',
    lotSize: '0.0001',
    minAmount: '0.0001',
    minNotional: '5',
    makerFee: '0.0001',
    takerFee: '0.0002',
    simulation: {
      initialPrice: '3000',
      volatility: 0.75,
      liquidity: { levels: 10, halfSpreadBps: 1.5, levelSpacingBps: 1, levelSize: '1' },
      takers: { ratePerSecond: 2, meanSize: '0.2' },
    },
  },
];

/** A venue over DEFAULT_PAPER_MARKETS; the caller decides whether to `startRealtime()`. */
export function createDefaultPaperVenue(overrides: Partial<PaperVenueConfig> = {}): PaperVenue {
  return new PaperVenue({ markets: DEFAULT_PAPER_MARKETS, ...overrides });
}

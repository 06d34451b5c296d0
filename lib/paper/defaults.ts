import { PaperMarketDefinition, PaperVenue, PaperVenueConfig } from './venue';

/** Markets of the embedded default: Binance-like spot grids and fees, each with a simulated market around it. */
export const DEFAULT_PAPER_MARKETS: PaperMarketDefinition[] = [
  {
    symbol: 'BTC/USDT',
    base: 'BTC',
    quote: 'USDT',
    tickSize: '0.01',
    lotSize: '0.00001',
    minAmount: '0.00001',
    minNotional: '5',
    makerFee: '0.001',
    takerFee: '0.001',
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
    makerFee: '0.001',
    takerFee: '0.001',
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

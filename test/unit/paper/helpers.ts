import { PaperMarketDefinition, PaperVenue, PaperVenueConfig } from '../../../lib/paper';

export const BTC_USDT: PaperMarketDefinition = {
  symbol: 'BTC/USDT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.01',
  lotSize: '0.0001',
  minAmount: '0.001',
  minNotional: '10',
  makerFee: '0.001',
  takerFee: '0.002',
};

export const ETH_USDT: PaperMarketDefinition = {
  symbol: 'ETH/USDT',
  base: 'ETH',
  quote: 'USDT',
  tickSize: '0.1',
  lotSize: '0.001',
  makerFee: '0',
  takerFee: '0.001',
};

/** A quiet venue (no simulated traders) at t = 1 000 000 with funded accounts alice, bob and carol (plus any given). */
export function quietVenue(overrides: Partial<PaperVenueConfig> = {}): PaperVenue {
  return new PaperVenue({
    markets: [BTC_USDT, ETH_USDT],
    startTime: 1_000_000,
    ...overrides,
    accounts: {
      alice: { USDT: '100000', BTC: '10' },
      bob: { USDT: '100000', BTC: '10' },
      carol: { USDT: '100000', BTC: '10' },
      ...overrides.accounts,
    },
  });
}

import { FeeScheduleRegistry, FeeScheduleUnavailableError, resolveFeeSchedule } from '../../../lib/fees';

describe('fee schedule resolution', () => {
  const market = { maker: 0.001, taker: 0.001, percentage: true, feeSide: 'get' };
  const exchangeDefault = { maker: 0.002, taker: 0.002, percentage: true };

  it('prefers the account rates from fetchTradingFees()', () => {
    const tradingFees = { 'BTC/USDT': { symbol: 'BTC/USDT', maker: 0.00075, taker: 0.00095, percentage: true, tierBased: true, info: {} } };
    expect(resolveFeeSchedule('binance', 'BTC/USDT', { tradingFees, market, exchangeDefault })).toEqual({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      maker: '0.00075',
      taker: '0.00095',
      source: 'tradingFees',
      feeSide: 'get',
    });
  });

  it('falls back to the ccxt market when fetchTradingFees() has no entry for the symbol', () => {
    const tradingFees = { 'ETH/USDT': { maker: 0.0001, taker: 0.0002 } };
    expect(resolveFeeSchedule('binance', 'BTC/USDT', { tradingFees, market, exchangeDefault })).toMatchObject({
      maker: '0.001',
      taker: '0.001',
      source: 'market',
    });
  });

  it('skips flat fees and incomplete entries, then uses the exchange default', () => {
    const tradingFees = { 'BTC/USDT': { maker: 0.0001, taker: undefined } };
    const flatMarket = { maker: 5, taker: 5, percentage: false };
    expect(resolveFeeSchedule('kraken', 'BTC/USDT', { tradingFees, market: flatMarket, exchangeDefault })).toEqual({
      exchange: 'kraken',
      symbol: 'BTC/USDT',
      maker: '0.002',
      taker: '0.002',
      source: 'exchangeDefault',
    });
  });

  it('keeps negative maker rates (rebates) and reads tiny float rates through their decimal form', () => {
    const tradingFees = { 'BTC/USDT': { maker: -0.00005, taker: 1e-7 } };
    expect(resolveFeeSchedule('x', 'BTC/USDT', { tradingFees })).toMatchObject({ maker: '-0.00005', taker: '0.0000001' });
  });

  it('refuses to guess when no source has rates', () => {
    expect(() => resolveFeeSchedule('binance', 'DOGE/USDT', {})).toThrow(FeeScheduleUnavailableError);
    expect(() => resolveFeeSchedule('binance', 'DOGE/USDT', {})).toThrow('no maker/taker fee rates for DOGE/USDT on binance');
  });

  it('keeps sources per exchange in a registry', () => {
    const registry = new FeeScheduleRegistry();
    registry.setExchangeDefault('binance', { maker: 0.001, taker: 0.001 });
    registry.setMarkets('binance', { 'ETH/USDT': { maker: 0.0009, taker: 0.001, feeSide: 'get' } });
    registry.setTradingFees('okx', { 'ETH/USDT': { maker: 0.0008, taker: '0.001' } });

    expect(registry.resolve('binance', 'ETH/USDT')).toMatchObject({ maker: '0.0009', source: 'market', feeSide: 'get' });
    expect(registry.resolve('binance', 'BTC/USDT')).toMatchObject({ maker: '0.001', source: 'exchangeDefault' });
    expect(registry.rate('okx', 'ETH/USDT', 'maker')).toBe('0.0008');
    expect(() => registry.resolve('okx', 'BTC/USDT')).toThrow('no maker/taker fee rates for BTC/USDT on okx');
  });
});

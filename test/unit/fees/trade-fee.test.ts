import { estimateRoute, estimateTrade, FeeInputError, FeeScheduleRegistry } from '../../../lib/fees';
import { PaperVenue } from '../../../lib/paper';

describe('estimateTrade', () => {
  it('charges a maker sell in quote', () => {
    expect(estimateTrade({ side: 'sell', amount: '0.5', price: '30000.01', feeRate: '0.001' })).toEqual({
      side: 'sell',
      notional: '15000.005',
      feeRate: '0.001',
      feeCurrency: 'quote',
      feeInQuote: '15.000005',
    });
  });

  it('charges a taker buy in quote when the market charges quote', () => {
    expect(estimateTrade({ side: 'buy', amount: '0.0123', price: '61234.56', feeRate: '0.002', feeSide: 'quote' })).toMatchObject({
      notional: '753.185088',
      feeCurrency: 'quote',
      feeInQuote: '1.506370176',
    });
  });

  it('charges a buy in base when the fee is taken from what you get (Binance without BNB)', () => {
    const estimate = estimateTrade({ side: 'buy', amount: '0.0123', price: '61234.56', feeRate: '0.001', feeSide: 'get' });
    expect(estimate).toEqual({
      side: 'buy',
      notional: '753.185088',
      feeRate: '0.001',
      feeCurrency: 'base',
      feeInBase: '0.0000123',
      feeInQuote: '0.753185088',
    });
    // the same market charges a sell in quote
    expect(estimateTrade({ side: 'sell', amount: '0.0123', price: '61234.56', feeRate: '0.001', feeSide: 'get' })).not.toHaveProperty('feeInBase');
  });

  it('gives a maker rebate as a negative fee', () => {
    expect(estimateTrade({ side: 'sell', amount: '2', price: '100', feeRate: '-0.0001' }).feeInQuote).toBe('-0.02');
  });

  it('rounds fees up at the 18th decimal, never down', () => {
    expect(estimateTrade({ side: 'sell', amount: '1', price: '0.000000000000000001', feeRate: '0.5' }).feeInQuote).toBe('0.000000000000000001');
  });

  it('names the malformed field', () => {
    expect(() => estimateTrade({ side: 'buy', amount: '1', price: 'abc', feeRate: '0.001' })).toThrow('price must be a positive decimal string, got "abc"');
    expect(() => estimateTrade({ side: 'buy', amount: 1 as unknown as string, price: '1', feeRate: '0.001' })).toThrow(FeeInputError);
    expect(() => estimateTrade({ side: 'buy', amount: '1', price: '1', feeRate: '1.5' })).toThrow('feeRate must be a decimal string between -1 and 1');
    expect(() => estimateTrade({ side: 'hold' as 'buy', amount: '1', price: '1', feeRate: '0' })).toThrow('side must be one of "buy", "sell", got "hold"');
  });

  it('matches what the paper exchange charges, from the rates and feeSide it publishes', async () => {
    const venue = new PaperVenue({
      markets: [{ symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: '0.01', lotSize: '0.0001', makerFee: '0.001', takerFee: '0.0015' }],
      startTime: 0,
      accounts: { maker: { BTC: '1' }, taker: { USDT: '100000' } },
    });
    const taker = venue.connect('taker');
    const registry = new FeeScheduleRegistry();
    registry.setTradingFees('paper', await taker.fetchTradingFees());
    registry.setMarkets('paper', await taker.loadMarkets());
    const schedule = registry.resolve('paper', 'BTC/USDT');
    expect(schedule).toMatchObject({ taker: '0.0015', source: 'tradingFees', feeSide: 'get' });

    await venue.connect('maker').createOrder('BTC/USDT', 'limit', 'sell', '0.3217', '61234.57');
    await taker.createOrder('BTC/USDT', 'market', 'buy', '0.3217');
    const [fill] = await taker.fetchMyTrades('BTC/USDT');
    const estimate = estimateTrade({ side: 'buy', amount: '0.3217', price: '61234.57', feeRate: schedule.taker, feeSide: schedule.feeSide });
    expect(estimate.feeInBase).toBe(fill.info.fee);
    expect(estimate.feeInBase).toBe('0.00048255');
  });
});

describe('estimateRoute', () => {
  const cexLeg = {
    venue: 'cex' as const,
    exchange: 'binance',
    symbol: 'BTC/USDT',
    side: 'buy' as const,
    amount: '0.5',
    price: '60000',
    role: 'taker' as const,
    feeRate: '0.001',
    feeSide: 'get' as const,
  };
  const dexLeg = {
    venue: 'dex' as const,
    pool: '0x99ac8cA7087fA4A2A1FB6357269965A2014ABc35',
    feeTier: 3000,
    amountIn: '0.5',
    tokenInPriceInQuote: '60500',
    gasUnits: 150000,
    gasPriceWei: '25000000000',
    nativePriceInQuote: '3000.5',
  };

  it('adds a CEX trading fee and a DEX pool fee plus gas, leg by leg, in quote', () => {
    expect(estimateRoute([cexLeg, dexLeg])).toEqual({
      legs: [
        {
          index: 0,
          venue: 'cex',
          exchange: 'binance',
          symbol: 'BTC/USDT',
          role: 'taker',
          notional: '30000',
          feeCurrency: 'base',
          feeInBase: '0.0005',
          tradingFee: '30',
          gasCost: '0',
          total: '30',
        },
        {
          index: 1,
          venue: 'dex',
          pool: '0x99ac8cA7087fA4A2A1FB6357269965A2014ABc35',
          feeRate: '0.003',
          feeInTokenIn: '0.0015',
          // 150 000 gas × 25 gwei = 0.00375 ETH at 3000.5
          gasNative: '0.00375',
          tradingFee: '90.75',
          gasCost: '11.251875',
          total: '102.001875',
        },
      ],
      tradingFees: '120.75',
      gasCosts: '11.251875',
      total: '132.001875',
    });
  });

  it('reads a pool fee given as a fraction the same as in Uniswap fee units', () => {
    const asFraction = estimateRoute([{ ...dexLeg, feeTier: '0.003' }]);
    const asNumber = estimateRoute([{ ...dexLeg, feeTier: 0.003 }]);
    expect(asFraction.total).toBe('102.001875');
    expect(asNumber.total).toBe('102.001875');
    expect(estimateRoute([{ ...dexLeg, feeTier: 500, tokenInPriceInQuote: undefined, amountIn: '1000' }]).legs[0]).toMatchObject({
      feeRate: '0.0005',
      tradingFee: '0.5',
    });
  });

  it('names the leg and field of a malformed input', () => {
    const bad = (legs: unknown[]) => () => estimateRoute(legs as never);
    expect(bad([dexLeg, { ...cexLeg, price: 'abc' }])).toThrow('legs[1].price must be a positive decimal string, got "abc"');
    expect(bad([cexLeg, { ...cexLeg, price: '-3' }])).toThrow('legs[1].price must be a positive decimal string');
    expect(bad([{ ...cexLeg, role: 'both' }])).toThrow('legs[0].role must be one of "maker", "taker", got "both"');
    expect(bad([{ ...cexLeg, venue: 'otc' }])).toThrow('legs[0].venue must be one of "cex", "dex"');
    expect(bad([cexLeg, { ...dexLeg, gasPriceWei: '2.5' }])).toThrow('legs[1].gasPriceWei must be a non-negative integer');
    expect(bad([cexLeg, { ...dexLeg, feeTier: 1_000_000 }])).toThrow('legs[1].feeTier must be a fraction below 1');
    expect(bad([cexLeg, { ...dexLeg, nativePriceInQuote: undefined }])).toThrow('legs[1].nativePriceInQuote must be a positive decimal string, got nothing');
    expect(bad([])).toThrow('legs must be a non-empty array');

    try {
      estimateRoute([cexLeg, { ...cexLeg, amount: '0' }]);
      throw new Error('expected a FeeInputError');
    } catch (error) {
      expect(error).toBeInstanceOf(FeeInputError);
      expect((error as FeeInputError).field).toBe('legs[1].amount');
    }
  });
});

import { BadSymbol, DuplicateOrderId, InvalidOrder, OrderNotFound } from '../../../lib/paper/ccxt-errors';
import { PaperVenue } from '../../../lib/paper';
import { BTC_USDT, quietVenue } from './helpers';

describe('paper order validation and the ccxt surface', () => {
  const venue = quietVenue();
  const alice = venue.connect('alice');

  it('rejects amounts below the minimum amount', async () => {
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.0009', '30000')).rejects.toThrow(InvalidOrder);
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.0009', '30000')).rejects.toThrow(
      'paper amount 0.0009 of BTC/USDT is below the minimum amount 0.001 BTC',
    );
  });

  it('rejects orders below the minimum notional', async () => {
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.001', '100')).rejects.toThrow(
      'paper order value 0.1 USDT (price 100 × amount 0.001) of BTC/USDT is below the minimum notional 10 USDT',
    );
  });

  it('rejects off-tick prices and off-lot amounts with the grid in the message', async () => {
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.01', '30000.005')).rejects.toThrow(
      'paper price 30000.005 of BTC/USDT is not a multiple of the tick size 0.01',
    );
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.00155', '30000')).rejects.toThrow(
      'paper amount 0.00155 of BTC/USDT is not a multiple of the lot size 0.0001',
    );
    // a float that is not exactly on the grid is rejected too, rather than rounded
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', 0.1 + 0.2, 30000)).rejects.toThrow('is not a multiple of the lot size');
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.01', '1e-19')).rejects.toThrow('is not a multiple of the tick size 0.01');
  });

  it('rejects unknown symbols with BadSymbol', async () => {
    await expect(alice.createOrder('DOGE/USDT', 'limit', 'buy', '1', '0.1')).rejects.toThrow(BadSymbol);
    await expect(alice.fetchTicker('DOGE/USDT')).rejects.toThrow('paper does not have market symbol DOGE/USDT');
    expect(() => alice.market('DOGE/USDT')).toThrow(BadSymbol);
  });

  it('rejects malformed requests', async () => {
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.01')).rejects.toThrow('paper limit order on BTC/USDT needs a price');
    await expect(alice.createOrder('BTC/USDT', 'limit', 'hold' as 'buy', '0.01', '100')).rejects.toThrow('side must be "buy" or "sell"');
    await expect(alice.createOrder('BTC/USDT', 'stop' as 'limit', 'buy', '0.01', '100')).rejects.toThrow('type must be "limit" or "market"');
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', 'abc', '100')).rejects.toThrow('paper amount is not a decimal number: "abc"');
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '-1', '100')).rejects.toThrow('amount must be positive');
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.01', '100', { timeInForce: 'GTD' as 'GTC' })).rejects.toThrow('timeInForce must be one of');
  });

  it('refuses a clientOrderId the account already used, open or filled', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    const first = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100', { clientOrderId: 'mm-1' });
    expect(first.clientOrderId).toBe('mm-1');
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100', { clientOrderId: 'mm-1' })).rejects.toThrow(DuplicateOrderId);
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100', { clientOrderId: 'mm-1' })).rejects.toThrow(
      `paper clientOrderId "mm-1" is already used by order ${first.id} (open)`,
    );
    await venue.connect('bob').createOrder('BTC/USDT', 'market', 'sell', '0.1');
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100', { clientOrderId: 'mm-1' })).rejects.toThrow('(closed)');
    // another account may use the same clientOrderId
    await expect(venue.connect('bob').createOrder('BTC/USDT', 'limit', 'buy', '0.2', '90', { clientOrderId: 'mm-1' })).resolves.toMatchObject({ status: 'open' });
    // and fetchOrder / cancelOrder find orders by it
    expect((await alice.fetchOrder(undefined, 'BTC/USDT', { clientOrderId: 'mm-1' })).id).toBe(first.id);
  });

  it('answers OrderNotFound saying the order is filled when cancelling a filled order, and still returns it', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    const order = await alice.createOrder('BTC/USDT', 'limit', 'sell', '0.1', '100');
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100');

    await expect(alice.cancelOrder(order.id!, 'BTC/USDT')).rejects.toThrow(OrderNotFound);
    await expect(alice.cancelOrder(order.id!, 'BTC/USDT')).rejects.toThrow(`paper order ${order.id} is already filled (status closed), nothing to cancel`);
    const fetched = await alice.fetchOrder(order.id!, 'BTC/USDT');
    expect([fetched.status, fetched.filled, fetched.remaining, fetched.info.filled]).toEqual(['closed', 0.1, 0, '0.1']);
    expect(await alice.fetchClosedOrders('BTC/USDT')).toHaveLength(1);
  });

  it('answers OrderNotFound for canceled, unknown and other accounts\' orders', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    const order = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100');
    await expect(venue.connect('bob').cancelOrder(order.id!)).rejects.toThrow(`paper order ${order.id} not found`);
    await alice.cancelOrder(order.id!);
    await expect(alice.cancelOrder(order.id!)).rejects.toThrow(`paper order ${order.id} is already canceled`);
    await expect(alice.fetchOrder('999999')).rejects.toThrow(OrderNotFound);
    await expect(alice.fetchOrder(order.id!, 'ETH/USDT')).rejects.toThrow(`paper order ${order.id} is on BTC/USDT, not ETH/USDT`);
    expect(await alice.fetchCanceledOrders()).toHaveLength(1);
  });

  it('rounds like ccxt: prices to the nearest tick, amounts down to the lot', () => {
    expect(alice.priceToPrecision('BTC/USDT', 30000.125)).toBe('30000.13');
    expect(alice.priceToPrecision('BTC/USDT', '30000.124')).toBe('30000.12');
    expect(alice.amountToPrecision('BTC/USDT', 0.12349)).toBe('0.1234');
    expect(alice.amountToPrecision('BTC/USDT', '1')).toBe('1');
    expect(() => alice.amountToPrecision('BTC/USDT', '0.00001')).toThrow(
      'paper amount of BTC/USDT must be greater than minimum amount precision of 0.0001',
    );
    expect(alice.priceToPrecision('ETH/USDT', '2000.05')).toBe('2000.1');
  });

  it('describes its markets, fees and capabilities in ccxt shapes', async () => {
    expect(alice.id).toBe('paper');
    const markets = await alice.loadMarkets();
    expect(Object.keys(markets).sort()).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(alice.market('BTC/USDT')).toMatchObject({
      id: 'BTCUSDT',
      symbol: 'BTC/USDT',
      base: 'BTC',
      quote: 'USDT',
      spot: true,
      type: 'spot',
      precision: { amount: 0.0001, price: 0.01 },
      limits: { amount: { min: 0.001 }, cost: { min: 10 }, price: { min: 0.01 } },
      maker: 0.001,
      taker: 0.002,
    });
    expect(await alice.fetchTradingFees()).toMatchObject({ 'BTC/USDT': { maker: 0.001, taker: 0.002, percentage: true } });
    expect(alice.has).toMatchObject({ createOrder: true, cancelOrder: true, fetchOpenOrders: true, fetchMyTrades: true, watchOrderBook: true });
    expect(alice.symbols).toEqual(['BTC/USDT', 'ETH/USDT']);
    expect(alice.currencies.BTC.precision).toBe(0.0001);
    expect(await alice.fetchTime()).toBe(venue.now());
  });

  it('refuses a market configuration that cannot be exact', () => {
    expect(() => new PaperVenue({ markets: [{ ...BTC_USDT, tickSize: '0.0000000001', lotSize: '0.000000001' }] })).toThrow(
      'have 19 decimals together, at most 18 are supported',
    );
    expect(() => new PaperVenue({ markets: [{ ...BTC_USDT, minAmount: '0.00015' }] })).toThrow('must be a positive multiple of lotSize');
    expect(() => new PaperVenue({ markets: [{ ...BTC_USDT, symbol: 'BTCUSDT' }] })).toThrow('must be "BTC/USDT"');
  });
});

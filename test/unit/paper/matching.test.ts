import { InvalidOrder, OrderImmediatelyFillable } from '../../../lib/paper/ccxt-errors';
import { quietVenue } from './helpers';

describe('paper matching engine', () => {
  it('matches by price, then by time within a price level', async () => {
    const venue = quietVenue();
    const [alice, bob, carol] = ['alice', 'bob', 'carol'].map((id) => venue.connect(id));
    const bobFirst = await bob.createOrder('BTC/USDT', 'limit', 'sell', '0.2', '100');
    venue.step(10);
    const carolSecond = await carol.createOrder('BTC/USDT', 'limit', 'sell', '0.2', '100');
    venue.step(10);
    const bobBetterPrice = await bob.createOrder('BTC/USDT', 'limit', 'sell', '0.2', '99.99');

    const taker = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.5', '100');

    expect(taker.status).toBe('closed');
    expect(taker.trades.map((trade) => [trade.info.price, trade.info.amount])).toEqual([
      ['99.99', '0.2'],
      ['100', '0.2'],
      ['100', '0.1'],
    ]);
    expect(taker.trades.map((trade) => trade.info.orderId)).toEqual([taker.id, taker.id, taker.id]);
    expect((await bob.fetchOrder(bobBetterPrice.id!)).status).toBe('closed');
    expect((await bob.fetchOrder(bobFirst.id!)).status).toBe('closed');
    const carolOrder = await carol.fetchOrder(carolSecond.id!);
    expect(carolOrder.status).toBe('open');
    expect(carolOrder.info.filled).toBe('0.1');
    expect(carolOrder.info.remaining).toBe('0.1');
    expect(venue.orderBook('BTC/USDT').asks).toEqual([['100', '0.1']]);
    expect(taker.info.cost).toBe('49.998');
  });

  it('partially fills a resting order and keeps the rest on the book', async () => {
    const venue = quietVenue();
    const bob = venue.connect('bob');
    const alice = venue.connect('alice');
    const resting = await bob.createOrder('BTC/USDT', 'limit', 'buy', '1', '99.5');
    const taker = await alice.createOrder('BTC/USDT', 'limit', 'sell', '0.3', '99');

    expect(taker.status).toBe('closed');
    expect(taker.info.average).toBe('99.5');
    const after = await bob.fetchOrder(resting.id!);
    expect([after.status, after.info.filled, after.info.remaining]).toEqual(['open', '0.3', '0.7']);
    expect(after.trades).toHaveLength(1);
    expect(after.trades[0].takerOrMaker).toBe('maker');
    expect(venue.orderBook('BTC/USDT').bids).toEqual([['99.5', '0.7']]);
    expect(await bob.fetchOpenOrders('BTC/USDT')).toHaveLength(1);
  });

  it('walks the book with a market order and reports the exact average price', async () => {
    const venue = quietVenue();
    const bob = venue.connect('bob');
    await bob.createOrder('BTC/USDT', 'limit', 'sell', '0.1', '100');
    await bob.createOrder('BTC/USDT', 'limit', 'sell', '0.2', '101');
    await bob.createOrder('BTC/USDT', 'limit', 'sell', '0.3', '102');

    const order = await venue.connect('alice').createOrder('BTC/USDT', 'market', 'buy', '0.35');

    expect(order.status).toBe('closed');
    expect(order.trades.map((trade) => `${trade.info.amount}@${trade.info.price}`)).toEqual(['0.1@100', '0.2@101', '0.05@102']);
    expect(order.info.cost).toBe('35.3');
    expect(order.info.average).toBe('100.857142857142857142');
    expect(order.info.price).toBeUndefined();
    expect(order.price).toBeCloseTo(100.857142857, 6);
    expect(venue.orderBook('BTC/USDT').asks).toEqual([['102', '0.25']]);
  });

  it('cancels the unfilled rest of a market order once the book runs dry', async () => {
    const venue = quietVenue();
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'buy', '0.2', '100');
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'buy', '0.4', '99');
    const alice = venue.connect('alice');

    const order = await alice.createOrder('BTC/USDT', 'market', 'sell', '1');

    expect([order.status, order.info.filled, order.info.remaining]).toEqual(['canceled', '0.6', '0.4']);
    expect(venue.orderBook('BTC/USDT').bids).toEqual([]);
    expect(venue.balances('alice').BTC).toEqual({ free: '9.4', used: '0', total: '9.4' });
  });

  it('refuses a market order when the opposite side is empty', async () => {
    const venue = quietVenue();
    await expect(venue.connect('alice').createOrder('BTC/USDT', 'market', 'buy', '0.1')).rejects.toThrow(
      'paper market buy on BTC/USDT found no asks to trade against',
    );
  });

  it('rejects a post-only order that would cross, and rests one that would not', async () => {
    const venue = quietVenue();
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'sell', '0.5', '100');
    const alice = venue.connect('alice');

    const crossing = alice.createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100', { postOnly: true });
    await expect(crossing).rejects.toThrow(OrderImmediatelyFillable);
    await expect(alice.createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100.5', { timeInForce: 'PO' })).rejects.toThrow(
      'paper post-only buy at 100.5 on BTC/USDT would cross the best ask 100 and take liquidity',
    );
    expect(venue.balances('alice').USDT.used).toBe('0');
    expect(await alice.fetchOpenOrders()).toHaveLength(0);

    const resting = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.2', '99.99', { postOnly: true });
    expect([resting.status, resting.postOnly, resting.timeInForce]).toEqual(['open', true, 'PO']);
    expect(venue.orderBook('BTC/USDT').bids).toEqual([['99.99', '0.2']]);
  });

  it('cancels the remainder of an IOC order and releases its funds', async () => {
    const venue = quietVenue();
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'sell', '0.1', '100');
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'sell', '0.1', '100.01');
    const alice = venue.connect('alice');

    const order = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.3', '100', { timeInForce: 'IOC' });

    expect([order.status, order.info.filled, order.info.remaining]).toEqual(['canceled', '0.1', '0.2']);
    expect(await alice.fetchOpenOrders()).toHaveLength(0);
    expect(venue.orderBook('BTC/USDT').asks).toEqual([['100.01', '0.1']]);
    expect(venue.balances('alice').USDT).toEqual({ free: '99990', used: '0', total: '99990' });
  });

  it('kills a fill-or-kill order that cannot fill completely, without trading', async () => {
    const venue = quietVenue();
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'sell', '0.1', '100');
    const order = await venue.connect('alice').createOrder('BTC/USDT', 'limit', 'buy', '0.2', '100', { timeInForce: 'FOK' });
    expect([order.status, order.info.filled]).toEqual(['canceled', '0']);
    expect(venue.orderBook('BTC/USDT').asks).toEqual([['100', '0.1']]);
  });

  it('prevents self-trades by canceling the resting order of the same account', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    const ask = await alice.createOrder('BTC/USDT', 'limit', 'sell', '0.1', '100');
    const bid = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100');

    expect((await alice.fetchOrder(ask.id!)).status).toBe('canceled');
    expect((await alice.fetchOrder(ask.id!)).info.cancelReason).toMatch(/self-trade prevention/);
    expect([bid.status, bid.info.filled]).toEqual(['open', '0']);
    expect(await alice.fetchMyTrades()).toHaveLength(0);
  });

  it('rejects post-only combined with IOC', async () => {
    const venue = quietVenue();
    await expect(
      venue.connect('alice').createOrder('BTC/USDT', 'limit', 'buy', '0.1', '100', { postOnly: true, timeInForce: 'IOC' }),
    ).rejects.toThrow(InvalidOrder);
  });
});

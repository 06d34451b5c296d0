import { quietVenue } from './helpers';

describe('paper exchange facade extras', () => {
  it('buffers order updates and fills for watchOrders / watchMyTrades', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    const firstWatch = alice.watchOrders('BTC/USDT');
    const ask = await alice.createOrder('BTC/USDT', 'limit', 'sell', '0.4', '100');
    expect((await firstWatch).map((order) => [order.id, order.status])).toEqual([[ask.id, 'open']]);

    const tradesWatch = alice.watchMyTrades();
    await venue.connect('bob').createOrder('BTC/USDT', 'market', 'buy', '0.1');
    await venue.connect('bob').createOrder('BTC/USDT', 'market', 'buy', '0.3');
    expect((await tradesWatch).map((trade) => trade.info.amount)).toEqual(['0.1']);
    // the second fill was buffered until the next call
    expect((await alice.watchMyTrades()).map((trade) => trade.info.amount)).toEqual(['0.3']);
    expect((await alice.watchOrders('BTC/USDT')).map((order) => order.info.filled)).toEqual(['0.1', '0.4']);
    await alice.close();
  });

  it('cancels all open orders of a symbol and pages order history like ccxt', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    for (let i = 0; i < 4; i++) {
      await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.2', String(90 + i));
      venue.step(1000);
    }
    await alice.createOrder('ETH/USDT', 'limit', 'buy', '1', '1000');
    const canceled = await alice.cancelAllOrders('BTC/USDT');
    expect(canceled.map((order) => order.status)).toEqual(['canceled', 'canceled', 'canceled', 'canceled']);
    expect((await alice.fetchOpenOrders()).map((order) => order.symbol)).toEqual(['ETH/USDT']);
    const start = 1_000_000;
    expect((await alice.fetchOrders('BTC/USDT', start + 1000, 2)).map((order) => order.info.price)).toEqual(['91', '92']);
    expect((await alice.fetchOrders('BTC/USDT', undefined, 2)).map((order) => order.info.price)).toEqual(['92', '93']);
    expect(venue.balances('alice').USDT.used).toBe('1000');
  });
});

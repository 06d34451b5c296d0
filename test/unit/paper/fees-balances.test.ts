import { InsufficientFunds } from '../../../lib/paper/ccxt-errors';
import { PaperVenue } from '../../../lib/paper';
import { BTC_USDT, quietVenue } from './helpers';

describe('paper fees and balances', () => {
  it('charges the taker fee in base to a buyer and the maker fee in quote to a seller, exactly', async () => {
    const venue = quietVenue();
    const bob = venue.connect('bob');
    const alice = venue.connect('alice');
    await bob.createOrder('BTC/USDT', 'limit', 'sell', '0.5', '100');
    const order = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.5', '101');

    const [aliceTrade] = await alice.fetchMyTrades('BTC/USDT');
    expect(aliceTrade.takerOrMaker).toBe('taker');
    expect(aliceTrade.fee).toEqual({ currency: 'BTC', cost: 0.001, rate: 0.002 });
    expect(aliceTrade.info.fee).toBe('0.001');
    expect(order.fee).toEqual({ currency: 'BTC', cost: 0.001 });
    const [bobTrade] = await bob.fetchMyTrades();
    expect(bobTrade.takerOrMaker).toBe('maker');
    expect(bobTrade.info).toMatchObject({ fee: '0.05', feeCurrency: 'USDT', feeRate: '0.001', price: '100', amount: '0.5', cost: '50' });
    expect(bobTrade.id).toBe(aliceTrade.id);

    expect(venue.balances('alice')).toEqual({
      USDT: { free: '99950', used: '0', total: '99950' },
      BTC: { free: '10.499', used: '0', total: '10.499' },
    });
    expect(venue.balances('bob')).toEqual({
      USDT: { free: '100049.95', used: '0', total: '100049.95' },
      BTC: { free: '9.5', used: '0', total: '9.5' },
    });
  });

  it('charges a taker seller in quote and a maker buyer in base', async () => {
    const venue = quietVenue();
    await venue.connect('alice').createOrder('BTC/USDT', 'limit', 'buy', '0.3', '99');
    await venue.connect('bob').createOrder('BTC/USDT', 'market', 'sell', '0.3');

    // bob: 0.3 × 99 = 29.7 USDT, taker fee 0.2 % = 0.0594 USDT
    expect(venue.balances('bob').USDT.total).toBe('100029.6406');
    expect(venue.balances('bob').BTC.total).toBe('9.7');
    // alice: 0.3 BTC minus maker fee 0.1 % = 0.0003 BTC
    expect(venue.balances('alice').BTC.total).toBe('10.2997');
    expect(venue.balances('alice').USDT.total).toBe('99970.3');
  });

  it('pays maker rebates and charges small taker fees exactly', async () => {
    const venue = new PaperVenue({
      markets: [{ ...BTC_USDT, minNotional: undefined, minAmount: undefined, makerFee: '-0.00015', takerFee: '0.00033' }],
      startTime: 0,
      accounts: { maker: { BTC: '1' }, taker: { USDT: '1000' } },
    });
    await venue.connect('maker').createOrder('BTC/USDT', 'limit', 'sell', '0.0007', '33333.33');
    await venue.connect('taker').createOrder('BTC/USDT', 'market', 'buy', '0.0007');
    // cost 0.0007 × 33333.33 = 23.333331; the maker earns a 0.015 % rebate on it
    expect(venue.balances('maker').USDT.total).toBe('23.33683099965');
    // taker fee 0.0007 × 0.00033 = 0.000000231 BTC
    expect(venue.balances('taker').BTC.total).toBe('0.000699769');
    expect(venue.balances('taker').USDT.total).toBe('976.666669');
  });

  it('locks funds for open orders and releases them on cancel', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    const bid = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.5', '100.01');
    const ask = await alice.createOrder('BTC/USDT', 'limit', 'sell', '2', '150');

    expect(venue.balances('alice').USDT).toEqual({ free: '99949.995', used: '50.005', total: '100000' });
    expect(venue.balances('alice').BTC).toEqual({ free: '8', used: '2', total: '10' });
    const balance = await alice.fetchBalance();
    expect(balance.USDT).toEqual({ free: 99949.995, used: 50.005, total: 100000 });
    expect((balance as any).used.BTC).toBe(2);
    expect(balance.info.USDT.used).toBe('50.005');

    const canceled = await alice.cancelOrder(bid.id!, 'BTC/USDT');
    expect(canceled.status).toBe('canceled');
    await alice.cancelOrder(ask.id!);
    expect(venue.balances('alice')).toEqual({
      USDT: { free: '100000', used: '0', total: '100000' },
      BTC: { free: '10', used: '0', total: '10' },
    });
    expect(venue.orderBook('BTC/USDT')).toMatchObject({ bids: [], asks: [] });
  });

  it('frees the price improvement when a limit buy fills below its limit', async () => {
    const venue = quietVenue();
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'sell', '0.4', '100');
    const order = await venue.connect('alice').createOrder('BTC/USDT', 'limit', 'buy', '1', '105');

    expect([order.status, order.info.filled]).toEqual(['open', '0.4']);
    // paid 40, 0.6 × 105 = 63 still reserved for the resting rest
    expect(venue.balances('alice').USDT).toEqual({ free: '99897', used: '63', total: '99960' });
  });

  it('releases a partially filled sell lock as it fills', async () => {
    const venue = quietVenue();
    const ask = await venue.connect('alice').createOrder('BTC/USDT', 'limit', 'sell', '1', '100');
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'buy', '0.25', '100');
    expect(venue.balances('alice').BTC).toEqual({ free: '9', used: '0.75', total: '9.75' });
    await venue.connect('alice').cancelOrder(ask.id!);
    expect(venue.balances('alice').BTC).toEqual({ free: '9.75', used: '0', total: '9.75' });
  });

  it('rejects an order the free balance cannot cover, naming the currency and amounts', async () => {
    const venue = quietVenue({ accounts: { dave: { USDT: '50' } } });
    const dave = venue.connect('dave');
    const attempt = dave.createOrder('BTC/USDT', 'limit', 'buy', '1', '100');
    await expect(attempt).rejects.toThrow(InsufficientFunds);
    await expect(dave.createOrder('BTC/USDT', 'limit', 'buy', '1', '100')).rejects.toThrow(
      'paper insufficient USDT balance to buy 1 BTC/USDT at 100: needs 100 USDT, free 50',
    );
    await expect(dave.createOrder('BTC/USDT', 'limit', 'sell', '0.2', '100')).rejects.toThrow('needs 0.2 BTC, free 0');
    // funds locked by an open order are not free
    await dave.createOrder('BTC/USDT', 'limit', 'buy', '0.3', '100');
    await expect(dave.createOrder('BTC/USDT', 'limit', 'buy', '0.3', '100')).rejects.toThrow('needs 30 USDT, free 20');
  });

  it('checks the walked cost of a market buy against the free balance', async () => {
    const venue = quietVenue({ accounts: { dave: { USDT: '30' } } });
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'sell', '0.2', '100');
    await venue.connect('bob').createOrder('BTC/USDT', 'limit', 'sell', '0.2', '110');
    await expect(venue.connect('dave').createOrder('BTC/USDT', 'market', 'buy', '0.3')).rejects.toThrow(
      'paper insufficient USDT balance to buy 0.3 BTC/USDT at market: needs 31 USDT, free 30',
    );
  });

  it('deposits and withdraws decimal amounts', () => {
    const venue = quietVenue();
    venue.deposit('erin', 'USDT', '0.1');
    venue.deposit('erin', 'USDT', '0.2');
    expect(venue.balances('erin').USDT.total).toBe('0.3');
    venue.withdraw('erin', 'USDT', '0.3');
    expect(venue.balances('erin').USDT.total).toBe('0');
    expect(() => venue.withdraw('erin', 'USDT', '1')).toThrow(InsufficientFunds);
    expect(() => venue.deposit('erin', 'USDT', '-1')).toThrow('must be positive');
  });
});

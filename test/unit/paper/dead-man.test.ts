import type { Order } from 'ccxt';
import { quietVenue } from './helpers';

describe("paper cancelAllOrdersAfter (dead man's switch)", () => {
  it('is advertised like ccxt does', () => {
    expect(quietVenue().connect('alice').has.cancelAllOrdersAfter).toBe(true);
  });

  it('cancels every open order of the account when the timeout passes, reported as canceled; other accounts keep theirs', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    const bob = venue.connect('bob');
    const updates: Order[] = [];
    alice.on('order', (o) => updates.push(o));
    const a1 = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.2', '90', { clientOrderId: 'a1' });
    const a2 = await alice.createOrder('ETH/USDT', 'limit', 'buy', '1', '1000', { clientOrderId: 'a2' });
    const b1 = await bob.createOrder('BTC/USDT', 'limit', 'buy', '0.2', '89');
    expect(await alice.cancelAllOrdersAfter(5_000)).toEqual({ timeout: 5_000, triggerTime: 1_005_000 });
    venue.step(4_999);
    expect((await alice.fetchOpenOrders()).map((o) => o.id).sort()).toEqual([a1.id, a2.id].sort());
    venue.step(1);
    expect(await alice.fetchOpenOrders()).toEqual([]);
    expect((await alice.fetchOrder(a1.id)).status).toBe('canceled');
    expect((await alice.fetchOrder(a2.id)).status).toBe('canceled');
    expect(updates.filter((o) => o.status === 'canceled').map((o) => o.clientOrderId).sort()).toEqual(['a1', 'a2']);
    expect((await bob.fetchOpenOrders()).map((o) => o.id)).toEqual([b1.id]);
    expect(venue.balances('alice').USDT.used).toBe('0');
    // fired once: disarmed afterwards
    expect(venue.deadMan.deadline('alice')).toBeNull();
    await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.2', '90');
    venue.step(60_000);
    expect(await alice.fetchOpenOrders()).toHaveLength(1);
  });

  it('each call pushes the deadline out (refresh); a timeout of 0 disarms', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.2', '90');
    await alice.cancelAllOrdersAfter(1_000);
    for (let i = 0; i < 10; i++) {
      venue.step(750);
      await alice.cancelAllOrdersAfter(1_000);
    }
    expect(await alice.fetchOpenOrders()).toHaveLength(1);
    expect(await alice.cancelAllOrdersAfter(0)).toEqual({ timeout: 0, triggerTime: null });
    venue.step(10_000);
    expect(await alice.fetchOpenOrders()).toHaveLength(1);
  });

  it('fires in simulated time order with the rest of the market', async () => {
    const venue = quietVenue();
    const alice = venue.connect('alice');
    const bob = venue.connect('bob');
    await alice.createOrder('BTC/USDT', 'limit', 'sell', '0.3', '100');
    await alice.cancelAllOrdersAfter(1_000);
    venue.step(999);
    await bob.createOrder('BTC/USDT', 'market', 'buy', '0.15');
    venue.step(1);
    const [order] = await alice.fetchOrders('BTC/USDT');
    expect([order.status, order.info.filled]).toEqual(['canceled', '0.15']);
  });

  it('refuses a negative or non-numeric timeout', async () => {
    const alice = quietVenue().connect('alice');
    await expect(alice.cancelAllOrdersAfter(-1)).rejects.toThrow(/timeout of 0 or more/);
    await expect(alice.cancelAllOrdersAfter(Number.NaN)).rejects.toThrow(/timeout/);
  });
});

import type { Order, Trade } from 'ccxt';
import { DecimalOrderBook, DecimalPublicTrade, DecimalTicker, ManualClock, PaperVenue, PaperVenueConfig, createDefaultPaperVenue } from '../../../lib/paper';
import { formatUnits, mulUnits, toUnits } from '../../../lib/paper/fixed-point';
import { BTC_USDT } from './helpers';

function simulatedVenue(seed: number, overrides: Partial<PaperVenueConfig> = {}): PaperVenue {
  return new PaperVenue({
    seed,
    startTime: 1_700_000_000_000,
    markets: [
      {
        ...BTC_USDT,
        simulation: {
          initialPrice: '30000',
          volatility: 0.8,
          drift: 0,
          priceIntervalMs: 500,
          liquidity: { levels: 5, halfSpreadBps: 2, levelSpacingBps: 1, levelSize: '0.05' },
          takers: { ratePerSecond: 4, meanSize: '0.02' },
        },
      },
    ],
    accounts: { alice: { USDT: '100000', BTC: '2' } },
    ...overrides,
  });
}

function recordTape(venue: PaperVenue): DecimalPublicTrade[] {
  const tape: DecimalPublicTrade[] = [];
  venue.on('trade', (trade: DecimalPublicTrade) => tape.push(trade));
  return tape;
}

describe('paper simulated market', () => {
  it('starts with background liquidity around the initial price', () => {
    const venue = simulatedVenue(7);
    const book = venue.orderBook('BTC/USDT');
    expect(book.bids).toHaveLength(5);
    expect(book.asks).toHaveLength(5);
    // 2 bps of 30000 = 6 → the first levels are 6 away from the fair price
    expect(book.bids[0][0]).toBe('29994');
    expect(book.asks[0][0]).toBe('30006');
    expect(venue.fairPrice('BTC/USDT')).toBe('30000');
  });

  it('moves only when told: step() and advanceTo() drive simulated time', () => {
    const venue = simulatedVenue(7);
    const start = venue.now();
    expect(venue.now()).toBe(start);
    venue.step(1500);
    expect(venue.now()).toBe(start + 1500);
    venue.advanceTo(start + 60_000);
    expect(venue.now()).toBe(start + 60_000);
    expect(() => venue.advanceTo(start)).toThrow('cannot go back');
  });

  it('repeats exactly for a seed and differs for another', () => {
    const run = (seed: number) => {
      const venue = simulatedVenue(seed);
      const tape = recordTape(venue);
      venue.step(120_000);
      return { tape, book: venue.orderBook('BTC/USDT', 5), fair: venue.fairPrice('BTC/USDT'), ticker: venue.ticker('BTC/USDT') };
    };
    const first = run(42);
    const second = run(42);
    expect(first.tape.length).toBeGreaterThan(100);
    expect(second).toEqual(first);
    const other = run(43);
    expect(other.tape).not.toEqual(first.tape);
    expect(first.ticker.baseVolume).not.toBe('0');
  });

  it('fills a resting user quote through background flow, with maker fees and events', async () => {
    const venue = simulatedVenue(11);
    const alice = venue.connect('alice');
    const orders: Order[] = [];
    const fills: Trade[] = [];
    alice.on('order', (order) => orders.push(order));
    alice.on('trade', (trade) => fills.push(trade));

    // join the inside of the spread on both sides, ahead of the background ladder
    const bid = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.01', '29998', { postOnly: true, clientOrderId: 'b1' });
    const ask = await alice.createOrder('BTC/USDT', 'limit', 'sell', '0.01', '30002', { postOnly: true, clientOrderId: 'a1' });
    expect(orders.map((order) => [order.clientOrderId, order.status])).toEqual([
      ['b1', 'open'],
      ['a1', 'open'],
    ]);

    for (let i = 0; i < 600 && fills.length === 0; i++) venue.step(1000);

    expect(fills.length).toBeGreaterThan(0);
    const fill = fills[0];
    expect(fill.takerOrMaker).toBe('maker');
    expect([bid.id, ask.id]).toContain(fill.order);
    // maker fee 0.1 % charged in the currency received
    expect(fill.info.price).toBe(fill.side === 'buy' ? '29998' : '30002');
    const feeBase = fill.side === 'buy' ? fill.info.amount : fill.info.cost;
    expect(fill.fee!.currency).toBe(fill.side === 'buy' ? 'BTC' : 'USDT');
    expect(fill.info.fee).toBe(formatUnits(mulUnits(toUnits(feeBase), toUnits('0.001'))));
    const updated = orders.filter((order) => order.id === fill.order).pop()!;
    expect(updated.info.filled).toBe(fill.info.amount);
    expect(await alice.fetchMyTrades('BTC/USDT')).toHaveLength(fills.length);
  });

  it('emits order book and ticker changes for price feeds', () => {
    const venue = simulatedVenue(5);
    const books: DecimalOrderBook[] = [];
    const tickers: DecimalTicker[] = [];
    venue.on('orderbook', (book: DecimalOrderBook) => books.push(book));
    venue.on('ticker', (ticker: DecimalTicker) => tickers.push(ticker));
    venue.step(5000);
    expect(books.length).toBeGreaterThan(0);
    expect(tickers.length).toBe(books.length);
    const latest = books[books.length - 1];
    expect(latest).toEqual(venue.orderBook('BTC/USDT', 20));
    expect(tickers[tickers.length - 1].bid).toBe(latest.bids[0][0]);
  });

  it('resolves watchOrderBook on the next book change', async () => {
    const venue = simulatedVenue(5);
    const exchange = venue.connect('alice');
    const pending = exchange.watchOrderBook('BTC/USDT', 3);
    venue.step(2000);
    const book = await pending;
    expect(book.symbol).toBe('BTC/USDT');
    expect(book.bids.length).toBe(3);
    expect(book.bids[0][0]).toBeLessThan(book.asks[0][0]!);
  });

  it('uses an injected clock', () => {
    const clock = new ManualClock(5_000);
    const venue = simulatedVenue(1, { clock });
    venue.step(250);
    expect(clock.now()).toBe(5_250);
  });

  it('runs in real time until stopped, on an unref\'d timer', async () => {
    const venue = simulatedVenue(3);
    const start = venue.now();
    venue.startRealtime({ intervalMs: 5, speed: 100 });
    expect(venue.realtime).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    venue.stopRealtime();
    expect(venue.realtime).toBe(false);
    const stoppedAt = venue.now();
    expect(stoppedAt).toBeGreaterThan(start + 1000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(venue.now()).toBe(stoppedAt);
  });
});

describe('paper default venue', () => {
  it('quotes both default markets from the start and trades over a simulated minute', async () => {
    const venue = createDefaultPaperVenue({ seed: 1, startTime: 0, accounts: { mm: { USDT: '10000' } } });
    const exchange = venue.connect('mm');
    const before = await exchange.fetchTicker('ETH/USDT');
    expect(before.bid).toBeLessThan(before.ask!);
    expect(before.bid).toBeGreaterThan(2990);
    venue.step(60_000);
    expect(venue.ticker('BTC/USDT').baseVolume).not.toBe('0');
    expect(venue.ticker('ETH/USDT').last).toBeDefined();
  });
});

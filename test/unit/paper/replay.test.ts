import { join } from 'node:path';
import { PaperVenue, ReplayFormatError, loadReplayFile, parseReplay } from '../../../lib/paper';
import { BTC_USDT } from './helpers';

const JSONL = join(__dirname, 'fixtures', 'btc-usdt-replay.jsonl');
const CSV = join(__dirname, 'fixtures', 'btc-usdt-replay.csv');
const T0 = 1_700_000_000_000;

function replayVenue(): PaperVenue {
  return new PaperVenue({ markets: [BTC_USDT], replay: JSONL, accounts: { alice: { USDT: '1000' }, carol: { USDT: '1000' } } });
}

describe('paper replay', () => {
  it('loads the JSONL and CSV fixtures into the same events', () => {
    const fromJsonl = loadReplayFile(JSONL);
    expect(fromJsonl).toHaveLength(6);
    expect(fromJsonl[0]).toEqual({
      ts: T0,
      type: 'book',
      symbol: 'BTC/USDT',
      bids: [
        ['99.90', '1.5'],
        ['99.80', '2'],
      ],
      asks: [
        ['100.10', '1'],
        ['100.20', '2.5'],
      ],
    });
    expect(fromJsonl[2]).toEqual({ ts: T0 + 1000, type: 'trade', symbol: 'BTC/USDT', side: 'sell', price: '99.85', amount: '0.4' });
    expect(loadReplayFile(CSV)).toEqual(fromJsonl);
  });

  it('starts at the first recorded event and applies snapshots as the book', () => {
    const venue = replayVenue();
    expect(venue.now()).toBe(T0);
    expect(venue.replayEndTime).toBe(T0 + 3000);
    venue.advanceTo(T0);
    expect(venue.orderBook('BTC/USDT')).toMatchObject({
      bids: [
        ['99.9', '1.5'],
        ['99.8', '2'],
      ],
      asks: [
        ['100.1', '1'],
        ['100.2', '2.5'],
      ],
    });
    venue.advanceTo(T0 + 3000);
    expect(venue.orderBook('BTC/USDT')).toMatchObject({ bids: [['99.75', '1']], asks: [['99.95', '1']] });
    expect(venue.ticker('BTC/USDT')).toMatchObject({ last: '99.7', baseVolume: '0.9', high: '100.1', low: '99.7' });
  });

  it('fills a resting order from the recorded trades that print through its price', async () => {
    const venue = replayVenue();
    venue.advanceTo(T0);
    const alice = venue.connect('alice');
    const bid = await alice.createOrder('BTC/USDT', 'limit', 'buy', '0.5', '99.85');
    expect(bid.status).toBe('open');

    venue.advanceTo(T0 + 1000);
    const partly = await alice.fetchOrder(bid.id!);
    expect([partly.status, partly.info.filled]).toEqual(['open', '0.4']);

    venue.advanceTo(venue.replayEndTime!);
    const done = await alice.fetchOrder(bid.id!);
    expect([done.status, done.info.filled, done.info.cost]).toEqual(['closed', '0.5', '49.925']);
    const trades = await alice.fetchMyTrades();
    expect(trades.map((trade) => [trade.timestamp, trade.info.price, trade.info.amount, trade.takerOrMaker, trade.info.fee])).toEqual([
      [T0 + 1000, '99.85', '0.4', 'maker', '0.0004'],
      [T0 + 2500, '99.85', '0.1', 'maker', '0.0001'],
    ]);
    expect(venue.balances('alice')).toEqual({
      USDT: { free: '950.075', used: '0', total: '950.075' },
      BTC: { free: '0.4995', used: '0', total: '0.4995' },
    });
  });

  it('fills a resting order when a later snapshot moves through it', async () => {
    const venue = replayVenue();
    venue.advanceTo(T0 + 1500);
    const carol = venue.connect('carol');
    const bid = await carol.createOrder('BTC/USDT', 'limit', 'buy', '0.5', '99.96');
    venue.advanceTo(T0 + 2000);
    const done = await carol.fetchOrder(bid.id!);
    expect([done.status, done.info.filled, done.info.average]).toEqual(['closed', '0.5', '99.96']);
    // the snapshot's 0.8 ask lost the 0.5 that traded with carol
    expect(venue.orderBook('BTC/USDT').asks[0]).toEqual(['99.95', '0.3']);
  });

  it('does not fill orders priced away from the prints', async () => {
    const venue = replayVenue();
    venue.advanceTo(T0);
    const order = await venue.connect('alice').createOrder('BTC/USDT', 'limit', 'buy', '0.5', '99.5');
    venue.advanceTo(T0 + 3000);
    expect((await venue.connect('alice').fetchOrder(order.id!)).info.filled).toBe('0');
  });

  it('reports malformed lines with their line number', () => {
    expect(() => parseReplay('{"ts":1,"type":"book","symbol":"BTC/USDT","bids":[],"asks":[]}\n{"ts":2,"type":"quote"}', 'jsonl', 'x.jsonl')).toThrow(
      new ReplayFormatError('x.jsonl:2: symbol must look like "BASE/QUOTE", got undefined'),
    );
    expect(() => parseReplay('ts,type,symbol,side,price,amount\n1,trade,BTC/USDT,buy,abc,1', 'csv', 'x.csv')).toThrow(
      'x.csv:2 price is not a decimal number: "abc"',
    );
    expect(() => parseReplay('time,kind\n', 'csv', 'x.csv')).toThrow('x.csv:1: header must be "ts,type,symbol,side,price,amount"');
  });

  it('refuses to both simulate and replay one market', () => {
    expect(
      () => new PaperVenue({ markets: [{ ...BTC_USDT, simulation: { initialPrice: '100' } }], replay: JSONL }),
    ).toThrow('has both a simulation and replay data');
  });
});

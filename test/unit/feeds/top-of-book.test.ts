import { OrderBookSynchronizer, topOfBook } from '../../../lib/feeds';

describe('topOfBook', () => {
  it('gives best prices, sizes, exact mid and spread as decimal strings', () => {
    expect(topOfBook({ bids: [['100.10', '2'], ['100', '1']], asks: [['100.20', '1.50']] })).toEqual({
      bid: '100.1',
      ask: '100.2',
      mid: '100.15',
      bidSize: '2',
      askSize: '1.5',
      spread: '0.1',
    });
  });

  it('keeps the mid exact when it needs one more decimal than the prices', () => {
    expect(topOfBook({ bids: [['30000.01', '1']], asks: [['30000.02', '1']] }).mid).toBe('30000.015');
    expect(topOfBook({ bids: [['0.000000000000000001', '1']], asks: [['0.000000000000000002', '1']] }).mid).toBe('0.0000000000000000015');
    expect(topOfBook({ bids: [[0.1, 1]], asks: [[0.2, 1]] })).toMatchObject({ mid: '0.15', spread: '0.1' });
  });

  it('reports null for an empty side', () => {
    expect(topOfBook({ bids: [], asks: [['5', '1']] })).toEqual({ bid: null, ask: '5', mid: null, bidSize: null, askSize: '1', spread: null });
  });

  it('reads a synchronized book', () => {
    const sync = new OrderBookSynchronizer();
    sync.applySnapshot({ lastUpdateId: 1, bids: [['99.9', '3'], ['99.95', '1']], asks: [['100.05', '2']] });
    expect(topOfBook(sync.top(1))).toMatchObject({ bid: '99.95', ask: '100.05', mid: '100', spread: '0.1' });
  });
});

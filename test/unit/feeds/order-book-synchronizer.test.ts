import { BookFormatError, DepthDiff, fromBinanceDepthEvent, OrderBookSynchronizer } from '../../../lib/feeds';

const snapshot = {
  lastUpdateId: 100,
  bids: [
    ['100.10', '1.000'],
    ['100.00', '2'],
  ] as Array<[string, string]>,
  asks: [
    ['100.20', '1.5'],
    ['100.30', '3'],
  ] as Array<[string, string]>,
};

function diff(U: number, u: number, bids: Array<[string, string]> = [], asks: Array<[string, string]> = []): DepthDiff {
  return { U, u, bids, asks };
}

function syncedAt100(): OrderBookSynchronizer {
  const sync = new OrderBookSynchronizer();
  expect(sync.applySnapshot(snapshot)).toEqual({ kind: 'synced', lastUpdateId: 100, applied: 0, dropped: 0 });
  return sync;
}

describe('OrderBookSynchronizer', () => {
  it('applies a snapshot then diffs, removing levels whose amount is 0 and keeping both sides sorted', () => {
    const sync = syncedAt100();
    expect(sync.state).toBe('synced');
    expect(sync.applyUpdate(diff(101, 102, [['100.10', '0'], ['100.05', '0.7']], [['100.25', '4'], ['100.99', '0']]))).toEqual({
      kind: 'applied',
      lastUpdateId: 102,
    });
    expect(sync.applyUpdate(diff(103, 103, [['99.5', '10'], ['100.00', '2.5']]))).toEqual({ kind: 'applied', lastUpdateId: 103 });
    expect(sync.top()).toEqual({
      bids: [
        ['100.05', '0.7'],
        ['100', '2.5'],
        ['99.5', '10'],
      ],
      asks: [
        ['100.2', '1.5'],
        ['100.25', '4'],
        ['100.3', '3'],
      ],
      lastUpdateId: 103,
    });
    expect(sync.top(1)).toEqual({ bids: [['100.05', '0.7']], asks: [['100.2', '1.5']], lastUpdateId: 103 });
  });

  it('buffers diffs until the snapshot arrives, then drops those it contains and applies the rest', () => {
    const sync = new OrderBookSynchronizer();
    expect(sync.state).toBe('awaiting-snapshot');
    expect(sync.applyUpdate(diff(95, 99, [['100.10', '9']]))).toEqual({ kind: 'buffered', buffered: 1 });
    expect(sync.applyUpdate(diff(100, 103, [['100.15', '0.2']]))).toEqual({ kind: 'buffered', buffered: 2 });
    expect(sync.applyUpdate(diff(104, 105, [], [['100.20', '0']]))).toEqual({ kind: 'buffered', buffered: 3 });
    expect(sync.top().bids).toEqual([]);

    expect(sync.applySnapshot({ ...snapshot, lastUpdateId: 101 })).toEqual({ kind: 'synced', lastUpdateId: 105, applied: 2, dropped: 1 });
    expect(sync.top()).toEqual({
      bids: [
        ['100.15', '0.2'],
        ['100.1', '1'],
        ['100', '2'],
      ],
      asks: [['100.3', '3']],
      lastUpdateId: 105,
    });
    expect(sync.buffered).toBe(0);
  });

  it('accepts a first live diff that starts before the snapshot and ends after it', () => {
    const sync = syncedAt100();
    expect(sync.applyUpdate(diff(98, 101, [['100.05', '1']]))).toEqual({ kind: 'applied', lastUpdateId: 101 });
    // after that one, overlapping is out of order
    expect(sync.applyUpdate(diff(101, 102))).toEqual({ kind: 'gap', expected: 102, got: 101 });
  });

  it('drops a diff the book already contains', () => {
    const sync = syncedAt100();
    sync.applyUpdate(diff(101, 104));
    expect(sync.applyUpdate(diff(103, 104, [['100.10', '0']]))).toEqual({ kind: 'stale', finalUpdateId: 104, lastUpdateId: 104 });
    expect(sync.applyUpdate(diff(90, 100, [['100.10', '0']]))).toMatchObject({ kind: 'stale' });
    expect(sync.top(1).bids).toEqual([['100.1', '1']]);
    expect(sync.state).toBe('synced');
  });

  it('reports a gap with the expected and received ids and asks for a resync', () => {
    const sync = syncedAt100();
    sync.applyUpdate(diff(101, 105));
    expect(sync.applyUpdate(diff(107, 110, [['100.12', '1']]))).toEqual({ kind: 'gap', expected: 106, got: 107 });
    expect(sync.state).toBe('resyncing');
    expect(sync.needsSnapshot).toBe(true);
    expect(sync.lastUpdateId).toBeUndefined();
    expect(sync.top()).toEqual({ bids: [], asks: [], lastUpdateId: undefined });
    expect(sync.resyncs).toBe(1);
    // the diff that revealed the gap is kept for the next snapshot; later ones are buffered again
    expect(sync.buffered).toBe(1);
    expect(sync.applyUpdate(diff(111, 112, [], [['100.40', '5']]))).toEqual({ kind: 'buffered', buffered: 2 });
  });

  it('reports a gap when the snapshot is older than the first buffered diff', () => {
    const sync = new OrderBookSynchronizer();
    sync.applyUpdate(diff(105, 107));
    sync.applyUpdate(diff(108, 109));
    expect(sync.applySnapshot(snapshot)).toEqual({ kind: 'gap', expected: 101, got: 105 });
    expect(sync.state).toBe('resyncing');
    expect(sync.buffered).toBe(2);
    expect(sync.applySnapshot({ ...snapshot, lastUpdateId: 106 })).toEqual({ kind: 'synced', lastUpdateId: 109, applied: 2, dropped: 0 });
  });

  it('recovers with a new snapshot after a gap', () => {
    const sync = syncedAt100();
    sync.applyUpdate(diff(101, 105));
    sync.applyUpdate(diff(107, 110, [['100.12', '1']]));
    sync.applyUpdate(diff(111, 112, [], [['100.40', '5']]));

    expect(sync.applySnapshot({ lastUpdateId: 108, bids: [['100.11', '3']], asks: [['100.30', '2']] })).toEqual({
      kind: 'synced',
      lastUpdateId: 112,
      applied: 2,
      dropped: 0,
    });
    expect(sync.state).toBe('synced');
    expect(sync.top()).toEqual({
      bids: [
        ['100.12', '1'],
        ['100.11', '3'],
      ],
      asks: [
        ['100.3', '2'],
        ['100.4', '5'],
      ],
      lastUpdateId: 112,
    });
    expect(sync.applyUpdate(diff(113, 113))).toEqual({ kind: 'applied', lastUpdateId: 113 });
  });

  it('treats a crossed book as corruption and resyncs', () => {
    const sync = syncedAt100();
    expect(sync.applyUpdate(diff(101, 101, [['100.20', '1']]))).toEqual({ kind: 'crossed', bestBid: '100.2', bestAsk: '100.2' });
    expect(sync.state).toBe('resyncing');
    expect(sync.top().bids).toEqual([]);

    const fresh = new OrderBookSynchronizer();
    expect(fresh.applySnapshot({ lastUpdateId: 1, bids: [['101', '1']], asks: [['100.5', '1']] })).toEqual({
      kind: 'crossed',
      bestBid: '101',
      bestAsk: '100.5',
    });
    expect(fresh.needsSnapshot).toBe(true);
  });

  it('resyncs on request (stream reconnected) and buffers until the next snapshot', () => {
    const sync = syncedAt100();
    sync.resync();
    expect(sync.state).toBe('resyncing');
    expect(sync.applyUpdate(diff(101, 101))).toEqual({ kind: 'buffered', buffered: 1 });
  });

  it('keeps at most maxBuffered diffs, dropping the oldest', () => {
    const sync = new OrderBookSynchronizer({ maxBuffered: 2 });
    sync.applyUpdate(diff(101, 101));
    sync.applyUpdate(diff(102, 102));
    expect(sync.applyUpdate(diff(103, 103))).toEqual({ kind: 'buffered', buffered: 2 });
    expect(sync.applySnapshot(snapshot)).toEqual({ kind: 'gap', expected: 101, got: 102 });
  });

  it('reads ccxt snapshots (nonce, numbers) and Binance depthUpdate events', () => {
    const sync = new OrderBookSynchronizer();
    sync.applyUpdate(fromBinanceDepthEvent({ e: 'depthUpdate', E: 1, s: 'BTCUSDT', U: 8, u: 12, b: [['0.1', '3']], a: [] }));
    expect(sync.applySnapshot({ nonce: 10, bids: [[0.2, 1]], asks: [[0.3, 0.25]] })).toMatchObject({ kind: 'synced', lastUpdateId: 12 });
    expect(sync.top()).toMatchObject({ bids: [['0.2', '1'], ['0.1', '3']], asks: [['0.3', '0.25']] });
  });

  it('rejects malformed messages naming the field', () => {
    const sync = syncedAt100();
    expect(() => sync.applyUpdate(diff(110, 101))).toThrow('U must not exceed u, got U=110 u=101');
    expect(() => sync.applyUpdate(diff(101, 101, [['abc', '1']]))).toThrow(BookFormatError);
    expect(() => sync.applyUpdate(diff(101, 101, [], [['1', '-2']]))).toThrow('asks[0][1] must not be negative, got "-2"');
    expect(() => sync.applySnapshot({ bids: [], asks: [] })).toThrow('nonce must be a non-negative integer update id');
    expect(sync.lastUpdateId).toBe(100);
  });
});

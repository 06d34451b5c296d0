import { StalenessTracker } from '../../../lib/feeds';

describe('StalenessTracker', () => {
  it('reports a stale market once per episode, then fresh when updates resume', () => {
    const tracker = new StalenessTracker({ thresholdMs: 5000 });
    tracker.record('binance:BTC/USDT', 1000);
    tracker.record('binance:ETH/USDT', 1000);
    tracker.record('binance:ETH/USDT', 4000);

    expect(tracker.check(6000)).toEqual({ stale: [], fresh: [] });
    expect(tracker.check(6001)).toEqual({ stale: [{ market: 'binance:BTC/USDT', lastUpdate: 1000, ageMs: 5001 }], fresh: [] });
    expect(tracker.isStale('binance:BTC/USDT')).toBe(true);
    expect(tracker.check(7000)).toEqual({ stale: [], fresh: [] });
    expect(tracker.check(9001)).toEqual({ stale: [{ market: 'binance:ETH/USDT', lastUpdate: 4000, ageMs: 5001 }], fresh: [] });
    expect(tracker.check(20000)).toEqual({ stale: [], fresh: [] });

    tracker.record('binance:BTC/USDT', 21000);
    expect(tracker.check(21500)).toEqual({ stale: [], fresh: [{ market: 'binance:BTC/USDT', lastUpdate: 21000, silentForMs: 20000 }] });
    expect(tracker.isStale('binance:BTC/USDT')).toBe(false);
    expect(tracker.check(22000)).toEqual({ stale: [], fresh: [] });

    // a second episode is a new report
    expect(tracker.check(26001).stale).toEqual([{ market: 'binance:BTC/USDT', lastUpdate: 21000, ageMs: 5001 }]);
  });

  it('reports a watched market that never sent an update', () => {
    const tracker = new StalenessTracker({ thresholdMs: 1000 });
    tracker.watch('okx:BTC/USDT', 0);
    tracker.watch('okx:SOL/USDT', 0, 3000);
    expect(tracker.check(1001).stale).toEqual([{ market: 'okx:BTC/USDT', lastUpdate: null, ageMs: 1001 }]);
    expect(tracker.check(3001).stale).toEqual([{ market: 'okx:SOL/USDT', lastUpdate: null, ageMs: 3001 }]);
    tracker.record('okx:BTC/USDT', 4000);
    expect(tracker.check(4000).fresh).toEqual([{ market: 'okx:BTC/USDT', lastUpdate: 4000, silentForMs: 4000 }]);
  });

  it('does not end an episode with an update that is itself too old', () => {
    const tracker = new StalenessTracker({ thresholdMs: 1000 });
    tracker.record('m', 0);
    expect(tracker.check(2000).stale).toHaveLength(1);
    tracker.record('m', 500);
    expect(tracker.check(3000)).toEqual({ stale: [], fresh: [] });
    expect(tracker.isStale('m')).toBe(true);
  });

  it('forgets unwatched markets', () => {
    const tracker = new StalenessTracker({ thresholdMs: 1000 });
    tracker.record('m', 0);
    tracker.unwatch('m');
    expect(tracker.check(5000)).toEqual({ stale: [], fresh: [] });
  });
});

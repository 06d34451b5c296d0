import { Backoff } from '../../../lib/feeds';

describe('Backoff', () => {
  it('grows exponentially up to the cap and starts over after a reset', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000, factor: 2, jitter: 0.5, random: () => 0 });
    const delays = Array.from({ length: 9 }, () => backoff.next());
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(backoff.attempts).toBe(9);
    backoff.reset();
    expect(backoff.attempts).toBe(0);
    expect(backoff.next()).toBe(500);
  });

  it('takes up to `jitter` of each delay away using the injected random', () => {
    const draws = [0.5, 0.5, 0.25, 0.9, 0.999];
    const half = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 0.5, random: () => draws.shift()! });
    expect([half.next(), half.next()]).toEqual([750, 1500]);
    const full = new Backoff({ initialMs: 1000, maxMs: 4000, jitter: 1, random: () => draws.shift()! });
    expect([full.next(), full.next(), full.next()]).toEqual([750, 200, 4]);
  });

  it('never exceeds the cap even after many attempts', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0, random: () => 0.7 });
    for (let i = 0; i < 2000; i++) backoff.next();
    expect(backoff.next()).toBe(1000);
  });

  it('rejects nonsensical options', () => {
    expect(() => new Backoff({ initialMs: 0 })).toThrow('initialMs must be positive');
    expect(() => new Backoff({ initialMs: 1000, maxMs: 10 })).toThrow('maxMs must be at least initialMs');
    expect(() => new Backoff({ jitter: 2 })).toThrow('jitter must be between 0 and 1');
  });
});

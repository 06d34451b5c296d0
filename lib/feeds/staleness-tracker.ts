export interface StaleReport {
  market: string;
  /** time of the last update, or null when none ever arrived since watch() */
  lastUpdate: number | null;
  ageMs: number;
}

export interface FreshReport {
  market: string;
  lastUpdate: number;
  /** time between the update before the stale episode (or watch()) and the one that ended it */
  silentForMs: number;
}

export interface StalenessCheck {
  /** markets that went stale since the last check: each stale episode is reported once */
  stale: StaleReport[];
  /** markets reported stale that have received an update since */
  fresh: FreshReport[];
}

interface MarketClock {
  thresholdMs: number;
  /** last update, or the watch() time until one arrives */
  since: number;
  updated: boolean;
  reportedStale: boolean;
  /** `since` when the episode was reported, to measure the silence once it ends */
  staleSince: number;
  resumed: boolean;
}

/** Per market last-update times, turned into one stale and one fresh transition per episode. */
export class StalenessTracker {
  private readonly markets = new Map<string, MarketClock>();

  constructor(private readonly options: { thresholdMs: number }) {
    if (!(options.thresholdMs > 0)) throw new RangeError('thresholdMs must be positive');
  }

  /** Starts expecting updates, so a market that never sends one still goes stale. */
  watch(market: string, now: number, thresholdMs = this.options.thresholdMs): void {
    const existing = this.markets.get(market);
    if (existing) {
      existing.thresholdMs = thresholdMs;
      return;
    }
    this.markets.set(market, { thresholdMs, since: now, updated: false, reportedStale: false, staleSince: now, resumed: false });
  }

  unwatch(market: string): void {
    this.markets.delete(market);
  }

  record(market: string, at: number): void {
    if (!this.markets.has(market)) this.watch(market, at);
    const clock = this.markets.get(market)!;
    if (at < clock.since && clock.updated) return;
    clock.since = at;
    clock.updated = true;
    if (clock.reportedStale) clock.resumed = true;
  }

  isStale(market: string): boolean {
    return this.markets.get(market)?.reportedStale ?? false;
  }

  check(now: number): StalenessCheck {
    const result: StalenessCheck = { stale: [], fresh: [] };
    for (const [market, clock] of this.markets) {
      const ageMs = now - clock.since;
      const tooOld = ageMs > clock.thresholdMs;
      if (clock.resumed) {
        clock.resumed = false;
        // an update that is itself already too old does not end the episode
        if (!tooOld) {
          clock.reportedStale = false;
          result.fresh.push({ market, lastUpdate: clock.since, silentForMs: clock.since - clock.staleSince });
        }
      }
      if (tooOld && !clock.reportedStale) {
        clock.reportedStale = true;
        clock.staleSince = clock.since;
        result.stale.push({ market, lastUpdate: clock.updated ? clock.since : null, ageMs });
      }
    }
    return result;
  }
}

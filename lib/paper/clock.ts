/** Simulated time in epoch milliseconds. The venue moves it; nothing reads the wall clock. */
export interface Clock {
  now(): number;
}

/** A clock the venue can move forward; inject your own to share simulated time with a backtest. */
export interface SettableClock extends Clock {
  set(timestamp: number): void;
}

export class ManualClock implements SettableClock {
  constructor(private current: number = 0) {
    if (!Number.isSafeInteger(current)) throw new RangeError(`clock start must be an integer of milliseconds, got ${current}`);
  }

  now(): number {
    return this.current;
  }

  set(timestamp: number): void {
    if (timestamp < this.current) throw new RangeError(`simulated time cannot go back from ${this.current} to ${timestamp}`);
    this.current = timestamp;
  }
}

/** Something that acts at scheduled simulated times (price moves, background traders, replay). */
export interface SimulationSource {
  /** time of the next action, or undefined when the source has nothing more to do */
  nextTime(): number | undefined;
  /** performs the action due at `nextTime()` and schedules the following one */
  fire(now: number): void;
}

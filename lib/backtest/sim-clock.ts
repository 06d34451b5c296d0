/**
 * The bot's clock in a backtest: `now` is the paper venue's simulated time, and timers fire
 * when the backtest loop moves simulated time past them — never on the wall clock.
 */
import type { BotClock } from "../market-maker/bot";

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

export class SimulatedTimers implements BotClock {
  private readonly timers = new Map<number, Timer>();
  private seq = 0;

  constructor(private readonly time: () => number) {}

  now(): number {
    return this.time();
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { id, due: this.time() + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** When the earliest timer is due, undefined without timers. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const t of this.timers.values()) if (next === undefined || t.due < next) next = t.due;
    return next;
  }

  /** Runs every timer due at or before `now`, earliest first (ties: set order), including ones they set. */
  fireDue(now: number): number {
    let fired = 0;
    for (;;) {
      let first: Timer | undefined;
      for (const t of this.timers.values()) if (t.due <= now && (!first || t.due < first.due || (t.due === first.due && t.id < first.id))) first = t;
      if (!first) return fired;
      this.timers.delete(first.id);
      first.fn();
      fired++;
    }
  }
}

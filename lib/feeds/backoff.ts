export interface BackoffOptions {
  /** first delay, ms (default 500) */
  initialMs?: number;
  /** cap, ms (default 30 000) */
  maxMs?: number;
  /** growth per attempt (default 2) */
  factor?: number;
  /** fraction of each delay that is randomized away: 0 = none, 1 = "full jitter" (default 0.5) */
  jitter?: number;
  /** returns [0, 1); injected so schedules are reproducible in tests */
  random?: () => number;
}

/**
 * Reconnect delays: initialMs × factor^attempt, capped at maxMs, then reduced by up to
 * `jitter` of itself so that many feeds reconnecting at once spread out. reset() on success.
 */
export class Backoff {
  private attempt = 0;
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly factor: number;
  private readonly jitter: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 500;
    this.maxMs = options.maxMs ?? 30_000;
    this.factor = options.factor ?? 2;
    this.jitter = options.jitter ?? 0.5;
    this.random = options.random ?? Math.random;
    if (!(this.initialMs > 0)) throw new RangeError('initialMs must be positive');
    if (!(this.maxMs >= this.initialMs)) throw new RangeError('maxMs must be at least initialMs');
    if (!(this.factor >= 1)) throw new RangeError('factor must be at least 1');
    if (!(this.jitter >= 0 && this.jitter <= 1)) throw new RangeError('jitter must be between 0 and 1');
  }

  /** attempts since the last reset */
  get attempts(): number {
    return this.attempt;
  }

  /** Delay before the next attempt, in whole ms. */
  next(): number {
    const capped = Math.min(this.maxMs, this.initialMs * this.factor ** this.attempt);
    this.attempt += 1;
    return Math.round(capped * (1 - this.jitter * this.random()));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/**
 * The market-maker side of the exchange's dead man's switch (ccxt `cancelAllOrdersAfter`,
 * sent through `cex.cancelAllAfter`): while a bot quotes an exchange from this node, the switch
 * is armed and re-armed every timeout/4, so if this node dies (kill -9, lost network) the
 * exchange cancels the resting quotes within the timeout. The switch is per exchange account,
 * not per bot: one switch per exchange here, held by every bot quoting there (the shortest
 * timeout wins), disarmed when the last one stops having cancelled its orders. A bot that
 * stops with orders it could not cancel leaves it armed: the exchange cancels them.
 *
 * Bots on other nodes quoting the same account keep re-arming it themselves: a disarm from
 * here lasts at most their refresh period. An exchange without the switch (501 NOT_SUPPORTED)
 * is not asked again.
 */
export interface DeadManOptions {
  /** Arms (timeoutMs > 0) or disarms (0) the exchange's switch; rejects with `{ type: "NOT_SUPPORTED" }` where it has none. */
  arm(exchange: string, timeoutMs: number): Promise<unknown>;
  warn(message: string): void;
  setInterval?(fn: () => void, ms: number): unknown;
  clearInterval?(handle: unknown): void;
}

interface ExchangeSwitch {
  holders: Map<string, number>;
  timeoutMs: number;
  timer: unknown;
  /** arm calls in order, never two at once */
  chain: Promise<void>;
}

const isNotSupported = (err: unknown) => (err as { type?: string })?.type === "NOT_SUPPORTED";

export class DeadManSwitches {
  private readonly switches = new Map<string, ExchangeSwitch>();
  private readonly unsupported = new Set<string>();
  private readonly setIntervalFn: (fn: () => void, ms: number) => unknown;
  private readonly clearIntervalFn: (handle: unknown) => void;

  constructor(private readonly options: DeadManOptions) {
    this.setIntervalFn =
      options.setInterval ??
      ((fn, ms) => {
        const t = setInterval(fn, ms);
        t.unref?.();
        return t;
      });
    this.clearIntervalFn = options.clearInterval ?? ((h) => clearInterval(h as NodeJS.Timeout));
  }

  /** Whether the exchange's switch is armed from here (held by a bot and supported). */
  armed(exchange: string): boolean {
    return this.switches.has(exchange) && !this.unsupported.has(exchange);
  }

  /** The timeout the exchange's switch is refreshed with, or null. */
  timeoutOf(exchange: string): number | null {
    return this.armed(exchange) ? (this.switches.get(exchange) as ExchangeSwitch).timeoutMs : null;
  }

  /** `holder` (a bot) quotes `exchange` with this timeout: resolves once the switch is armed (or known unsupported). */
  async acquire(exchange: string, holder: string, timeoutMs: number): Promise<void> {
    if (!(timeoutMs > 0) || this.unsupported.has(exchange)) return;
    let sw = this.switches.get(exchange);
    if (!sw) {
      sw = { holders: new Map(), timeoutMs, timer: null, chain: Promise.resolve() };
      this.switches.set(exchange, sw);
    }
    sw.holders.set(holder, timeoutMs);
    await this.rearm(exchange, sw);
  }

  /**
   * `holder` stopped quoting `exchange`. The last holder disarms the switch when `disarm` (its
   * orders are cancelled); otherwise the refreshing just stops and the exchange cancels at the timeout.
   */
  async release(exchange: string, holder: string, disarm: boolean): Promise<void> {
    const sw = this.switches.get(exchange);
    if (!sw || !sw.holders.delete(holder)) return;
    if (sw.holders.size > 0) {
      await this.rearm(exchange, sw);
      return;
    }
    this.clearIntervalFn(sw.timer);
    this.switches.delete(exchange);
    if (disarm && !this.unsupported.has(exchange)) await this.send(exchange, sw, 0);
    else await sw.chain;
  }

  /** Stops every refresh without disarming (the exchanges cancel at their timeouts). */
  close(): void {
    for (const sw of this.switches.values()) this.clearIntervalFn(sw.timer);
    this.switches.clear();
  }

  /** Arms now with the shortest timeout of the holders and refreshes every timeout/4. */
  private async rearm(exchange: string, sw: ExchangeSwitch): Promise<void> {
    const timeoutMs = Math.min(...sw.holders.values());
    const changed = sw.timer === null || timeoutMs !== sw.timeoutMs;
    sw.timeoutMs = timeoutMs;
    if (changed) {
      if (sw.timer !== null) this.clearIntervalFn(sw.timer);
      sw.timer = this.setIntervalFn(() => void this.send(exchange, sw, sw.timeoutMs), Math.max(1, Math.floor(timeoutMs / 4)));
    }
    await this.send(exchange, sw, timeoutMs);
  }

  private send(exchange: string, sw: ExchangeSwitch, timeoutMs: number): Promise<void> {
    sw.chain = sw.chain.then(async () => {
      if (this.unsupported.has(exchange)) return;
      try {
        await this.options.arm(exchange, timeoutMs);
      } catch (err) {
        if (isNotSupported(err)) {
          this.unsupported.add(exchange);
          this.clearIntervalFn(sw.timer);
          this.options.warn(`${exchange} has no dead man's switch (cancelAllOrdersAfter): bots there quote without one`);
          return;
        }
        this.options.warn(`dead man's switch on ${exchange} ${timeoutMs === 0 ? "not disarmed" : "not re-armed"}: ${(err as Error).message}`);
      }
    });
    return sw.chain;
  }
}

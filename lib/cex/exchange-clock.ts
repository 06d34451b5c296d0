/**
 * The exchange's clock as seen from this machine. Signed requests carry a timestamp the
 * exchange checks against its own clock (Binance: -1021 when it is more than 1000 ms ahead
 * or older than recvWindow), so a machine clock a few seconds off fails every signed call.
 *
 * ccxt keeps the correction in `options.timeDifference` (local − exchange, ms) and
 * subtracts it in `nonce()` on the exchanges that support it (binance, bybit, okx, kucoin,
 * gate, htx, …; see `supportsTimeSync`). ExchangeClock measures the offset at start and
 * every `intervalMs` — the midpoint of a `fetchTime` round trip, so a slow answer does
 * not skew it by the whole latency (ccxt's loadTimeDifference takes the end) — and writes
 * it there. `installClockSync` resyncs on ccxt's InvalidNonce and retries that request
 * ONCE, and only a request that is safe to send twice: a read, a cancel, or a create that
 * carries a client order id (placement.ts always sends one, and the exchange refused the
 * first attempt before acting on it).
 */

export interface ClockClient {
  has: Record<string, unknown>;
  options: Record<string, unknown>;
  fetchTime?(): Promise<number | undefined>;
  fetch2(...args: unknown[]): Promise<unknown>;
}

/** Whether the ccxt exchange applies `options.timeDifference` to its signatures and can tell its time. */
export function supportsTimeSync(client: unknown): client is ClockClient {
  const c = client as Partial<ClockClient> | null;
  return !!c && typeof c.options?.timeDifference === "number" && !!c.has?.fetchTime && typeof c.fetchTime === "function";
}

function isInvalidNonce(err: unknown): boolean {
  let proto = err && typeof err === "object" ? Object.getPrototypeOf(err) : null;
  while (proto && proto !== Object.prototype) {
    if (proto.constructor?.name === "InvalidNonce") return true;
    proto = Object.getPrototypeOf(proto);
  }
  return false;
}

const CLIENT_ORDER_ID_PARAM = /^(new|orig)?client_?o(rder_?)?id$|^clOrdId$|^text$/i;

/** ccxt's fetch2(path, api, method, params, …): whether sending this request twice cannot act twice. */
export function isSafeToRetry(args: unknown[]): boolean {
  const method = String(args[2] ?? "GET").toUpperCase();
  if (method === "GET" || method === "HEAD" || method === "DELETE") return true;
  const params = args[3];
  return !!params && typeof params === "object" && Object.entries(params).some(([k, v]) => CLIENT_ORDER_ID_PARAM.test(k) && v !== undefined && v !== "");
}

export interface ExchangeClockOptions {
  exchange: string;
  /** How often the offset is measured again; 0: only at start and after a -1021. */
  intervalMs: number;
  /** Called with exchange − local (ms; positive: the exchange's clock is ahead) after each measurement. */
  onOffset?(exchange: string, offsetMs: number): void;
  warn?(message: string): void;
}

export class ExchangeClock {
  private syncing: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** exchange − local, ms; null before the first measurement. */
  offsetMs: number | null = null;

  constructor(private readonly client: ClockClient, private readonly options: ExchangeClockOptions) {}

  /**
   * Measures the offset (one measurement at a time: concurrent callers share it) and applies it
   * to the client. With `samples` > 1 the sample with the shortest round trip is kept (the first
   * request on a new connection also pays for the connect, which skews its midpoint).
   */
  sync(samples = 1): Promise<number> {
    if (!this.syncing) {
      this.syncing = this.measure(samples).finally(() => {
        this.syncing = null;
      });
    }
    return this.syncing;
  }

  /** The first measurement (awaited; a failure is reported, not thrown) and the periodic ones. */
  async start(): Promise<void> {
    await this.sync(2).catch((err) => this.options.warn?.(`${this.options.exchange}: clock offset not measured yet: ${(err as Error).message}`));
    if (this.options.intervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.sync().catch((err) => this.options.warn?.(`${this.options.exchange}: clock offset not measured: ${(err as Error).message}`));
      }, this.options.intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async measure(samples: number): Promise<number> {
    let best: { rtt: number; offset: number } | null = null;
    for (let i = 0; i < samples; i++) {
      const sent = Date.now();
      const serverTime = await this.client.fetchTime!();
      const received = Date.now();
      if (typeof serverTime !== "number" || !Number.isFinite(serverTime)) throw new Error("the exchange did not tell its time");
      const sample = { rtt: received - sent, offset: Math.round(serverTime - (sent + received) / 2) };
      if (!best || sample.rtt < best.rtt) best = sample;
    }
    const offset = best!.offset;
    this.client.options.timeDifference = -offset; // ccxt: nonce() = now − timeDifference
    this.offsetMs = offset;
    this.options.onOffset?.(this.options.exchange, offset);
    return offset;
  }
}

/** Wraps the client's fetch2 (in place): an InvalidNonce answer resyncs the clock, then a safe request is sent once more. */
export function installClockSync(client: ClockClient, clock: ExchangeClock): void {
  const fetch2 = client.fetch2.bind(client);
  client.fetch2 = async (...args: unknown[]) => {
    try {
      return await fetch2(...args);
    } catch (err) {
      if (!isInvalidNonce(err)) throw err;
      await clock.sync().catch(() => undefined); // the retry below reports what is still wrong
      if (!isSafeToRetry(args)) throw err;
      return fetch2(...args);
    }
  };
}

import { Backoff, type BackoffOptions } from '../feeds/backoff';
import type { LevelInput } from '../feeds/l2-book';

/** A book as a source delivers it: ccxt's OrderBook shape (numbers or decimal strings), best first. */
export interface SourceBook {
  bids: readonly LevelInput[];
  asks: readonly LevelInput[];
  /** exchange time of the book, ms; undefined when the venue gives none */
  timestamp?: number | null;
  nonce?: number | null;
}

export type SourceMode = 'ws' | 'rest' | 'paper';

/**
 * Where one market's books come from. `next()` resolves with the book after its next change
 * (websocket), after the next poll (REST) or the next venue event (paper); it rejects with the
 * venue's error. The watcher calls it again after every outcome, which is how ccxt.pro
 * reconnects (after a NetworkError) and re-snapshots (after a ChecksumError).
 */
export interface BookSource {
  readonly mode: SourceMode;
  next(): Promise<SourceBook>;
  /** Releases what this market holds (not a shared client); a pending next() may reject or stay pending. */
  stop?(): Promise<void> | void;
}

export type FailureKind = 'gap' | 'network' | 'error';

/** Names along an error's prototype chain: ccxt's classes without importing ccxt. */
function classNames(error: unknown): string[] {
  const names: string[] = [];
  let proto = error !== null && typeof error === 'object' ? Object.getPrototypeOf(error) : null;
  while (proto && proto !== Object.prototype) {
    const name = proto.constructor?.name;
    if (typeof name === 'string') names.push(name);
    proto = Object.getPrototypeOf(proto);
  }
  return names;
}

/**
 * ccxt's InvalidNonce family (ChecksumError included): the book lost sync — call again and
 * ccxt re-snapshots. Its NetworkError family (RequestTimeout, ExchangeNotAvailable,
 * DDoSProtection, ...): reconnect after a backoff. Anything else: retry after a backoff too.
 */
export function classifyFailure(error: unknown): FailureKind {
  const names = classNames(error);
  if (names.includes('InvalidNonce') || names.includes('ChecksumError')) return 'gap';
  if (names.includes('NetworkError')) return 'network';
  return 'error';
}

export type WatcherState = 'idle' | 'connecting' | 'live' | 'resyncing' | 'backoff' | 'stopped';

export interface WatcherError {
  kind: FailureKind;
  type: string;
  message: string;
  at: number;
}

export interface WatcherStatus {
  exchange: string;
  symbol: string;
  mode: SourceMode;
  state: WatcherState;
  updates: number;
  reconnects: number;
  resyncs: number;
  errors: number;
  lastUpdate: number | null;
  lastError: WatcherError | null;
}

export interface WatcherLog {
  level: 'info' | 'warn' | 'debug';
  message: string;
}

export interface FeedWatcherOptions {
  exchange: string;
  symbol: string;
  source: BookSource;
  onBook: (book: SourceBook, receivedAt: number) => void;
  onLog?: (log: WatcherLog) => void;
  backoff?: Backoff | BackoffOptions;
  /** consecutive gaps retried at once; beyond this a gap waits a backoff delay too */
  immediateResyncs?: number;
  /** how long stop() waits for a watch that is re-snapshotting after a gap to settle */
  resyncGraceMs?: number;
  now?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

function describe(error: unknown): { type: string; message: string } {
  if (error instanceof Error) return { type: error.constructor?.name || error.name, message: error.message };
  return { type: typeof error, message: String(error) };
}

/**
 * One market's feed loop over an injected source: next() → onBook; a gap is counted as a
 * resync and retried at once (the source re-snapshots); a network error waits a Backoff delay
 * and counts a reconnect; the backoff resets after each book. No broker, no ccxt.
 */
export class FeedWatcher {
  readonly exchange: string;
  readonly symbol: string;
  private readonly source: BookSource;
  private readonly onBook: FeedWatcherOptions['onBook'];
  private readonly onLog: NonNullable<FeedWatcherOptions['onLog']>;
  private readonly backoff: Backoff;
  private readonly immediateResyncs: number;
  private readonly resyncGraceMs: number;
  private readonly now: () => number;
  private readonly sleep: NonNullable<FeedWatcherOptions['sleep']>;
  private readonly abort = new AbortController();

  private state: WatcherState = 'idle';
  private updates = 0;
  private reconnects = 0;
  private resyncs = 0;
  private errors = 0;
  private consecutiveGaps = 0;
  private lastUpdate: number | null = null;
  private lastError: WatcherError | null = null;
  private inflight: Promise<unknown> | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;

  constructor(options: FeedWatcherOptions) {
    this.exchange = options.exchange;
    this.symbol = options.symbol;
    this.source = options.source;
    this.onBook = options.onBook;
    this.onLog = options.onLog ?? (() => undefined);
    this.backoff = options.backoff instanceof Backoff ? options.backoff : new Backoff(options.backoff);
    this.immediateResyncs = options.immediateResyncs ?? 3;
    this.resyncGraceMs = options.resyncGraceMs ?? 2_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
  }

  get market(): string {
    return `${this.exchange}:${this.symbol}`;
  }

  /** When the source last delivered anything (a book, changed or not), or null. */
  get lastMessageAt(): number | null {
    return this.lastUpdate;
  }

  status(): WatcherStatus {
    return {
      exchange: this.exchange,
      symbol: this.symbol,
      mode: this.source.mode,
      state: this.state,
      updates: this.updates,
      reconnects: this.reconnects,
      resyncs: this.resyncs,
      errors: this.errors,
      lastUpdate: this.lastUpdate,
      lastError: this.lastError,
    };
  }

  start(): void {
    if (this.loop || this.stopping) return;
    this.state = 'connecting';
    this.loop = this.run();
  }

  /**
   * Ends the loop. A watch that is re-snapshotting after a gap is given `resyncGraceMs` to
   * settle first: closing ccxt.pro's socket in the middle of its re-subscription makes it
   * send on a closed socket. A watch merely waiting for the next update is abandoned.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.loop ?? undefined;
    const wasResyncing = this.state === 'resyncing';
    this.stopping = true;
    this.abort.abort();
    if (wasResyncing && this.inflight) await this.settled(this.inflight, this.resyncGraceMs);
    this.state = 'stopped';
    try {
      await this.source.stop?.();
    } catch (error) {
      this.onLog({ level: 'debug', message: `${this.market}: source stop failed: ${describe(error).message}` });
    }
    // the loop ends as soon as the pending watch settles; a watch that never does is left behind
    if (this.loop) await this.settled(this.loop, 0);
  }

  /** Resolves when `promise` settles or after `ms`, whichever is first. */
  private settled(promise: Promise<unknown>, ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      timer.unref?.();
      promise.then(
        () => (clearTimeout(timer), resolve()),
        () => (clearTimeout(timer), resolve()),
      );
    });
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      let book: SourceBook;
      try {
        const pending = this.source.next();
        this.inflight = pending;
        pending.catch(() => undefined); // observed below; never an unhandled rejection once abandoned
        book = await pending;
      } catch (error) {
        if (this.stopping) break;
        await this.failed(error);
        continue;
      } finally {
        this.inflight = null;
      }
      if (this.stopping) break;
      const receivedAt = this.now();
      if (this.state !== 'live') this.onLog({ level: 'info', message: `${this.market}: live (${this.source.mode})` });
      this.state = 'live';
      this.consecutiveGaps = 0;
      this.backoff.reset();
      this.updates += 1;
      this.lastUpdate = receivedAt;
      try {
        this.onBook(book, receivedAt);
      } catch (error) {
        this.onLog({ level: 'warn', message: `${this.market}: book handler failed: ${describe(error).message}` });
      }
    }
    this.state = 'stopped';
  }

  private async failed(error: unknown): Promise<void> {
    const kind = classifyFailure(error);
    const { type, message } = describe(error);
    this.errors += 1;
    this.lastError = { kind, type, message, at: this.now() };
    if (kind === 'gap') {
      this.resyncs += 1;
      this.consecutiveGaps += 1;
      this.state = 'resyncing';
      this.onLog({ level: 'warn', message: `${this.market}: book out of sync (${type}: ${message}); resyncing from a snapshot` });
      if (this.consecutiveGaps <= this.immediateResyncs) return;
    }
    const delay = this.backoff.next();
    if (kind !== 'gap') this.state = 'backoff';
    this.onLog({ level: 'warn', message: `${this.market}: ${type}: ${message}; retrying in ${delay} ms` });
    await this.sleep(delay, this.abort.signal);
    if (this.stopping) return;
    if (kind !== 'gap') {
      this.reconnects += 1;
      this.state = 'connecting';
    }
  }
}

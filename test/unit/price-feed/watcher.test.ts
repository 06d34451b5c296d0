import { Backoff } from "../../../lib/feeds";
import { FeedWatcher, classifyFailure, type BookSource, type SourceBook } from "../../../lib/price-feed";

// Stand-ins named like ccxt's classes: the watcher classifies by class name along the prototype chain.
class ExchangeError extends Error {}
class InvalidNonce extends ExchangeError {}
class ChecksumError extends InvalidNonce {}
class NetworkError extends Error {}
class RequestTimeout extends NetworkError {}
class BadSymbol extends ExchangeError {}

const BOOK: SourceBook = { bids: [["100", "1"]], asks: [["101", "2"]], timestamp: 1 };

interface Deferred {
  resolve(book: SourceBook): void;
  reject(error: unknown): void;
}

/** A source whose next() calls are answered one by one by the test. */
class ScriptedSource implements BookSource {
  readonly mode = "ws" as const;
  calls = 0;
  stopped = 0;
  private waiting: Deferred[] = [];
  private waiters: Array<() => void> = [];

  next(): Promise<SourceBook> {
    this.calls += 1;
    return new Promise<SourceBook>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  stop(): void {
    this.stopped += 1;
  }

  /** Waits until a next() call is pending, then answers it. */
  async pending(): Promise<Deferred> {
    while (this.waiting.length === 0) await new Promise<void>((r) => this.waiters.push(r));
    return this.waiting.shift()!;
  }

  get pendingCount(): number {
    return this.waiting.length;
  }
}

const flush = () => new Promise((r) => setImmediate(r));

function setup(options: { immediateResyncs?: number; resyncGraceMs?: number } = {}) {
  const source = new ScriptedSource();
  const books: SourceBook[] = [];
  const sleeps: number[] = [];
  const wakeups: Array<() => void> = [];
  const logs: string[] = [];
  const watcher = new FeedWatcher({
    exchange: "binance",
    symbol: "BTC/USDT",
    source,
    onBook: (book) => books.push(book),
    onLog: (l) => logs.push(`${l.level} ${l.message}`),
    backoff: new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 }),
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        sleeps.push(ms);
        wakeups.push(resolve);
        signal.addEventListener("abort", () => resolve());
      }),
    ...options,
  });
  const wake = async () => {
    while (wakeups.length === 0) await flush();
    wakeups.shift()!();
    await flush();
  };
  return { source, books, sleeps, wake, logs, watcher };
}

describe("classifyFailure", () => {
  it("InvalidNonce and ChecksumError are gaps, the NetworkError family is network, the rest are errors", () => {
    expect(classifyFailure(new ChecksumError("checksum"))).toBe("gap");
    expect(classifyFailure(new InvalidNonce("nonce"))).toBe("gap");
    expect(classifyFailure(new NetworkError("1006"))).toBe("network");
    expect(classifyFailure(new RequestTimeout("slow"))).toBe("network");
    expect(classifyFailure(new BadSymbol("nope"))).toBe("error");
    expect(classifyFailure("string")).toBe("error");
  });
});

describe("FeedWatcher", () => {
  it("delivers each book and counts updates; status starts connecting and becomes live", async () => {
    const { source, books, watcher } = setup();
    watcher.start();
    expect(watcher.status()).toMatchObject({ exchange: "binance", symbol: "BTC/USDT", mode: "ws", state: "connecting", updates: 0 });
    (await source.pending()).resolve(BOOK);
    (await source.pending()).resolve({ ...BOOK, bids: [["100.5", "1"]] });
    await source.pending().then((d) => source["waiting"].unshift(d)); // a third watch is pending
    expect(books).toHaveLength(2);
    expect(watcher.status()).toMatchObject({ state: "live", updates: 2, reconnects: 0, resyncs: 0, errors: 0, lastError: null });
    expect(watcher.status().lastUpdate).toEqual(expect.any(Number));
    await watcher.stop();
  });

  it("network error: waits the backoff delay, counts a reconnect, calls again; delays grow and reset after a book", async () => {
    const { source, books, sleeps, wake, watcher } = setup();
    watcher.start();
    (await source.pending()).resolve(BOOK);
    (await source.pending()).reject(new NetworkError("connection closed by remote server, closing code 1006"));
    await flush();
    expect(watcher.status()).toMatchObject({ state: "backoff", reconnects: 0, errors: 1, lastError: { kind: "network", type: "NetworkError" } });
    expect(source.pendingCount).toBe(0); // nothing is called during the delay
    await wake();
    expect(watcher.status()).toMatchObject({ state: "connecting", reconnects: 1 });
    (await source.pending()).reject(new RequestTimeout("again"));
    await wake();
    expect(sleeps).toEqual([100, 200]);
    (await source.pending()).resolve(BOOK);
    (await source.pending()).reject(new NetworkError("third"));
    await wake();
    expect(sleeps).toEqual([100, 200, 100]); // reset by the book in between
    expect(watcher.status()).toMatchObject({ reconnects: 3, updates: 2 });
    expect(books).toHaveLength(2);
    await watcher.stop();
  });

  it("checksum error: counts a resync and calls again at once (the source re-snapshots); repeated gaps back off", async () => {
    const { source, books, sleeps, wake, logs, watcher } = setup({ immediateResyncs: 2 });
    watcher.start();
    (await source.pending()).resolve(BOOK);
    (await source.pending()).reject(new ChecksumError("orderbook data checksum validation failed"));
    await flush();
    expect(watcher.status()).toMatchObject({ state: "resyncing", resyncs: 1, reconnects: 0, lastError: { kind: "gap", type: "ChecksumError" } });
    expect(sleeps).toEqual([]);
    expect(logs.some((l) => l.startsWith("warn binance:BTC/USDT: book out of sync (ChecksumError"))).toBe(true);
    (await source.pending()).resolve({ ...BOOK, bids: [["99", "3"]] });
    await flush();
    expect(books).toHaveLength(2);
    // three gaps in a row: the third waits a delay
    (await source.pending()).reject(new ChecksumError("1"));
    (await source.pending()).reject(new InvalidNonce("2"));
    (await source.pending()).reject(new ChecksumError("3"));
    await flush();
    expect(sleeps).toEqual([100]);
    await wake();
    (await source.pending()).resolve(BOOK);
    await flush();
    expect(watcher.status()).toMatchObject({ state: "live", resyncs: 4, reconnects: 0, updates: 3 });
    await watcher.stop();
  });

  it("stop during a pending watch: returns at once, calls source.stop, ignores the late answer, calls no more", async () => {
    const { source, books, watcher } = setup();
    watcher.start();
    const pending = await source.pending();
    const started = Date.now();
    await watcher.stop();
    expect(Date.now() - started).toBeLessThan(100);
    expect(source.stopped).toBe(1);
    expect(watcher.status().state).toBe("stopped");
    pending.resolve(BOOK);
    await flush();
    expect(books).toHaveLength(0);
    expect(source.calls).toBe(1);
    await watcher.stop(); // idempotent
    expect(source.stopped).toBe(1);
  });

  it("stop while re-snapshotting after a gap waits for that watch to settle before stopping the source", async () => {
    const { source, watcher } = setup({ resyncGraceMs: 5_000 });
    watcher.start();
    (await source.pending()).reject(new ChecksumError("gap"));
    const resync = await source.pending();
    let stopped = false;
    const stopping = watcher.stop().then(() => (stopped = true));
    await flush();
    expect(stopped).toBe(false);
    expect(source.stopped).toBe(0);
    resync.resolve(BOOK);
    await stopping;
    expect(source.stopped).toBe(1);
    expect(watcher.status().updates).toBe(0); // answered after stop: not delivered
  });

  it("stop during the backoff delay ends the loop without another call", async () => {
    const { source, watcher } = setup();
    watcher.start();
    (await source.pending()).reject(new NetworkError("down"));
    await flush();
    await watcher.stop();
    await flush();
    expect(source.calls).toBe(1);
    expect(watcher.status()).toMatchObject({ state: "stopped", reconnects: 0 });
  });

  it("a throwing book handler is logged and the loop goes on", async () => {
    const source = new ScriptedSource();
    const logs: string[] = [];
    const watcher = new FeedWatcher({
      exchange: "x",
      symbol: "A/B",
      source,
      onBook: () => {
        throw new Error("boom");
      },
      onLog: (l) => logs.push(l.message),
    });
    watcher.start();
    (await source.pending()).resolve(BOOK);
    await source.pending().then((d) => source["waiting"].unshift(d));
    expect(logs.some((l) => l.includes("book handler failed: boom"))).toBe(true);
    await watcher.stop();
  });
});

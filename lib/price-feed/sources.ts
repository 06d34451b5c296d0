/**
 * BookSource adapters: ccxt.pro watchOrderBook (websocket), ccxt fetchOrderBook polling (REST)
 * and the paper venue's facade (its event stream, no network).
 */
import type { BookSource, SourceBook } from './watcher';

/** The part of a ccxt (or ccxt.pro) instance the feed uses. */
export interface BookClient {
  readonly id?: string;
  readonly has: Record<string, unknown>;
  fetchOrderBook(symbol: string, limit?: number): Promise<SourceBook>;
  watchOrderBook?(symbol: string, limit?: number): Promise<SourceBook>;
  close?(): Promise<unknown>;
}

export interface CcxtSourceOptions {
  /** REST polling period, ms */
  pollIntervalMs: number;
  /** depth asked of fetchOrderBook (REST only; ccxt.pro keeps its own depth) */
  limit?: number;
  /** force REST polling even where the exchange has a websocket feed */
  forceRest?: boolean;
}

class StoppedError extends Error {
  override name = 'FeedStopped';
}

/** Websocket where the client has watchOrderBook, REST polling otherwise. */
export function createCcxtSource(client: BookClient, symbol: string, options: CcxtSourceOptions): BookSource {
  if (!options.forceRest && client.has['watchOrderBook'] && typeof client.watchOrderBook === 'function') {
    return { mode: 'ws', next: () => client.watchOrderBook!(symbol) };
  }
  return createPollingSource((limit) => client.fetchOrderBook(symbol, limit), options);
}

/** First call fetches at once, later calls one poll period after the previous call returned. */
export function createPollingSource(fetch: (limit?: number) => Promise<SourceBook>, options: CcxtSourceOptions): BookSource {
  const abort = new AbortController();
  let first = true;
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        abort.signal.removeEventListener('abort', done);
        resolve();
      }
      abort.signal.addEventListener('abort', done);
    });
  return {
    mode: 'rest',
    async next() {
      if (!first) await wait(options.pollIntervalMs);
      first = false;
      if (abort.signal.aborted) throw new StoppedError('polling stopped');
      return fetch(options.limit);
    },
    stop() {
      abort.abort();
    },
  };
}

/** The paper venue's ccxt-style facade: watchOrderBook resolves on the venue's next 'orderbook' event. */
export interface PaperBookFacade {
  watchOrderBook(symbol: string, limit?: number): Promise<SourceBook>;
  close(): Promise<void>;
}

export function createPaperSource(facade: PaperBookFacade, symbol: string, limit = 5): BookSource {
  return {
    mode: 'paper',
    next: () => facade.watchOrderBook(symbol, limit),
    stop: () => facade.close(),
  };
}

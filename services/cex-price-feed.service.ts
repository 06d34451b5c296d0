/**
 * Live top of book for the configured CEX markets: ccxt.pro websockets where the exchange has
 * them, REST polling otherwise, the paper venue's event stream for "paper" (or, when the cex
 * service and so the paper venue run on another node of a mesh, `cex.orderBook` polled every
 * `paperPollIntervalMs`). Each update is broadcast as `price.cex.updated` (every node running
 * bots sees every tick) and the latest one per market is kept in the cacher under
 * `price.cex.<exchange>.<symbol>`; a market heard from (any message) without a change of its top
 * gets `price.cex.alive` at most every `aliveIntervalMs`, so consumers can tell a quiet market
 * from a dead feed; a market silent for longer than `staleThresholdMs` gets one
 * `price.cex.stale`, and `price.cex.fresh` once updates resume. Markets come from the config
 * service's enabled `cex` markets documents (the paper venue's BTC/USDT and ETH/USDT when there
 * are none) and follow `config.changed` without a restart.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { PAPER_ACCOUNT, acquirePaperVenue, currentPaperVenue, releasePaperVenue } from "../lib/cex";
import { notFound, invalid } from "../lib/errors";
import { StalenessTracker, type BackoffOptions } from "../lib/feeds";
import {
  DEFAULT_FEED_MARKETS,
  FeedWatcher,
  LivenessAnnouncer,
  PAPER_VENUE,
  TopOfBookCoalescer,
  buildPriceUpdate,
  depthOf,
  createCcxtSource,
  createFeedClient,
  createPaperSource,
  createPollingSource,
  diffMarkets,
  feedMarkets,
  installClosedSocketGuard,
  latestCacheKey,
  marketKey,
  splitMarketKey,
  type BookClient,
  type BookSource,
  type CexPriceFresh,
  type CexPriceStale,
  type CexPriceUpdate,
  type FeedMarket,
  type PaperBookFacade,
  type SourceBook,
  type WatcherStatus,
} from "../lib/price-feed";
import type { RuntimeEnv } from "../lib/runtime/env";

export interface CexPriceFeedSettings {
  /** A market with no update for this long is stale. */
  staleThresholdMs: number;
  /** How often staleness is checked; 0 = a quarter of the threshold, between 50 ms and 1 s. */
  staleCheckIntervalMs: number;
  /** At most one `price.cex.updated` per market per this many ms (bursts coalesced); 0 = every change. */
  minIntervalMs: number;
  /** Levels per side carried by `price.cex.updated` (`bids`, `asks`), taken when it is sent; 0 = the top only. */
  depthLevels: number;
  /** How often `price.cex.alive` tells that a market whose top did not change was heard from (lib/price-feed/liveness.ts); 0 = never. */
  aliveIntervalMs: number;
  /** REST polling period for exchanges without a websocket order book. */
  pollIntervalMs: number;
  /** Polling period of the paper venue's book through `cex.orderBook` when the cex service runs on another node. */
  paperPollIntervalMs: number;
  /** How long the cacher keeps a market's latest top of book. */
  cacheTtlSeconds: number;
  /** Reconnect delays after a network error (lib/feeds Backoff). */
  backoff: BackoffOptions;
  /** How long stopping a watcher waits for a re-snapshot in progress to finish. */
  resyncGraceMs: number;
  /** How long start waits for the config service; without it the default markets are watched. */
  configWaitMs: number;
  /** Watched when no enabled CEX market is configured. */
  defaultMarkets: FeedMarket[];
  /** Per-exchange ccxt constructor config merged over the defaults (test servers, rate limits, options). */
  exchangeOverrides: Record<string, Record<string, unknown>>;
}

export const DEFAULT_CEX_PRICE_FEED_SETTINGS: CexPriceFeedSettings = {
  staleThresholdMs: 5_000,
  staleCheckIntervalMs: 0,
  minIntervalMs: 0,
  aliveIntervalMs: 1_000,
  depthLevels: 5,
  pollIntervalMs: 2_000,
  paperPollIntervalMs: 100,
  cacheTtlSeconds: 60,
  backoff: { initialMs: 500, maxMs: 30_000 },
  resyncGraceMs: 2_000,
  configWaitMs: 5_000,
  defaultMarkets: DEFAULT_FEED_MARKETS.map((m) => ({ ...m })),
  exchangeOverrides: {},
};

const EXCHANGE = { type: "string", min: 1, max: 64, pattern: /^[a-z0-9_]+$/ } as const;
const SYMBOL = { type: "string", min: 3, max: 64, pattern: /^[A-Za-z0-9]+\/[A-Za-z0-9]+(:[A-Za-z0-9]+)?$/, optional: true } as const;
const SYMBOL_PART = { type: "string", min: 1, max: 32, pattern: /^[A-Za-z0-9]+$/, optional: true } as const;

interface Feed {
  market: FeedMarket;
  watcher: FeedWatcher;
  /** false while the last book had an empty side: no price holds, so no liveness is announced */
  hasTop: boolean;
  /** the last book delivered (its depth goes out with the next event) */
  lastBook: SourceBook | null;
}

interface FeedVars {
  feeds: Map<string, Feed>;
  /** markets that could not be started (unknown exchange, client failure) */
  failed: Map<string, { market: FeedMarket; error: string }>;
  clients: Map<string, Promise<BookClient>>;
  /** sandbox / marketType per exchange from the markets documents, applied when a client opens. */
  venueSettings: Map<string, Record<string, unknown>>;
  paperHeld: boolean;
  tracker: StalenessTracker;
  coalescer: TopOfBookCoalescer;
  latestLocal: Map<string, CexPriceUpdate>;
  liveness: LivenessAnnouncer;
  aliveTimer: NodeJS.Timeout | null;
  staleTimer: NodeJS.Timeout | null;
  retryTimer: NodeJS.Timeout | null;
  removeGuard: (() => void) | null;
  chain: Promise<void>;
  stopping: boolean;
}

interface FeedMethods {
  reconcile(): Promise<void>;
  applyMarkets(): Promise<void>;
  startFeed(market: FeedMarket): Promise<void>;
  stopFeed(key: string): Promise<void>;
  sourceFor(market: FeedMarket): Promise<BookSource>;
  client(exchange: string): Promise<BookClient>;
  releaseClient(exchange: string): Promise<void>;
  publish(update: CexPriceUpdate): void;
  checkStale(): void;
  announceAlive(): void;
}

type LatestParams = { exchange: string; symbol?: string; base?: string; quote?: string };

function symbolOf(params: { symbol?: string; base?: string; quote?: string }): string {
  if (params.symbol) return params.symbol;
  if (params.base && params.quote) return `${params.base.toUpperCase()}/${params.quote.toUpperCase()}`;
  throw invalid("Give symbol, or base and quote", "symbol");
}

export default function createCexPriceFeedService(env: RuntimeEnv, overrides: Partial<CexPriceFeedSettings> = {}): ServiceSchema {
  const initial: CexPriceFeedSettings = { ...DEFAULT_CEX_PRICE_FEED_SETTINGS, exchangeOverrides: env.exchangeOverrides, ...overrides };

  const schema: ServiceSchema<ServiceSettingSchema & CexPriceFeedSettings, FeedMethods, FeedVars> = {
    name: "cex-price-feed",
    // ccxt constructor overrides may carry URLs with tokens: keep them out of INFO packets.
    settings: { ...initial, $secureSettings: ["exchangeOverrides"] },

    actions: {
      status: {
        rest: "GET /status",
        summary: "Every watched market: mode (ws, rest, paper), state, updates, reconnects, resyncs, last error, staleness",
        async handler() {
          const markets = [...this.feeds.entries()].map(([key, feed]) => ({ ...feed.watcher.status(), stale: this.tracker.isStale(key) }));
          const failed = [...this.failed.values()].map((f) => ({ ...f.market, state: "failed", error: f.error }));
          const totals = markets.reduce(
            (t, m: WatcherStatus) => ({ updates: t.updates + m.updates, reconnects: t.reconnects + m.reconnects, resyncs: t.resyncs + m.resyncs }),
            { updates: 0, reconnects: 0, resyncs: 0 },
          );
          return { markets, failed, totals, staleThresholdMs: this.settings.staleThresholdMs };
        },
      },

      latest: {
        rest: "GET /latest/:exchange/:base/:quote",
        summary: "A market's latest top of book (bid, ask, mid, sizes as decimal strings) from the cacher",
        params: { exchange: EXCHANGE, symbol: SYMBOL, base: SYMBOL_PART, quote: SYMBOL_PART },
        async handler(ctx: Context<LatestParams>) {
          const symbol = symbolOf(ctx.params);
          const key = latestCacheKey(ctx.params.exchange, symbol);
          const cacher = this.broker.cacher;
          const found = cacher ? ((await cacher.get(key)) as CexPriceUpdate | null) : (this.latestLocal.get(marketKey(ctx.params.exchange, symbol)) ?? null);
          if (!found) throw notFound(`Price of ${symbol} on ${ctx.params.exchange}`, { exchange: ctx.params.exchange, symbol });
          return found;
        },
      },
    },

    events: {
      "config.changed"(ctx: Context<{ kind?: string }>) {
        if (ctx.params?.kind === "markets") return this.reconcile();
      },
    },

    methods: {
      /** One reconcile at a time, in order. */
      reconcile() {
        const run = this.chain.then(() => (this.stopping ? undefined : this.applyMarkets()));
        this.chain = run.catch((err) => this.logger.error(`price feed market update failed: ${(err as Error).message}`));
        return this.chain;
      },

      async applyMarkets() {
        let docs: unknown[];
        try {
          docs = (await this.broker.call("config.list", { kind: "markets" })) as unknown[];
          if (this.retryTimer) clearTimeout(this.retryTimer);
          this.retryTimer = null;
        } catch (err) {
          if (!this.retryTimer) {
            this.retryTimer = setTimeout(() => {
              this.retryTimer = null;
              void this.reconcile();
            }, this.settings.configWaitMs);
            this.retryTimer.unref();
          }
          if (this.feeds.size > 0 || this.failed.size > 0) {
            this.logger.warn(`config.list failed (${(err as Error).message}); keeping the current markets`);
            return;
          }
          this.logger.warn(`config.list failed (${(err as Error).message}); watching the default markets until it answers`);
          docs = [];
        }
        for (const doc of docs as Array<{ body?: { venue?: string; kind?: string; sandbox?: boolean; marketType?: string } }>) {
          const b = doc.body;
          if (b?.kind === "cex" && b.venue) this.venueSettings.set(b.venue, { ...(b.sandbox !== undefined ? { sandbox: b.sandbox } : {}), ...(b.marketType ? { marketType: b.marketType } : {}) });
        }
        const desired = feedMarkets(docs as Parameters<typeof feedMarkets>[0], this.settings.defaultMarkets);
        const current = [...this.feeds.values()].map((f) => f.market).concat([...this.failed.values()].map((f) => f.market));
        const { add, remove } = diffMarkets(current, desired);
        for (const market of remove) await this.stopFeed(marketKey(market.exchange, market.symbol));
        for (const market of add) await this.startFeed(market);
        if (add.length || remove.length) {
          this.logger.info(`price feed markets: ${desired.map((m) => `${m.exchange}:${m.symbol}`).join(", ")}`);
        }
      },

      async startFeed(market) {
        const key = marketKey(market.exchange, market.symbol);
        let source: BookSource;
        try {
          source = await this.sourceFor(market);
        } catch (err) {
          const error = (err as Error).message;
          this.logger.error(`cannot watch ${market.symbol} on ${market.exchange}: ${error}`);
          this.failed.set(key, { market, error });
          return;
        }
        this.failed.delete(key);
        const watcher = new FeedWatcher({
          exchange: market.exchange,
          symbol: market.symbol,
          source,
          backoff: this.settings.backoff,
          resyncGraceMs: this.settings.resyncGraceMs,
          onBook: (book, receivedAt) => {
            this.tracker.record(key, receivedAt);
            const update = buildPriceUpdate(market.exchange, market.symbol, book, receivedAt);
            feed.hasTop = update !== null;
            feed.lastBook = book;
            if (update) this.coalescer.offer(update);
          },
          onLog: ({ level, message }) => this.logger[level](message),
        });
        const feed: Feed = { market, watcher, hasTop: false, lastBook: null };
        this.feeds.set(key, feed);
        this.tracker.watch(key, Date.now());
        watcher.start();
      },

      async stopFeed(key) {
        const feed = this.feeds.get(key);
        const market = feed?.market ?? this.failed.get(key)?.market ?? splitMarketKey(key);
        this.failed.delete(key);
        if (!feed) return;
        this.feeds.delete(key);
        await feed.watcher.stop();
        this.tracker.unwatch(key);
        this.coalescer.remove(market.exchange, market.symbol);
        this.liveness.forget(market.exchange, market.symbol);
        this.latestLocal.delete(key);
        if (![...this.feeds.values()].some((f) => f.market.exchange === market.exchange)) await this.releaseClient(market.exchange);
      },

      async sourceFor(market) {
        if (market.exchange === PAPER_VENUE && env.transporter && !this.broker.getLocalService("cex")) {
          // In a mesh the paper venue lives in the cex node's process: poll its book there.
          return createPollingSource(
            (limit) => this.broker.call("cex.orderBook", { exchange: PAPER_VENUE, symbol: market.symbol, limit: limit ?? 20 }) as Promise<SourceBook>,
            { pollIntervalMs: this.settings.paperPollIntervalMs },
          );
        }
        if (market.exchange === PAPER_VENUE) {
          if (!this.paperHeld) {
            acquirePaperVenue();
            this.paperHeld = true;
          }
          const facade = paperFacade();
          return createPaperSource(facade, market.symbol);
        }
        const client = await this.client(market.exchange);
        return createCcxtSource(client, market.symbol, { pollIntervalMs: this.settings.pollIntervalMs });
      },

      client(exchange) {
        let client = this.clients.get(exchange);
        if (!client) {
          // The markets document's sandbox / marketType win, as on the cex service's clients.
          client = createFeedClient(exchange, { ...(this.settings.exchangeOverrides[exchange] ?? {}), ...(this.venueSettings.get(exchange) ?? {}) });
          this.clients.set(exchange, client);
          client.catch(() => this.clients.delete(exchange));
        }
        return client;
      },

      async releaseClient(exchange) {
        if (exchange === PAPER_VENUE) {
          if (this.paperHeld) releasePaperVenue();
          this.paperHeld = false;
          return;
        }
        const client = this.clients.get(exchange);
        this.clients.delete(exchange);
        const resolved = await client?.catch(() => null);
        await resolved?.close?.().catch((err: Error) => this.logger.debug(`closing ${exchange}: ${err.message}`));
      },

      publish(update) {
        const key = marketKey(update.exchange, update.symbol);
        // Depth only for events that go out (the top changed), not for every book received.
        const book = this.settings.depthLevels > 0 ? this.feeds.get(key)?.lastBook : null;
        if (book) {
          try {
            Object.assign(update, depthOf(book, this.settings.depthLevels));
          } catch (err) {
            this.logger.debug(`${key}: depth not attached: ${(err as Error).message}`);
          }
        }
        this.latestLocal.set(key, update);
        this.broker.cacher
          ?.set(latestCacheKey(update.exchange, update.symbol), update, this.settings.cacheTtlSeconds)
          .catch((err: Error) => this.logger.warn(`cacher write for ${key} failed: ${err.message}`));
        void Promise.resolve(this.broker.broadcast("price.cex.updated", update)).catch((err: Error) => this.logger.warn(`price.cex.updated not emitted: ${err.message}`));
      },

      announceAlive() {
        const activity = [...this.feeds.entries()].filter(([, f]) => f.hasTop).map(([key, f]) => ({
          exchange: f.market.exchange,
          symbol: f.market.symbol,
          lastMessageAt: f.watcher.lastMessageAt,
          lastPublishedAt: this.latestLocal.get(key)?.receivedAt ?? null,
        }));
        for (const alive of this.liveness.due(activity)) {
          void Promise.resolve(this.broker.broadcast("price.cex.alive", alive)).catch(() => undefined);
        }
      },

      checkStale() {
        const { stale, fresh } = this.tracker.check(Date.now());
        for (const s of stale) {
          const payload: CexPriceStale = { ...splitMarketKey(s.market), lastUpdate: s.lastUpdate, ageMs: s.ageMs };
          this.logger.warn(`${payload.exchange}:${payload.symbol} stale: no update for ${s.ageMs} ms`);
          void Promise.resolve(this.broker.broadcast("price.cex.stale", payload)).catch(() => undefined);
        }
        for (const f of fresh) {
          const payload: CexPriceFresh = { ...splitMarketKey(f.market), lastUpdate: f.lastUpdate, silentForMs: f.silentForMs };
          this.logger.info(`${payload.exchange}:${payload.symbol} fresh again after ${f.silentForMs} ms`);
          void Promise.resolve(this.broker.broadcast("price.cex.fresh", payload)).catch(() => undefined);
        }
      },
    },

    created() {
      this.feeds = new Map();
      this.failed = new Map();
      this.clients = new Map();
      this.venueSettings = new Map();
      this.paperHeld = false;
      this.tracker = new StalenessTracker({ thresholdMs: this.settings.staleThresholdMs });
      this.coalescer = new TopOfBookCoalescer({ minIntervalMs: this.settings.minIntervalMs, emit: (update) => this.publish(update) });
      this.latestLocal = new Map();
      this.liveness = new LivenessAnnouncer();
      this.aliveTimer = null;
      this.staleTimer = null;
      this.retryTimer = null;
      this.removeGuard = null;
      this.chain = Promise.resolve();
      this.stopping = false;
    },

    async started() {
      this.stopping = false;
      this.removeGuard = installClosedSocketGuard((message) => this.logger.warn(message));
      await this.broker.waitForServices(["config"], this.settings.configWaitMs).catch(() => undefined);
      await this.reconcile();
      const threshold = this.settings.staleThresholdMs;
      const every = this.settings.staleCheckIntervalMs > 0 ? this.settings.staleCheckIntervalMs : Math.min(1_000, Math.max(50, Math.floor(threshold / 4)));
      this.staleTimer = setInterval(() => this.checkStale(), every);
      this.staleTimer.unref();
      if (this.settings.aliveIntervalMs > 0) {
        this.aliveTimer = setInterval(() => this.announceAlive(), this.settings.aliveIntervalMs);
        this.aliveTimer.unref();
      }
    },

    async stopped() {
      this.stopping = true;
      if (this.staleTimer) clearInterval(this.staleTimer);
      if (this.aliveTimer) clearInterval(this.aliveTimer);
      if (this.retryTimer) clearTimeout(this.retryTimer);
      this.staleTimer = null;
      this.aliveTimer = null;
      this.retryTimer = null;
      await this.chain;
      await Promise.all([...this.feeds.values()].map((f) => f.watcher.stop()));
      this.feeds.clear();
      this.failed.clear();
      this.coalescer.clear();
      for (const exchange of [...this.clients.keys()]) await this.releaseClient(exchange);
      await this.releaseClient(PAPER_VENUE);
      // ccxt may still settle a re-subscription against the closed socket: keep the guard a moment longer
      await new Promise((resolve) => setTimeout(resolve, 50));
      this.removeGuard?.();
      this.removeGuard = null;
    },
  };
  return schema as unknown as ServiceSchema;
}

/** A facade of its own per market on the venue this service holds, so stopping one market closes only its watch. */
function paperFacade(): PaperBookFacade {
  const venue = currentPaperVenue() ?? acquirePaperVenue();
  return venue.connect(PAPER_ACCOUNT) as unknown as PaperBookFacade;
}

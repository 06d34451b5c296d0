/**
 * DEX pool prices from chain events (lib/dex-feed): V2 `Sync` and V3 `Swap` logs read block by
 * block, with a state re-read when a pool is silent for `fallbackBlocks` blocks and a full
 * resync on a reorg (parent hash mismatch, head rewound) or a gap of more than `maxBlockGap`
 * blocks. Each change becomes `price.dex.updated` { dex, pool, base, quote, price, liquidity,
 * block, ts } and the latest one per pool is kept in the cacher under `price.dex.<pool>`
 * (pool address lowercased).
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { acquireChain, releaseChain, type ChainHandle } from "../lib/chain";
import { PoolRegistry, type DexPool } from "../lib/dex";
import { DexPoolWatcher, type DexPriceUpdate } from "../lib/dex-feed";
import { notFound, unavailable } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";

export interface DexPriceFeedSettings extends ServiceSettingSchema {
  /** Block polling period (ms). */
  pollMs: number;
  maxBlockGap: number;
  fallbackBlocks: number;
  cacheTtlSeconds: number;
  /** Pool addresses to watch; empty: every pool of the deployment. */
  pools: string[];
}

export const DEFAULT_DEX_PRICE_FEED_SETTINGS: DexPriceFeedSettings = { pollMs: 1000, maxBlockGap: 50, fallbackBlocks: 20, cacheTtlSeconds: 300, pools: [] };

export const dexPriceCacheKey = (pool: string) => `price.dex.${pool.toLowerCase()}`;

interface FeedVars {
  chain: ChainHandle | null;
  watcher: DexPoolWatcher | null;
  timer: NodeJS.Timeout | null;
  stopping: boolean;
  latestLocal: Map<string, DexPriceUpdate>;
  settings: DexPriceFeedSettings;
  broker: any;
  logger: any;
}

export default function createDexPriceFeedService(env: RuntimeEnv, overrides: Partial<DexPriceFeedSettings> = {}): ServiceSchema {
  const schema: Record<string, unknown> = {
    name: "dex-price-feed",
    settings: { ...DEFAULT_DEX_PRICE_FEED_SETTINGS, pollMs: env.rpcUrl ? 1000 : 100, ...overrides },

    actions: {
      latest: {
        rest: "GET /latest/:pool",
        role: "viewer",
        summary: "A pool's latest price update (base in quote, decimal strings) from the cacher",
        params: { pool: { type: "string", pattern: /^0x[0-9a-fA-F]{40}$/ } },
        async handler(this: FeedVars, ctx: Context<{ pool: string }>) {
          const key = dexPriceCacheKey(ctx.params.pool);
          const found = this.broker.cacher ? ((await this.broker.cacher.get(key)) as DexPriceUpdate | null) : null;
          const hit = found ?? this.latestLocal.get(ctx.params.pool.toLowerCase()) ?? null;
          if (!hit) throw notFound(`price of pool ${ctx.params.pool}`);
          return hit;
        },
      },
      status: {
        rest: "GET /status",
        role: "viewer",
        summary: "Watched pools, last processed block, updates, events, resyncs (reorgs, gaps), fallback reads",
        handler(this: FeedVars) {
          if (!this.watcher) throw unavailable("dex-price-feed is not connected to a chain yet");
          return { ...this.watcher.status(), pollMs: this.settings.pollMs, maxBlockGap: this.settings.maxBlockGap, fallbackBlocks: this.settings.fallbackBlocks };
        },
      },
    },

    methods: {
      publish(this: FeedVars, u: DexPriceUpdate) {
        if (this.stopping) return;
        this.latestLocal.set(u.pool.toLowerCase(), u);
        this.broker.cacher?.set(dexPriceCacheKey(u.pool), u, this.settings.cacheTtlSeconds).catch((err: Error) => this.logger.warn(`cacher write for ${u.pool} failed: ${err.message}`));
        this.broker.broadcast("price.dex.updated", u);
      },
      schedule(this: FeedVars) {
        if (this.stopping) return;
        this.timer = setTimeout(() => {
          void this.watcher!.tick()
            .catch((err: Error) => this.logger.warn(`dex-price-feed poll failed: ${err.message}`))
            .finally(() => (this as unknown as { schedule(): void }).schedule());
        }, this.settings.pollMs);
      },
    },

    created(this: FeedVars) {
      this.chain = null;
      this.watcher = null;
      this.timer = null;
      this.stopping = false;
      this.latestLocal = new Map();
    },

    async started(this: FeedVars & { publish(u: DexPriceUpdate): void; schedule(): void }) {
      this.chain = await acquireChain(env);
      const registry = new PoolRegistry(this.chain.provider, this.chain.deployment);
      const pools: DexPool[] = this.settings.pools.length > 0 ? await Promise.all(this.settings.pools.map((a) => registry.get(a))) : registry.list();
      this.watcher = new DexPoolWatcher(this.chain.provider, pools, { maxBlockGap: this.settings.maxBlockGap, fallbackBlocks: this.settings.fallbackBlocks }, (u) => this.publish(u));
      await this.watcher.tick().catch((err: Error) => this.logger.warn(`dex-price-feed first read failed: ${err.message}`));
      this.schedule();
      this.logger.info(`dex-price-feed watching ${pools.length} pool(s) every ${this.settings.pollMs} ms`);
    },

    async stopped(this: FeedVars) {
      this.stopping = true;
      if (this.timer) clearTimeout(this.timer);
      this.watcher = null;
      this.chain = null;
      await releaseChain(env);
    },
  };
  return schema as unknown as ServiceSchema;
}

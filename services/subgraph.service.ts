/**
 * The Graph's Uniswap V3 subgraph: top pools by TVL or volume, a pool's daily data,
 * token prices in USD. Answers are cached by the broker's cacher (Memory or Redis)
 * for `cacheTtlSeconds`; when the subgraph fails, the last good answer is returned
 * with `stale: true`, and with none a retryable 503 SUBGRAPH_UNAVAILABLE. The
 * endpoint and API key come from the settings, overridden by SUBGRAPH_URL and
 * SUBGRAPH_API_KEY; the key never appears in logs, errors or answers.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { notFound } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";
import {
  LastGoodStore,
  MAX_DAYS,
  MAX_FIRST,
  MAX_SKIP,
  SubgraphClient,
  UNISWAP_V3_MAINNET_ENDPOINT,
  describeFailure,
  mapPoolDayData,
  mapTokenPrice,
  mapTopPools,
  poolDayDataQuery,
  redact,
  toMoleculerError,
  tokenPriceQuery,
  topPoolsQuery,
  type GraphQLRequest,
  type PoolOrder,
  withLastGood,
  type SubgraphResult,
} from "../lib/subgraph";

export interface SubgraphSettings {
  /** GraphQL endpoint; `{apiKey}` is replaced by the key (The Graph gateway format), else the key goes in an Authorization header. */
  endpoint: string;
  apiKey: string | null;
  /** Per-request timeout of the HTTP call. */
  timeoutMs: number;
  /** How long the cacher keeps an answer. */
  cacheTtlSeconds: number;
}

export const DEFAULT_SUBGRAPH_SETTINGS: SubgraphSettings = {
  endpoint: UNISWAP_V3_MAINNET_ENDPOINT,
  apiKey: null,
  timeoutMs: 5_000,
  cacheTtlSeconds: 60,
};

const ADDRESS = { type: "string", pattern: /^0x[0-9a-fA-F]{40}$/, messages: { stringPattern: "The '{field}' field must be a 0x-prefixed 20-byte hex address." } } as const;

type TopPoolsParams = { orderBy: PoolOrder; first: number; skip: number };
type PoolDayParams = { pool: string; days: number };
type TokenParams = { token: string };

interface SubgraphMethods {
  query<T>(key: string, request: GraphQLRequest, map: (data: Record<string, unknown>) => T): Promise<SubgraphResult<T>>;
}

interface SubgraphVars {
  client: SubgraphClient;
  lastGood: LastGoodStore;
}

export default function createSubgraphService(env: RuntimeEnv, overrides: Partial<SubgraphSettings> = {}): ServiceSchema {
  const settings: SubgraphSettings = { ...DEFAULT_SUBGRAPH_SETTINGS, ...overrides };
  if (env.subgraph.url) settings.endpoint = env.subgraph.url;
  if (env.subgraph.apiKey) settings.apiKey = env.subgraph.apiKey;
  const ttl = settings.cacheTtlSeconds;

  const schema: ServiceSchema<ServiceSettingSchema & SubgraphSettings, SubgraphMethods, SubgraphVars> = {
    name: "subgraph",
    // Settings travel in INFO packets and $node.services: keep the key out of them.
    settings: { ...settings, $secureSettings: ["apiKey", "endpoint"] },

    actions: {
      topPools: {
        rest: "GET /pools",
        summary: "Uniswap V3 pools with the most TVL or volume (USD, decimal strings); cached, stale-flagged on failure",
        params: {
          orderBy: { type: "enum", values: ["tvl", "volume"], default: "tvl" },
          first: { type: "number", integer: true, min: 1, max: MAX_FIRST, default: 10, convert: true },
          skip: { type: "number", integer: true, min: 0, max: MAX_SKIP, default: 0, convert: true },
        },
        cache: { keys: ["orderBy", "first", "skip"], ttl },
        async handler(ctx: Context<TopPoolsParams>) {
          const { orderBy, first, skip } = ctx.params;
          return this.query(`topPools:${orderBy}:${first}:${skip}`, topPoolsQuery({ orderBy, first, skip }), mapTopPools);
        },
      },

      poolDayData: {
        rest: "GET /pools/:pool/days",
        summary: "A pool's daily volume, TVL, fees and prices over the last N days, oldest first",
        params: {
          pool: ADDRESS,
          days: { type: "number", integer: true, min: 1, max: MAX_DAYS, default: 30, convert: true },
        },
        cache: { keys: ["pool", "days"], ttl },
        async handler(ctx: Context<PoolDayParams>) {
          const pool = ctx.params.pool.toLowerCase();
          return this.query(`poolDayData:${pool}:${ctx.params.days}`, poolDayDataQuery({ pool, days: ctx.params.days }), mapPoolDayData);
        },
      },

      tokenPrice: {
        rest: "GET /tokens/:token/price",
        summary: "A token's USD price: derivedETH × the bundle's ethPriceUSD, exact",
        params: { token: ADDRESS },
        cache: { keys: ["token"], ttl },
        async handler(ctx: Context<TokenParams>) {
          const token = ctx.params.token.toLowerCase();
          const result = await this.query(`tokenPrice:${token}`, tokenPriceQuery({ token }), mapTokenPrice);
          if (result.data === null) throw notFound(`Token ${token} in the subgraph`);
          return result;
        },
      },
    },

    methods: {
      async query(key, request, map) {
        try {
          const result = await withLastGood(this.lastGood, key, async () => map(await this.client.request(request)), describeFailure);
          if (result.stale) this.logger.warn(`Subgraph failed, answering ${key} with data from ${result.fetchedAt}: ${result.error.message}`);
          return result;
        } catch (err) {
          this.logger.warn(`Subgraph failed for ${key} with no earlier data: ${redact((err as Error).message, this.settings.apiKey)}`);
          throw toMoleculerError(err);
        }
      },
    },

    created() {
      this.client = new SubgraphClient({ endpoint: this.settings.endpoint, apiKey: this.settings.apiKey, timeoutMs: this.settings.timeoutMs });
      this.lastGood = new LastGoodStore();
    },

    started() {
      this.logger.info(`Subgraph endpoint ${this.client.maskedEndpoint} (cache ${ttl} s, timeout ${this.settings.timeoutMs} ms${this.settings.apiKey ? ", API key set" : ""})`);
    },
  };
  return schema as unknown as ServiceSchema;
}

/**
 * lib/subgraph without a broker: query builders, validation and mapping to decimal
 * strings, exact token prices, the last-good store, and the client against the
 * local fake subgraph (GraphQL errors, HTTP failures, timeouts, key masking).
 */
import {
  LastGoodStore,
  SubgraphClient,
  SubgraphError,
  mapPoolDayData,
  mapTokenPrice,
  mapTopPools,
  maskEndpoint,
  multiplyDecimals,
  poolDayDataQuery,
  redact,
  resolveEndpoint,
  sinceDay,
  tokenPriceQuery,
  topPoolsQuery,
  toMoleculerError,
  withLastGood,
} from "../../../lib/subgraph";
import { ADDRESSES, startFakeSubgraph, uniswapFixtures, type Entity, type FakeSubgraph } from "../../support/fake-subgraph";

describe("subgraph query builders", () => {
  it("orders top pools by the schema's TVL or volume field with first/skip", () => {
    const tvl = topPoolsQuery({ orderBy: "tvl", first: 5 });
    expect(tvl.variables).toEqual({ first: 5, skip: 0, orderBy: "totalValueLockedUSD" });
    expect(tvl.query).toContain("pools(first: $first, skip: $skip, orderBy: $orderBy, orderDirection: desc)");
    expect(tvl.query).toContain("$orderBy: Pool_orderBy!");
    expect(topPoolsQuery({ orderBy: "volume", first: 100, skip: 20 }).variables).toEqual({ first: 100, skip: 20, orderBy: "volumeUSD" });
    expect(() => topPoolsQuery({ orderBy: "tvl", first: 101 })).toThrow(/first must be an integer from 1 to 100/);
    expect(() => topPoolsQuery({ orderBy: "fees" as never, first: 1 })).toThrow(/orderBy/);
  });

  it("asks for a pool's day data since the start of the oldest day, lower-casing the address", () => {
    const now = Date.UTC(2026, 10, 24, 15, 30);
    const q = poolDayDataQuery({ pool: ADDRESSES.USDC_WETH_005.toUpperCase().replace("0X", "0x"), days: 7, nowMs: now });
    expect(q.variables).toEqual({ pool: ADDRESSES.USDC_WETH_005, since: Date.UTC(2026, 10, 18) / 1000, first: 7 });
    expect(q.query).toContain("where: { pool: $pool, date_gte: $since }");
    expect(sinceDay(1, now)).toBe(Date.UTC(2026, 10, 24) / 1000);
    expect(() => poolDayDataQuery({ pool: "0x1234", days: 1 })).toThrow(/address/);
    expect(() => poolDayDataQuery({ pool: ADDRESSES.USDC_WETH_005, days: 366 })).toThrow(/days/);
  });

  it("reads a token's derivedETH and the bundle's ethPriceUSD in one query", () => {
    const q = tokenPriceQuery({ token: ADDRESSES.DAI });
    expect(q.variables).toEqual({ id: ADDRESSES.DAI });
    expect(q.query).toMatch(/token\(id: \$id\) \{[^}]*derivedETH/);
    expect(q.query).toContain('bundle(id: "1") { ethPriceUSD }');
  });
});

describe("subgraph response mapping", () => {
  const rawPool = uniswapFixtures().pools[0];
  const tokenOf = (id: unknown) => uniswapFixtures().tokens.find((t) => t.id === id);
  const pool: Entity = { ...rawPool, token0: tokenOf(rawPool.token0), token1: tokenOf(rawPool.token1) };

  it("maps pools to decimal strings, fee rate and tokens", () => {
    const [p] = mapTopPools({ pools: [{ ...pool, volumeUSD: "1.5e3", tvlUSD: undefined }] });
    expect(p).toMatchObject({
      address: ADDRESSES.USDC_WETH_005,
      feeTier: 500,
      feeRate: "0.0005",
      tvlUSD: "150000000.123456789012345678",
      volumeUSD: "1500",
      token0: { symbol: "USDC", decimals: 6, address: ADDRESSES.USDC },
      token1: { symbol: "WETH", decimals: 18 },
      sqrtPriceX96: "1364927430618497917346427917064531",
      tick: 195800,
    });
  });

  it("names a missing or malformed field by its path", () => {
    const { totalValueLockedUSD: _drop, ...missing } = pool;
    expect(() => mapTopPools({ pools: [pool, missing] })).toThrow("The subgraph's answer is missing a field at pools[1].totalValueLockedUSD");
    expect(() => mapTopPools({ pools: [{ ...pool, volumeUSD: "lots" }] })).toThrow("has no decimal number at pools[0].volumeUSD");
    expect(() => mapTopPools({ pools: [{ ...pool, token1: null }] })).toThrow(/pools\[0\]\.token1/);
    expect(() => mapTopPools({})).toThrow("is missing a field at pools");
    expect(() => mapPoolDayData({ poolDayDatas: [{ date: "yesterday" }] })).toThrow(/poolDayDatas\[0\]\.date/);
    try {
      mapTopPools({});
    } catch (err) {
      expect(err).toBeInstanceOf(SubgraphError);
      expect((err as SubgraphError).kind).toBe("invalid-response");
    }
  });

  it("computes a token's USD price exactly: derivedETH × ethPriceUSD", () => {
    expect(multiplyDecimals("0.0005", "3000.5")).toBe("1.50025");
    // Floats would round this one: 20.123456789012345678 × 3000.5.
    expect(multiplyDecimals("20.123456789012345678", "3000.5")).toBe("60380.432095431543206839");
    const price = mapTokenPrice({ token: { id: ADDRESSES.DAI, symbol: "DAI", name: "Dai", decimals: "18", derivedETH: "0.0005" }, bundle: { ethPriceUSD: "3000.5" } });
    expect(price).toEqual({ address: ADDRESSES.DAI, symbol: "DAI", name: "Dai", decimals: 18, derivedETH: "0.0005", ethPriceUSD: "3000.5", priceUSD: "1.50025" });
    expect(mapTokenPrice({ token: null, bundle: { ethPriceUSD: "1" } })).toBeNull();
    expect(() => mapTokenPrice({ token: { id: ADDRESSES.DAI, symbol: "DAI", name: "Dai", decimals: "18", derivedETH: "1" }, bundle: null })).toThrow(/bundle/);
  });
});

describe("endpoint and key masking", () => {
  const key = "secret-graph-key-123456";
  it("puts the key into a gateway URL or an Authorization header, and masks it in text", () => {
    const gateway = { endpoint: "https://gateway.thegraph.com/api/{apiKey}/subgraphs/id/abc", apiKey: key };
    expect(resolveEndpoint(gateway).url).toBe(`https://gateway.thegraph.com/api/${key}/subgraphs/id/abc`);
    expect(maskEndpoint(gateway)).toBe("https://gateway.thegraph.com/api/****/subgraphs/id/abc");
    expect(resolveEndpoint({ endpoint: "http://127.0.0.1:8000/subgraphs/name/x", apiKey: key }).headers.authorization).toBe(`Bearer ${key}`);
    expect(() => resolveEndpoint({ endpoint: gateway.endpoint, apiKey: null })).toThrow(/SUBGRAPH_API_KEY/);
    // A key typed straight into the URL is masked too.
    expect(maskEndpoint({ endpoint: "https://gateway.thegraph.com/api/inline0123/subgraphs/id/abc", apiKey: null })).not.toContain("inline0123");
    expect(redact(`failed at https://x/api/${key}/subgraphs/id/a and ${key}`, key)).not.toContain(key);
  });
});

describe("last-good store", () => {
  it("answers a failure with the last good data, stale since the first failure", async () => {
    let now = Date.UTC(2026, 0, 1);
    const store = new LastGoodStore({ now: () => now });
    const describe = (e: unknown) => ({ type: "SUBGRAPH_UNAVAILABLE", message: (e as Error).message });
    expect(await withLastGood(store, "k", async () => ["a"], describe)).toEqual({ data: ["a"], stale: false, fetchedAt: "2026-01-01T00:00:00.000Z" });
    now += 60_000;
    const first = await withLastGood(store, "k", async () => Promise.reject(new Error("down")), describe);
    now += 60_000;
    const second = await withLastGood(store, "k", async () => Promise.reject(new Error("still down")), describe);
    expect(first).toEqual({ data: ["a"], stale: true, fetchedAt: "2026-01-01T00:00:00.000Z", staleSince: "2026-01-01T00:01:00.000Z", error: { type: "SUBGRAPH_UNAVAILABLE", message: "down" } });
    expect(second).toMatchObject({ stale: true, staleSince: "2026-01-01T00:01:00.000Z", error: { message: "still down" } });
    await expect(withLastGood(store, "other", async () => Promise.reject(new Error("down")), describe)).rejects.toThrow("down");
    // A success clears the failure.
    expect((await withLastGood(store, "k", async () => ["b"], describe)).stale).toBe(false);
    expect(store.fallback("k", { type: "x", message: "y" })).toMatchObject({ data: ["b"], staleSince: new Date(now).toISOString() });
  });

  it("keeps at most maxEntries keys, dropping the oldest", () => {
    const store = new LastGoodStore({ maxEntries: 2 });
    store.remember("a", 1);
    store.remember("b", 2);
    store.remember("c", 3);
    expect(store.size).toBe(2);
    expect(store.fallback("a", { type: "t", message: "m" })).toBeNull();
  });
});

describe("subgraph client against the local fake subgraph", () => {
  let fake: FakeSubgraph;
  let client: SubgraphClient;
  beforeAll(async () => {
    fake = await startFakeSubgraph({ fixtures: uniswapFixtures() });
    client = new SubgraphClient({ endpoint: fake.endpoint, apiKey: fake.apiKey, timeoutMs: 300 });
  });
  afterAll(() => fake.close());
  afterEach(() => fake.fail(null));

  const failure = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a failure"); }, (e: SubgraphError) => e);

  it("queries top pools by TVL and by volume", async () => {
    const byTvl = mapTopPools(await client.request(topPoolsQuery({ orderBy: "tvl", first: 3 })));
    expect(byTvl.map((p) => p.tvlUSD)).toEqual(["250000000.5", "150000000.123456789012345678", "90000000.000000000000000001"]);
    const byVolume = mapTopPools(await client.request(topPoolsQuery({ orderBy: "volume", first: 2 })));
    expect(byVolume.map((p) => p.address)).toEqual([ADDRESSES.DAI_USDC_001, ADDRESSES.USDC_WETH_005]);
  });

  it("turns a GraphQL errors array into a clear error", async () => {
    fake.fail("graphql");
    const err = await failure(client.request(topPoolsQuery({ orderBy: "tvl", first: 1 })));
    expect(err.kind).toBe("graphql");
    expect(err.message).toBe("The subgraph refused the query: bad indexers: BadResponse(indexer unavailable)");
    expect(toMoleculerError(err)).toMatchObject({ code: 502, type: "SUBGRAPH_QUERY_FAILED", retryable: false });
    // A query naming a field the schema lacks is refused the same way.
    fake.fail(null);
    const typo = await failure(client.request({ query: "{ pools(first: 1) { id tvl } }", variables: {} }));
    expect(typo.message).toContain("Type `Pool` has no field `tvl`");
  });

  it("classifies HTTP errors and timeouts as transient, without the key in the message", async () => {
    fake.fail("http500");
    const http = await failure(client.request(tokenPriceQuery({ token: ADDRESSES.WETH })));
    expect(http).toMatchObject({ kind: "http", transient: true, details: { status: 500 } });
    expect(toMoleculerError(http)).toMatchObject({ code: 503, type: "SUBGRAPH_UNAVAILABLE", retryable: true });
    fake.fail("hang");
    const timeout = await failure(client.request(tokenPriceQuery({ token: ADDRESSES.WETH })));
    expect(timeout.kind).toBe("timeout");
    expect(timeout.message).toMatch(/did not answer within 300 ms/);
    for (const e of [http, timeout]) {
      expect(e.message).toContain("/api/****/subgraphs/");
      expect(e.message).not.toContain(fake.apiKey);
    }
    const wrongKey = new SubgraphClient({ endpoint: fake.endpoint, apiKey: "wrong-key-000000", timeoutMs: 300 });
    fake.fail(null);
    const refused = await failure(wrongKey.request(tokenPriceQuery({ token: ADDRESSES.WETH })));
    expect(refused).toMatchObject({ kind: "http", details: { status: 401 } });
    expect(refused.message).not.toContain("wrong-key-000000");
  });

  it("reports an unreachable endpoint as a network failure", async () => {
    const gone = new SubgraphClient({ endpoint: "http://127.0.0.1:1/api/{apiKey}/subgraphs/id/x", apiKey: fake.apiKey, timeoutMs: 1000 });
    const err = await failure(gone.request(tokenPriceQuery({ token: ADDRESSES.WETH })));
    expect(err.kind).toBe("network");
    expect(err.message).not.toContain(fake.apiKey);
  });
});

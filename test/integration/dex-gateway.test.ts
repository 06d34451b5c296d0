/**
 * The DEX path through the real gateway on the embedded chain: a viewer may quote but not
 * swap, a trader swaps, and the DEX price feed reports the swap from the block it was mined in.
 */
import type { ServiceBroker } from "moleculer";
import { acquireChain, releaseChain, type LocalChain } from "../../lib/chain";
import { createNode } from "../../services";
import { TEST_ADMIN_PASSWORD, testEnv } from "../support/env";
import { gatewayUrl, http, waitForRoute } from "../support/http";

jest.setTimeout(30_000);

describe("dex through the gateway", () => {
  const env = testEnv({ SERVICES: "api,auth,config,wallet,dex,dex-price-feed", RATE_LIMIT_PER_MINUTE: "10000" });
  let broker: ServiceBroker;
  let chain: LocalChain;
  let base: string;
  let viewer: string;
  let trader: string;
  let pool: string;
  const updates: Array<{ pool: string; block: number; price: string }> = [];

  const login = async (username: string, password: string) =>
    (await http(base, "POST", "/api/v1/auth/login", { body: { username, password } })).body.accessToken as string;

  beforeAll(async () => {
    broker = createNode(env, { logger: false });
    broker.createService({ name: "dex-listener", events: { "price.dex.updated"(ctx: { params: { pool: string; block: number; price: string } }) { updates.push(ctx.params); } } });
    await broker.start();
    chain = (await acquireChain(env)) as LocalChain;
    pool = chain.deployment.pools.find((p) => p.kind === "v3" && p.fee === 3000 && [p.token0, p.token1].includes("WETH") && [p.token0, p.token1].includes("USDC"))!.address;
    base = gatewayUrl(broker);
    await waitForRoute(base, "/api/v1/dex/swap");
    const admin = await login("admin", TEST_ADMIN_PASSWORD);
    for (const [username, role] of [["vic", "viewer"], ["tess", "trader"]]) {
      await http(base, "POST", "/api/v1/auth/users", { token: admin, body: { username, password: `${username}-password-1`, role } });
    }
    viewer = await login("vic", "vic-password-1");
    trader = await login("tess", "tess-password-1");
  });

  afterAll(async () => {
    await releaseChain(env);
    await broker?.stop();
    env.cleanup();
  });

  it("lets a viewer quote and refuses the viewer a swap", async () => {
    const quote = await http(base, "POST", "/api/v1/dex/quote", { token: viewer, body: { pool, tokenIn: "USDC", amountIn: "3000" } });
    expect(quote.status).toBe(200);
    expect(quote.body).toMatchObject({ protocol: "uniswap-v3", tokenIn: { symbol: "USDC" }, tokenOut: { symbol: "WETH" }, amountIn: "3000" });
    expect(quote.body.amountOut).toMatch(/^0\.9\d+$/);
    const swap = await http(base, "POST", "/api/v1/dex/swap", { token: viewer, body: { quoteId: quote.body.id, account: "dev-1", approve: true } });
    expect(swap.status).toBe(403);
  });

  it("lets a trader swap, and the price feed reports it from the same block", async () => {
    const quote = await http(base, "POST", "/api/v1/dex/quote", { token: trader, body: { pool, tokenIn: "USDC", amountIn: "30000" } });
    const swap = await http(base, "POST", "/api/v1/dex/swap", { token: trader, body: { quoteId: quote.body.id, account: "dev-1", approve: true, slippageBps: 100 } });
    expect(swap.status).toBe(200);
    expect(swap.body).toMatchObject({ status: "confirmed", amountIn: "30000", amountOut: quote.body.amountOut });
    const deadline = Date.now() + 5000;
    while (!updates.some((u) => u.pool === pool && u.block === swap.body.blockNumber) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    const update = updates.find((u) => u.pool === pool && u.block === swap.body.blockNumber);
    expect(update).toBeDefined();
    expect(Number(update!.price)).toBeGreaterThan(3000);
  });

  it("names the bad field of a malformed quote", async () => {
    const res = await http(base, "POST", "/api/v1/dex/quote", { token: viewer, body: { pool, tokenIn: "USDC", amountIn: "-5" } });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body.error.data)).toContain("amountIn");
  });
});

/**
 * The distributed mode on the machine's real servers: two brokers talking over NATS,
 * PostgreSQL (a fresh database migrated on start) and the Redis cacher.
 */
import type { ServiceBroker } from "moleculer";
import { Client } from "pg";
import Redis from "ioredis";
import { createNode } from "../../services";
import { TEST_ADMIN_PASSWORD, testEnv, uniqueName } from "../support/env";
import { gatewayUrl, http, waitForRoute } from "../support/http";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const REDIS = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

describe("two nodes over NATS with PostgreSQL and Redis", () => {
  let db: TempDatabase;
  let storage: ServiceBroker;
  let gateway: ServiceBroker;
  let base: string;
  const namespace = uniqueName("dist");
  const envs: Array<{ cleanup(): void }> = [];

  beforeAll(async () => {
    db = await createTempDatabase();
    const shared = { TRANSPORTER: NATS, CACHER: REDIS, DATABASE_URL: db.url, NAMESPACE: namespace, JWT_SECRET: "j".repeat(40) };
    const storageEnv = testEnv({ ...shared, SERVICES: "auth,config", NODE_ID: uniqueName("storage") });
    const gatewayEnv = testEnv({ ...shared, SERVICES: "api", NODE_ID: uniqueName("gateway") });
    envs.push(storageEnv, gatewayEnv);
    storage = createNode(storageEnv, { logger: false });
    gateway = createNode(gatewayEnv, { logger: false });
    await Promise.all([storage.start(), gateway.start()]);
    await gateway.waitForServices(["auth", "config"], 10_000);
    base = gatewayUrl(gateway);
    await waitForRoute(base, "/api/v1/auth/login");
  });

  afterAll(async () => {
    await Promise.all([gateway?.stop(), storage?.stop()]);
    await db?.drop();
    envs.forEach((e) => e.cleanup());
  });

  it("migrated the fresh PostgreSQL database on start", async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const tables = (await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).rows.map((r) => r.tablename);
      expect(tables).toEqual(expect.arrayContaining(["api_tokens", "auth_settings", "config_documents", "refresh_tokens", "schema_migrations", "users"]));
      const applied = (await client.query("SELECT service, name FROM schema_migrations ORDER BY service, name")).rows;
      expect(applied).toEqual([
        { service: "auth", name: "001-users-and-api-tokens" },
        { service: "auth", name: "002-auth-settings" },
        { service: "auth", name: "003-token-version-and-refresh-tokens" },
        { service: "auth", name: "004-drop-plaintext-jwt-secret" },
        { service: "config", name: "001-config-documents" },
      ]);
    } finally {
      await client.end();
    }
  });

  it("serves login and role checks through a gateway on another node", async () => {
    const login = await http(base, "POST", "/api/v1/auth/login", { body: { username: "admin", password: TEST_ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
    const token = login.body.accessToken;
    await http(base, "POST", "/api/v1/auth/users", { token, body: { username: "tom", password: "trader-password-1", role: "trader" } });
    const trader = (await http(base, "POST", "/api/v1/auth/login", { body: { username: "tom", password: "trader-password-1" } })).body.accessToken;
    // Action metadata (role) travels with the remote service's schema.
    expect((await http(base, "GET", "/api/v1/auth/users", { token: trader })).status).toBe(403);
    expect((await http(base, "PUT", "/api/v1/config/risk/global", { token: trader, body: { body: { maxOpenOrders: 10 } } })).status).toBe(403);
    const market = await http(base, "PUT", "/api/v1/config/markets/eth-paper", { token: trader, body: { body: { venue: "paper", kind: "cex", symbol: "ETH/USDT" } } });
    expect(market.status).toBe(200);
    expect(market.body).toMatchObject({ version: 1, author: "tom" });
  });

  it("caches reads in Redis and clears them when a document changes", async () => {
    const redis = new Redis(REDIS);
    try {
      await gateway.call("config.set", { kind: "markets", name: "sol-paper", body: { venue: "paper", kind: "cex", symbol: "SOL/USDT" } });
      const first = await gateway.call<{ version: number }, object>("config.get", { kind: "markets", name: "sol-paper" });
      expect(first.version).toBe(1);
      const keys = await redis.keys(`${namespace}-*config.get*`);
      expect(keys.length).toBeGreaterThan(0);
      const listener = uniqueName("listener");
      const seen = new Promise((resolve) => gateway.createService({ name: listener, events: { "config.changed": (ctx: { params: unknown }) => resolve(ctx.params) } }));
      await storage.waitForServices(listener, 5000);
      await storage.call("config.set", { kind: "markets", name: "sol-paper", body: { venue: "paper", kind: "cex", symbol: "SOL/USDC" } });
      expect(await seen).toMatchObject({ name: "sol-paper", version: 2 });
      const second = await gateway.call<{ version: number; body: { symbol: string } }, object>("config.get", { kind: "markets", name: "sol-paper" });
      expect(second).toMatchObject({ version: 2, body: { symbol: "SOL/USDC" } });
    } finally {
      redis.disconnect();
    }
  });

  it("lets a second node start on the same database without re-running migrations", async () => {
    const env = testEnv({ TRANSPORTER: NATS, DATABASE_URL: db.url, NAMESPACE: uniqueName("other"), SERVICES: "auth,config", NODE_ID: uniqueName("late") });
    envs.push(env);
    const late = createNode(env, { logger: false });
    await late.start();
    try {
      const docs = await late.call<Array<{ name: string }>, object>("config.list", { kind: "markets" });
      expect(docs.map((d) => d.name).sort()).toEqual(["eth-paper", "sol-paper"]);
    } finally {
      await late.stop();
    }
  });
});

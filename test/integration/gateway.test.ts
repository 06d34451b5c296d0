/**
 * Through the real gateway over HTTP, on the embedded default (one process, SQLite):
 * login, tokens, role checks, validation errors, limits and the OpenAPI document.
 */
import { Errors, type ServiceBroker } from "moleculer";
import { createNode } from "../../services";
import { TEST_ADMIN_PASSWORD, testEnv } from "../support/env";
import { gatewayUrl, http, startGateway, userToken, waitForRoute } from "../support/http";

describe("api gateway", () => {
  const env = testEnv({ SERVICES: "api,auth,config", BODY_LIMIT: "2kb", RATE_LIMIT_PER_MINUTE: "1000" });
  let broker: ServiceBroker;
  let base: string;
  let adminToken: string;
  let viewerToken: string;

  beforeAll(async () => {
    broker = createNode(env, { logger: false });
    ({ base, token: adminToken } = await startGateway(broker));
    viewerToken = await userToken(base, adminToken, { username: "vera", password: "viewer-password-1", role: "viewer" });
  });

  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("answers health without a token", async () => {
    const res = await http(base, "GET", "/api/v1/health");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "ok", services: expect.arrayContaining(["api", "auth", "config"]) });
  });

  it("logs in the first admin and returns a bearer JWT", async () => {
    const res = await http(base, "POST", "/api/v1/auth/login", { body: { username: "admin", password: TEST_ADMIN_PASSWORD } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ tokenType: "Bearer", expiresIn: 300, refreshToken: expect.stringMatching(/^mmr_/), user: { username: "admin", role: "admin" } });
    expect(res.body.accessToken.split(".")).toHaveLength(3);
    expect(JSON.stringify(res.body)).not.toContain("password");
  });

  it("refuses a wrong password with 401 and the error shape", async () => {
    const res = await http(base, "POST", "/api/v1/auth/login", { body: { username: "admin", password: "nope" } });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: { code: "UNAUTHORIZED", message: "Invalid username or password" } });
  });

  it("refuses a missing or forged token with 401", async () => {
    expect((await http(base, "GET", "/api/v1/config/markets")).status).toBe(401);
    const forged = await http(base, "GET", "/api/v1/config/markets", { token: adminToken.slice(0, -2) + "xx" });
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe("UNAUTHORIZED");
  });

  it("forbids a viewer admin work and config changes with 403", async () => {
    const users = await http(base, "GET", "/api/v1/auth/users", { token: viewerToken });
    expect(users.status).toBe(403);
    expect(users.body.error).toMatchObject({ code: "FORBIDDEN", message: expect.stringContaining("admin") });
    const write = await http(base, "PUT", "/api/v1/config/markets/btc-paper", {
      token: viewerToken,
      body: { body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } },
    });
    expect(write.status).toBe(403);
    // The viewer may still read.
    expect((await http(base, "GET", "/api/v1/config/markets", { token: viewerToken })).status).toBe(200);
  });

  it("rejects invalid params with 422 naming the field", async () => {
    const res = await http(base, "POST", "/api/v1/auth/users", { token: adminToken, body: { username: "x", password: "long-enough-password", role: "pilot" } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("VALIDATION_ERROR");
    const fields = (res.body.error.data as Array<{ field: string }>).map((d) => d.field).sort();
    expect(fields).toEqual(["role", "username"]);
  });

  it("rejects an invalid config document with 422 naming the nested field", async () => {
    const res = await http(base, "PUT", "/api/v1/config/markets/btc-paper", { token: adminToken, body: { body: { venue: "paper", kind: "cex", symbol: "btcusdt" } } });
    expect(res.status).toBe(422);
    expect(res.body.error.data).toEqual([expect.objectContaining({ field: "symbol" })]);
  });

  it("passes a service's retryable failure through as 503, once", async () => {
    let calls = 0;
    broker.createService({
      name: "flaky",
      actions: {
        probe: {
          rest: "GET /probe",
          auth: false,
          handler() {
            calls += 1;
            throw new Errors.MoleculerRetryableError("Venue unavailable", 503, "EXCHANGE_UNAVAILABLE");
          },
        },
      },
    });
    await waitForRoute(base, "/api/v1/flaky/probe", 5000, "GET");
    calls = 0;
    const res = await http(base, "GET", "/api/v1/flaky/probe");
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ error: { code: "EXCHANGE_UNAVAILABLE", message: "Venue unavailable" } });
    // The broker's retry policy retries the call into the service (1 + 3 retries), not the whole request.
    expect(calls).toBe(4);
  });

  it("answers an unknown route with 404", async () => {
    const res = await http(base, "GET", "/api/v1/no/such/route", { token: adminToken });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
  });

  it("refuses an oversized body with 413 before it reaches a service", async () => {
    const res = await http(base, "POST", "/api/v1/auth/login", { rawBody: JSON.stringify({ username: "admin", password: "x".repeat(4000) }) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("creates, uses, lists and revokes an API token", async () => {
    const created = await http(base, "POST", "/api/v1/auth/tokens", { token: adminToken, body: { name: "script", role: "viewer" } });
    expect(created.status).toBe(200);
    const apiToken: string = created.body.token;
    expect(apiToken).toMatch(/^mmt_/);
    const me = await http(base, "GET", "/api/v1/auth/me", { token: apiToken });
    expect(me.body).toMatchObject({ username: "admin", role: "viewer", via: "api-token" });
    // A viewer-scoped token cannot do admin work even though its owner could.
    expect((await http(base, "GET", "/api/v1/auth/users", { token: apiToken })).status).toBe(403);

    const listed = await http(base, "GET", "/api/v1/auth/tokens", { token: adminToken });
    expect(JSON.stringify(listed.body)).not.toContain(apiToken);
    expect(listed.body).toEqual(expect.arrayContaining([expect.objectContaining({ id: created.body.id, hint: apiToken.slice(0, 8) + "…" })]));

    expect((await http(base, "DELETE", `/api/v1/auth/tokens/${created.body.id}`, { token: adminToken })).status).toBe(200);
    expect((await http(base, "GET", "/api/v1/auth/me", { token: apiToken })).status).toBe(401);
  });

  it("keeps config versions, history and rollback, and announces changes", async () => {
    const changes: unknown[] = [];
    broker.createService({ name: "config-listener", events: { "config.changed"(ctx: { params: unknown }) { changes.push(ctx.params); } } });
    const path = "/api/v1/config/strategies/btc-mm";
    const v1 = { market: "btc-paper", strategy: "pure_market_making", params: { bidSpread: 0.01, askSpread: 0.01, orderAmount: "0.1" } };
    const v2 = { ...v1, params: { ...v1.params, bidSpread: 0.02 } };
    expect((await http(base, "PUT", path, { token: adminToken, body: { body: v1 } })).body.version).toBe(1);
    // The cached list (its JSON reused while cached) shows each new version once written.
    const listed = async () => (await http(base, "GET", "/api/v1/config/strategies", { token: viewerToken })).body.map((d: { version: number }) => d.version);
    expect(await listed()).toEqual([1]);
    expect(await listed()).toEqual([1]);
    expect((await http(base, "PUT", path, { token: adminToken, body: { body: v2, comment: "wider" } })).body.version).toBe(2);
    expect(await listed()).toEqual([2]);
    const bad = await http(base, "PUT", path, { token: adminToken, body: { body: { ...v1, params: { bidSpread: -1 } } } });
    expect(bad.status).toBe(422);
    // The refused write left version 2 active.
    expect((await http(base, "GET", path, { token: viewerToken })).body).toMatchObject({ version: 2, body: { params: { bidSpread: 0.02 } } });
    const rolled = await http(base, "POST", `${path}/rollback`, { token: adminToken, body: { version: 1 } });
    expect(rolled.body).toMatchObject({ version: 3, body: { params: { bidSpread: 0.01 } } });
    const history = await http(base, "GET", `${path}/history`, { token: viewerToken });
    expect(history.body.map((d: { version: number }) => d.version)).toEqual([3, 2, 1]);
    expect(changes).toHaveLength(3);
    expect(changes[2]).toMatchObject({ kind: "strategies", name: "btc-mm", version: 3 });
  });

  it("publishes an OpenAPI document listing every route, and Swagger UI", async () => {
    const doc = await http(base, "GET", "/api/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.0.3");
    const operations = Object.entries(doc.body.paths as Record<string, Record<string, { operationId: string }>>).flatMap(([p, item]) =>
      Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${p} ${op.operationId}`),
    );
    const aliases = (broker.getLocalService("api") as unknown as { aliases: Array<{ method: string; fullPath: string; action?: string }> }).aliases
      .filter((a) => a.action)
      .map((a) => `${a.method} ${a.fullPath.replace(/:(\w+)/g, "{$1}")} ${a.action}`);
    expect(aliases.length).toBeGreaterThan(15);
    expect(operations.sort()).toEqual(expect.arrayContaining(aliases.sort()));
    expect(operations).toContain("PUT /api/v1/config/{kind}/{name} config.set");
    const setOp = doc.body.paths["/api/v1/config/{kind}/{name}"].put;
    expect(setOp.requestBody.content["application/json"].schema.required).toContain("body");
    expect(doc.body.paths["/api/v1/auth/login"].post.security).toEqual([]);

    const ui = await http(base, "GET", "/api/docs");
    expect(ui.status).toBe(200);
    expect(ui.body).toContain("SwaggerUIBundle");
    const asset = await fetch(`${base}/api/docs/assets/swagger-ui-bundle.js`);
    expect(asset.status).toBe(200);
  });
});

describe("api gateway rate limit", () => {
  const env = testEnv({ SERVICES: "api,auth", RATE_LIMIT_PER_MINUTE: "5" });
  let broker: ServiceBroker;

  beforeAll(async () => {
    broker = createNode(env, { logger: false });
    await broker.start();
  });

  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("answers 429 once a client exceeds its per-minute budget, per client", async () => {
    const base = gatewayUrl(broker);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await http(base, "GET", "/api/v1/health")).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const limited = await http(base, "GET", "/api/v1/health");
    expect(limited.body.error.code).toBe("RATE_LIMITED");
    // A bearer nobody verified is no other client: it spends the same address's budget.
    expect((await http(base, "GET", "/api/v1/health", { token: "some-other-client" })).status).toBe(429);
  });
});

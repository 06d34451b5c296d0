/**
 * The attack findings against authentication, each through the real gateway over HTTP on the
 * embedded default (one process, SQLite): tokens follow their user, password guessing is
 * throttled before any hashing, the rate limit keys on the verified principal or the socket
 * address, the JWT key is not the one the database once held, and the smaller holes.
 */
import { randomBytes } from "node:crypto";
import Redis from "ioredis";
import type { ServiceBroker } from "moleculer";
import { Sequelize } from "sequelize";
import { signAccessToken } from "../../lib/auth/access-tokens";
import { passwordChecks } from "../../lib/auth/passwords";
import { migrateUp } from "../../lib/db/migrations";
import { AUTH_SETTINGS_TABLE, authMigrations } from "../../lib/db/schemas/auth";
import { createNode } from "../../services";
import { TEST_ADMIN_PASSWORD, testEnv, uniqueName } from "../support/env";
import { gatewayUrl, http, login, startGateway, waitForRoute } from "../support/http";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

describe("auth: tokens follow the user, throttling, smaller holes", () => {
  const env = testEnv({ SERVICES: "api,auth", RATE_LIMIT_PER_MINUTE: "10000" });
  let broker: ServiceBroker;
  let base: string;
  let admin: string;

  async function createUser(username: string, password: string, role: string) {
    const res = await http(base, "POST", "/api/v1/auth/users", { token: admin, body: { username, password, role } });
    expect(res.status).toBe(200);
    return res.body as { id: number };
  }

  beforeAll(async () => {
    broker = createNode(env, { logger: false });
    ({ base, token: admin } = await startGateway(broker));
  });

  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("refuses a demoted admin's old token for admin work at once", async () => {
    const ada = await createUser("ada", "ada-password-123", "admin");
    const old = (await login(base, "ada", "ada-password-123")).body.accessToken;
    expect((await http(base, "GET", "/api/v1/auth/users", { token: old })).status).toBe(200);

    expect((await http(base, "PATCH", `/api/v1/auth/users/${ada.id}`, { token: admin, body: { role: "viewer" } })).status).toBe(200);
    expect((await http(base, "GET", "/api/v1/auth/users", { token: old })).status).toBe(401);
    const attempt = await http(base, "POST", "/api/v1/auth/users", { token: old, body: { username: "mallory", password: "mallory-password-1", role: "admin" } });
    expect(attempt.status).toBe(401);
    // Logged in again, ada is what her row says.
    const fresh = (await login(base, "ada", "ada-password-123")).body.accessToken;
    expect((await http(base, "GET", "/api/v1/auth/me", { token: fresh })).body).toMatchObject({ username: "ada", role: "viewer" });
    expect((await http(base, "GET", "/api/v1/auth/users", { token: fresh })).status).toBe(403);
  });

  it("refuses a disabled user's token and refresh token", async () => {
    const dora = await createUser("dora", "dora-password-123", "trader");
    const session = (await login(base, "dora", "dora-password-123")).body;
    expect((await http(base, "GET", "/api/v1/auth/me", { token: session.accessToken })).status).toBe(200);
    expect((await http(base, "PATCH", `/api/v1/auth/users/${dora.id}`, { token: admin, body: { disabled: true } })).status).toBe(200);
    expect((await http(base, "GET", "/api/v1/auth/me", { token: session.accessToken })).status).toBe(401);
    expect((await http(base, "POST", "/api/v1/auth/refresh", { body: { refreshToken: session.refreshToken } })).status).toBe(401);
  });

  it("ends every old token when a password changes, by the user or by an admin", async () => {
    const pat = await createUser("pat", "pat-password-123", "trader");
    const first = (await login(base, "pat", "pat-password-123")).body;
    const changed = await http(base, "POST", "/api/v1/auth/password", { token: first.accessToken, body: { currentPassword: "pat-password-123", newPassword: "pat-password-456" } });
    expect(changed.status).toBe(200);
    expect((await http(base, "GET", "/api/v1/auth/me", { token: first.accessToken })).status).toBe(401);
    expect((await http(base, "POST", "/api/v1/auth/refresh", { body: { refreshToken: first.refreshToken } })).status).toBe(401);
    // The change answers with a new session, which works.
    expect((await http(base, "GET", "/api/v1/auth/me", { token: changed.body.accessToken })).body).toMatchObject({ username: "pat" });

    expect((await http(base, "PATCH", `/api/v1/auth/users/${pat.id}`, { token: admin, body: { password: "pat-password-789" } })).status).toBe(200);
    expect((await http(base, "GET", "/api/v1/auth/me", { token: changed.body.accessToken })).status).toBe(401);
    expect((await login(base, "pat", "pat-password-789")).status).toBe(200);
  });

  it("rotates refresh tokens, and a spent one presented again ends its family", async () => {
    await createUser("rita", "rita-password-123", "viewer");
    const first = (await login(base, "rita", "rita-password-123")).body;
    const second = await http(base, "POST", "/api/v1/auth/refresh", { body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect((await http(base, "GET", "/api/v1/auth/me", { token: second.body.accessToken })).body).toMatchObject({ username: "rita", role: "viewer" });
    // The first refresh token again: refused, and the one issued for it dies with it.
    expect((await http(base, "POST", "/api/v1/auth/refresh", { body: { refreshToken: first.refreshToken } })).status).toBe(401);
    expect((await http(base, "POST", "/api/v1/auth/refresh", { body: { refreshToken: second.body.refreshToken } })).status).toBe(401);
    // Logout revokes a live one.
    const other = (await login(base, "rita", "rita-password-123")).body;
    expect((await http(base, "POST", "/api/v1/auth/logout", { body: { refreshToken: other.refreshToken } })).status).toBe(200);
    expect((await http(base, "POST", "/api/v1/auth/refresh", { body: { refreshToken: other.refreshToken } })).status).toBe(401);
  });

  it("throttles 30 wrong passwords, refusing the throttled tries without hashing, until an admin unlocks", async () => {
    await createUser("gus", "gus-password-123", "trader");
    const checksBefore = passwordChecks.count;
    const statuses: number[] = [];
    let throttled: Awaited<ReturnType<typeof login>> | null = null;
    for (let i = 0; i < 30; i++) {
      const res = await login(base, "gus", `wrong-password-${i}`);
      statuses.push(res.status);
      if (res.status === 429) throttled = res;
    }
    expect(statuses).toEqual([...Array(5).fill(401), ...Array(25).fill(429)]);
    // Only the 5 free tries ran scrypt; the 25 refused ones cost a counter read each.
    expect(passwordChecks.count - checksBefore).toBe(5);
    expect(throttled!.body.error).toMatchObject({ code: "LOGIN_THROTTLED", data: { retryAfterMs: expect.any(Number) } });
    expect(Number(throttled!.headers.get("retry-after"))).toBeGreaterThan(0);
    // Even the right password waits out the lock ...
    expect((await login(base, "gus", "gus-password-123")).status).toBe(429);
    // ... unless an admin unlocks the account. Only an admin may.
    // The address is not locked (5 failures of its 20): the admin still logs in from it.
    expect((await login(base, "admin", TEST_ADMIN_PASSWORD)).status).toBe(200);
    const viewer = (await login(base, "rita", "rita-password-123")).body.accessToken;
    expect((await http(base, "POST", "/api/v1/auth/unlock", { token: viewer, body: { username: "gus" } })).status).toBe(403);
    expect((await http(base, "POST", "/api/v1/auth/unlock", { token: admin, body: { username: "gus" } })).status).toBe(200);
    expect((await login(base, "gus", "gus-password-123")).status).toBe(200);
  });

  it("refuses a NUL or control character in a username as a validation error, before any query", async () => {
    for (const username of ["admin\u0000x", "ad\nmin", "\u0007"]) {
      const res = await login(base, username, "whatever-password");
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe("VALIDATION_ERROR");
      expect(res.body.error.data.map((d: { field: string }) => d.field)).toEqual(["username"]);
    }
  });

  it("answers concurrent creates of one username with one success and 409 for the rest", async () => {
    const body = { username: "twin", password: "twin-password-123", role: "viewer" };
    const results = await Promise.all(Array.from({ length: 4 }, () => http(base, "POST", "/api/v1/auth/users", { token: admin, body })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    expect(results.find((r) => r.status === 409)!.body.error.code).toBe("CONFLICT");
  });

  it("keeps the last active admin: it cannot demote, disable or delete itself", async () => {
    const users = (await http(base, "GET", "/api/v1/auth/users", { token: admin })).body as Array<{ id: number; username: string; role: string; disabled: boolean }>;
    expect(users.filter((u) => u.role === "admin" && !u.disabled).map((u) => u.username)).toEqual(["admin"]);
    const me = users.find((u) => u.username === "admin")!;
    for (const [method, body] of [["PATCH", { role: "trader" }], ["PATCH", { disabled: true }], ["DELETE", undefined]] as const) {
      const res = await http(base, method, `/api/v1/auth/users/${me.id}`, { token: admin, body });
      expect(res.status).toBe(409);
      expect(res.body.error.message).toContain("last active admin");
    }
    // Still an admin, still working.
    expect((await http(base, "GET", "/api/v1/auth/users", { token: admin })).status).toBe(200);
    // With a second admin the first may step down; the user it deletes loses its tokens at once.
    const eve = await createUser("eve", "eve-password-123", "admin");
    const eveToken = (await login(base, "eve", "eve-password-123")).body.accessToken;
    expect((await http(base, "DELETE", `/api/v1/auth/users/${eve.id}`, { token: admin })).status).toBe(200);
    expect((await http(base, "GET", "/api/v1/auth/me", { token: eveToken })).status).toBe(401);
  });
});

describe("auth: the gateway's rate limit keys on the verified principal or the socket address", () => {
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

  it("gives a random bearer or X-Forwarded-For per request no fresh budget; a verified token has its own", async () => {
    const base = gatewayUrl(broker);
    await waitForRoute(base, "/api/v1/auth/login"); // its one answered probe spends 1 of the address's 5
    const token = (await login(base, "admin", TEST_ADMIN_PASSWORD)).body.accessToken; // 2 of 5
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${base}/api/v1/health`, {
        headers: { authorization: `Bearer ${randomBytes(24).toString("base64url")}`, "x-forwarded-for": `10.0.${i}.1` },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect((await http(base, "GET", "/api/v1/auth/me", { token })).status).toBe(200);
  });
});

describe("auth: the JWT key is not kept in the database", () => {
  const masterKey = randomBytes(16).toString("hex");
  const env = testEnv({ SERVICES: "api,auth", JWT_SECRET: "", MASTER_KEY: masterKey, RATE_LIMIT_PER_MINUTE: "10000" });
  const oldSecret = randomBytes(48).toString("base64url");
  let broker: ServiceBroker;
  let base: string;

  beforeAll(async () => {
    // The database as the previous version left it: its plaintext signing key in auth_settings.
    if (env.database.dialect !== "sqlite") throw new Error("expected SQLite");
    const sequelize = new Sequelize({ dialect: "sqlite", storage: env.database.storage, logging: false });
    await migrateUp(sequelize, "auth", authMigrations.slice(0, 2));
    await sequelize.getQueryInterface().bulkInsert(AUTH_SETTINGS_TABLE, [{ key: "jwt_secret", value: oldSecret }]);
    await sequelize.close();

    broker = createNode(env, { logger: false });
    await broker.start();
    base = gatewayUrl(broker);
    await waitForRoute(base, "/api/v1/auth/login");
  });

  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("refuses an admin token forged with the secret the database held, and forgets that secret", async () => {
    const forged = signAccessToken(oldSecret, { userId: 1, username: "admin", role: "admin" });
    expect((await http(base, "GET", "/api/v1/auth/users", { token: forged })).status).toBe(401);

    const sequelize = new Sequelize({ dialect: "sqlite", storage: (env.database as { storage: string }).storage, logging: false });
    const rows = (await sequelize.getQueryInterface().select(null, AUTH_SETTINGS_TABLE, {})) as Array<{ key: string; value: string }>;
    await sequelize.close();
    expect(rows.map((r) => r.key)).toEqual(["jwt_salt"]);
    expect(JSON.stringify(rows)).not.toContain(oldSecret);

    // Tokens signed with the key derived from MASTER_KEY work.
    const token = (await login(base, "admin", TEST_ADMIN_PASSWORD)).body.accessToken;
    expect((await http(base, "GET", "/api/v1/auth/users", { token })).status).toBe(200);
  });
});

describe("auth: with CACHER=redis every gateway and auth node counts against the same budgets", () => {
  const REDIS = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
  const namespace = uniqueName("authrl");
  // Two separate nodes (no transporter between them) that share only Redis.
  const envs = [0, 1].map(() => testEnv({ SERVICES: "api,auth", CACHER: REDIS, NAMESPACE: namespace, RATE_LIMIT_PER_MINUTE: "8" }));
  const brokers: ServiceBroker[] = [];

  beforeAll(async () => {
    for (const env of envs) {
      const broker = createNode(env, { logger: false });
      await broker.start();
      brokers.push(broker);
      await waitForRoute(gatewayUrl(broker), "/api/v1/auth/login"); // spends 1 of the address's 8
    }
  });

  afterAll(async () => {
    for (const broker of brokers) await broker.stop();
    for (const env of envs) env.cleanup();
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it("locks an account on one node after failures on the other, and shares the address's request budget", async () => {
    const [a, b] = brokers.map(gatewayUrl);
    const checksBefore = passwordChecks.count;
    const onA: number[] = [];
    for (let i = 0; i < 5; i++) onA.push((await login(a, "admin", `wrong-${i}`)).status);
    expect(onA).toEqual([401, 401, 401, 401, 401]);
    // Node B never saw a failure itself, and still refuses without hashing.
    expect((await login(b, "admin", "wrong-again")).status).toBe(429);
    expect(passwordChecks.count - checksBefore).toBe(5);
    // 2 probes + 6 logins spent the address's 8 requests across both gateways.
    expect((await http(b, "GET", "/api/v1/health")).status).toBe(429);
    expect((await http(a, "GET", "/api/v1/health")).status).toBe(429);
  });
});

describe.each(["sqlite", "postgres"])("auth: races on %s", (dialect) => {
  let db: TempDatabase | null = null;
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  let base: string;
  let admin: string;

  beforeAll(async () => {
    if (dialect === "postgres") db = await createTempDatabase();
    env = testEnv({ SERVICES: "api,auth", RATE_LIMIT_PER_MINUTE: "10000", ...(db ? { DATABASE_URL: db.url } : {}) });
    broker = createNode(env, { logger: false });
    ({ base, token: admin } = await startGateway(broker));
  });

  afterAll(async () => {
    await broker?.stop();
    env?.cleanup();
    await db?.drop();
  });

  it("answers concurrent creates of one username with one success and 409 for the rest", async () => {
    const body = { username: "twin", password: "twin-password-123", role: "viewer" };
    const results = await Promise.all(Array.from({ length: 4 }, () => http(base, "POST", "/api/v1/auth/users", { token: admin, body })));
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
  });

  it("lets only one of two admins demoting each other at once succeed", async () => {
    const other = (await http(base, "POST", "/api/v1/auth/users", { token: admin, body: { username: "otto", password: "otto-password-123", role: "admin" } })).body as { id: number };
    const otto = (await login(base, "otto", "otto-password-123")).body.accessToken;
    const users = (await http(base, "GET", "/api/v1/auth/users", { token: admin })).body as Array<{ id: number; username: string }>;
    const adminId = users.find((u) => u.username === "admin")!.id;
    const [a, b] = await Promise.all([
      http(base, "PATCH", `/api/v1/auth/users/${other.id}`, { token: admin, body: { role: "viewer" } }),
      http(base, "PATCH", `/api/v1/auth/users/${adminId}`, { token: otto, body: { role: "viewer" } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const after = (await broker.call("auth.listUsers")) as Array<{ role: string; disabled: boolean }>;
    expect(after.filter((u) => u.role === "admin" && !u.disabled)).toHaveLength(1);
  });
});

/**
 * Secrets never reach the log or a response, at LOG_LEVEL=debug and trace. The node is built by
 * the real configuration (createNode → moleculer.config.ts: the Console logger behind the
 * redactor); everything it prints through console.* is captured. Unique random canaries go
 * through every gateway route that takes a secret (login, user create and update, password
 * change, keys.add for a CEX key and an EVM private key), valid and invalid (ValidationError)
 * variants (one sends a private key as the whole `payload`, under no secret name), a secret in a
 * query string and a bearer header, a careless service that logs and
 * throws its params, and an event carrying a secret field. The whole log and every response
 * body are then searched for each canary.
 */
import { randomBytes } from "node:crypto";
import util from "node:util";
import { Errors, type ServiceBroker, type ServiceSchema } from "moleculer";
import { createNode } from "../../services";
import { clearKnownSecrets, REDACTED } from "../../lib/runtime/redact";
import { testEnv } from "../support/env";
import { gatewayUrl, http, waitForRoute, type HttpResult } from "../support/http";

const canary = (name: string) => `canary-${name}-${randomBytes(9).toString("base64url")}`;

/** A service that does what a careless one would: logs its params, quotes a secret in an error, emits it. */
const leaky: ServiceSchema = {
  name: "leaky",
  actions: {
    fail: {
      rest: "POST /fail",
      auth: false,
      params: { apiKey: "string" },
      handler(ctx) {
        this.logger.info("leaky.fail called with", ctx.params);
        this.logger.debug(`leaky.fail params ${JSON.stringify(ctx.params)}`);
        throw new Errors.MoleculerError(`upstream refused key ${ctx.params.apiKey}`, 500, "UPSTREAM", { params: ctx.params });
      },
    },
    // Writes a secret param into free text only: the value is known because the action takes a secret.
    greet: {
      params: { password: "string" },
      handler(ctx) {
        this.logger.warn(`login attempt with ${ctx.params.password}`);
        return true;
      },
    },
  },
};

type Received = { apiKey?: unknown; user?: unknown };
function listener(received: Received[]): ServiceSchema {
  return {
    name: "listener",
    events: {
      "test.secret.sent"(ctx) {
        received.push(ctx.params as Received);
        this.logger.info("event received", ctx.params);
      },
    },
  };
}

describe.each(["debug", "trace"])("redaction at LOG_LEVEL=%s", (level) => {
  const secrets = {
    admin: canary("admin-password"),
    masterKey: canary("master-key"),
    carol1: canary("carol-password-1"),
    carol2: canary("carol-password-2"),
    carol3: canary("carol-password-3"),
    wrongLogin: canary("wrong-login"),
    badLogin: canary("invalid-login"),
    badCreate: canary("invalid-create"),
    longCreate: canary("long-create"),
    badUpdate: canary("invalid-update"),
    wrongCurrent: canary("wrong-current"),
    numericNew: String(100_000_000_000_000 + Math.floor(Math.random() * 800_000_000_000_000)),
    cexKey: canary("cex-api-key"),
    cexSecret: canary("cex-secret"),
    cexPassphrase: canary("cex-passphrase"),
    badCexKey: canary("invalid-cex-key"),
    badCexSecret: canary("invalid-cex-secret"),
    evmKey: `0x${randomBytes(32).toString("hex")}`,
    badEvmKey: canary("invalid-evm-key"),
    evmKeyAsPayload: `0x${randomBytes(32).toString("hex")}`,
    queryToken: canary("query-token"),
    bearer: canary("bearer"),
    leakyKey: canary("leaky-key"),
    freeText: canary("free-text-password"),
    eventKey: canary("event-key"),
  };
  const env = testEnv({ SERVICES: "api,auth,keys", LOG_LEVEL: level, ADMIN_PASSWORD: secrets.admin, MASTER_KEY: secrets.masterKey, RATE_LIMIT_PER_MINUTE: "10000" });
  const log: string[] = [];
  const responses: Array<HttpResult & { route: string }> = [];
  const issued: string[] = [];
  const received: Received[] = [];
  let broker: ServiceBroker;
  let base: string;

  const call = async (method: string, route: string, options: Parameters<typeof http>[3] = {}) => {
    const res = await http(base, method, route, options);
    responses.push({ ...res, route: `${method} ${route}` });
    return res;
  };

  beforeAll(async () => {
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void log.push(util.format(...args)));
    }
    broker = createNode(env);
    broker.createService(leaky);
    broker.createService(listener(received));
    await broker.start();
    base = gatewayUrl(broker);
    await waitForRoute(base, "/api/v1/auth/login");

    // auth.login: valid, wrong password, invalid (a ValidationError).
    const admin = await call("POST", "/api/v1/auth/login", { body: { username: "admin", password: secrets.admin } });
    expect(admin.status).toBe(200);
    const token = admin.body.accessToken as string;
    issued.push(token);
    expect((await call("POST", "/api/v1/auth/login", { body: { username: "admin", password: secrets.wrongLogin } })).status).toBe(401);
    expect((await call("POST", "/api/v1/auth/login", { body: { username: "admin", password: [secrets.badLogin] } })).status).toBe(422);

    // auth.createUser: valid, a password of the wrong type, one too long.
    const carol = await call("POST", "/api/v1/auth/users", { token, body: { username: "carol", password: secrets.carol1, role: "trader" } });
    expect(carol.status).toBe(200);
    expect((await call("POST", "/api/v1/auth/users", { token, body: { username: "dave", password: { value: secrets.badCreate }, role: "viewer" } })).status).toBe(422);
    expect((await call("POST", "/api/v1/auth/users", { token, body: { username: "erin", password: secrets.longCreate.repeat(20), role: "viewer" } })).status).toBe(422);

    // auth.updateUser: a new password, then an invalid one.
    expect((await call("PATCH", `/api/v1/auth/users/${carol.body.id}`, { token, body: { password: secrets.carol2 } })).status).toBe(200);
    expect((await call("PATCH", `/api/v1/auth/users/${carol.body.id}`, { token, body: { password: [secrets.badUpdate] } })).status).toBe(422);

    // auth.changePassword as carol: valid, wrong current password, a numeric new password.
    const carolLogin = await call("POST", "/api/v1/auth/login", { body: { username: "carol", password: secrets.carol2 } });
    expect(carolLogin.status).toBe(200);
    let carolToken = carolLogin.body.accessToken as string;
    issued.push(carolToken);
    const changed = await call("POST", "/api/v1/auth/password", { token: carolToken, body: { currentPassword: secrets.carol2, newPassword: secrets.carol3 } });
    expect(changed.status).toBe(200);
    // A password change ends every other session: carol goes on with the one it returns.
    carolToken = changed.body.accessToken as string;
    issued.push(carolToken);
    expect((await call("POST", "/api/v1/auth/password", { token: carolToken, body: { currentPassword: secrets.wrongCurrent, newPassword: secrets.carol1 } })).status).toBe(401);
    expect((await call("POST", "/api/v1/auth/password", { token: carolToken, body: { currentPassword: secrets.carol3, newPassword: Number(secrets.numericNew) } })).status).toBe(422);

    // An API token, then used as the bearer.
    const apiToken = await call("POST", "/api/v1/auth/tokens", { token, body: { name: "script" } });
    expect(apiToken.status).toBe(200);
    issued.push(apiToken.body.token);
    expect((await call("GET", "/api/v1/auth/me", { token: apiToken.body.token })).status).toBe(200);

    // keys.add: a CEX key and an EVM private key, valid and invalid.
    const cex = await call("POST", "/api/v1/keys", { token, body: { id: "cex-main", kind: "cex", payload: { exchange: "okx", apiKey: secrets.cexKey, secret: secrets.cexSecret, password: secrets.cexPassphrase } } });
    expect(cex.status).toBe(200);
    expect((await call("POST", "/api/v1/keys", { token, body: { id: "cex-bad", kind: "cex", payload: { exchange: "okx", apiKey: secrets.badCexKey, apiSecret: secrets.badCexSecret } } })).status).toBe(422);
    expect((await call("POST", "/api/v1/keys", { token, body: { id: "evm-main", kind: "evm", payload: { privateKey: secrets.evmKey } } })).status).toBe(200);
    expect((await call("POST", "/api/v1/keys", { token, body: { id: "evm-bad", kind: "evm", payload: { privateKey: secrets.badEvmKey } } })).status).toBe(422);
    const asPayload = await call("POST", "/api/v1/keys", { token, body: { id: "evm-bad2", kind: "evm", payload: secrets.evmKeyAsPayload } });
    expect(asPayload.status).toBe(422);
    expect(asPayload.body.error.data[0]).toMatchObject({ field: "payload", actual: REDACTED });

    // A secret in a query string and a made-up bearer token.
    await call("GET", `/api/v1/health?token=${secrets.queryToken}`);
    expect((await call("GET", "/api/v1/auth/me", { token: secrets.bearer })).status).toBe(401);

    // A careless service: logs its params (object and formatted string) and throws them in a 500's data.
    const leak = await call("POST", "/api/v1/leaky/fail", { body: { apiKey: secrets.leakyKey } });
    expect(leak.status).toBe(500);

    // An event carrying a secret field.
    await broker.emit("test.secret.sent", { user: "carol", apiKey: secrets.eventKey });

    // Free text only: a secret param an action takes, and secrets keys.reveal hands a signing
    // service (what the process knew so far is forgotten first, so only the reveal can teach it).
    await broker.call("leaky.greet", { password: secrets.freeText });
    clearKnownSecrets();
    const revealed = (await broker.call("keys.reveal", { id: "cex-main" }, { caller: "cex" })) as { payload: { secret: string } };
    expect(revealed.payload.secret).toBe(secrets.cexSecret);
    broker.logger.info(`signing with ${revealed.payload.secret}`);
  }, 60_000);

  afterAll(async () => {
    await broker?.stop();
    jest.restoreAllMocks();
    env.cleanup();
  });

  it("logged the requests at this level (the capture works)", () => {
    const text = log.join("\n");
    expect(text).toContain("POST /api/v1/auth/login");
    expect(text).toContain("Call 'keys.add' action");
    // The gateway does not dump request bodies (a name-based redactor cannot know every shape).
    expect(text).not.toContain("Params:");
    expect(text).toContain(`'${REDACTED}'`);
    expect(text).toContain("leaky.fail called with");
    expect(text).toContain("Request failed:");
    expect(text).toContain(`login attempt with ${REDACTED}`);
    expect(text).toContain(`signing with ${REDACTED}`);
  });

  it("has no canary in the log or any response, and no issued token in the log", () => {
    const text = log.join("\n");
    const answered = responses.map((r) => `${r.status} ${JSON.stringify(r.body)} ${JSON.stringify([...r.headers])}`).join("\n");
    for (const [name, value] of Object.entries(secrets)) {
      expect({ name, inLog: text.includes(value), inResponse: answered.includes(value) }).toEqual({ name, inLog: false, inResponse: false });
    }
    for (const token of issued) expect(text.includes(token)).toBe(false);
  });

  it("names the field of each invalid request without its value", () => {
    const invalid = responses.filter((r) => r.status === 422);
    expect(invalid.length).toBe(8);
    for (const r of invalid) expect(r.body.error).toMatchObject({ code: "VALIDATION_ERROR", data: [expect.objectContaining({ field: expect.any(String) })] });
  });

  it("delivers an event's secret field redacted, with a warning naming the field", () => {
    expect(received).toEqual([{ user: "carol", apiKey: REDACTED }]);
    expect(log.join("\n")).toMatch(/Event 'test\.secret\.sent' carried secret field\(s\) apiKey/);
  });
});

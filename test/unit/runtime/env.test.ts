import { EnvError, KNOWN_SERVICES, readEnv } from "../../../lib/runtime/env";

function errorFor(env: Record<string, string>): EnvError {
  try {
    readEnv(env);
  } catch (err) {
    return err as EnvError;
  }
  throw new Error("readEnv accepted a malformed environment");
}

describe("runtime environment", () => {
  it("defaults to the embedded mode: no transporter, memory cache, SQLite under ./data, every service", () => {
    const env = readEnv({ DATA_DIR: "/tmp/mmesh-data" });
    expect(env.transporter).toBeNull();
    expect(env.cacher).toEqual({ type: "Memory" });
    expect(env.database).toEqual({ dialect: "sqlite", storage: "/tmp/mmesh-data/mmesh.sqlite" });
    expect(env.services).toEqual([...KNOWN_SERVICES]);
    expect(env.apiPort).toBe(3000);
    expect(env.metricsPort).toBe(3030);
    expect(env.amqpUrl).toBeNull();
    expect(env.probeIntervalMs).toBe(10_000);
  });

  it("reads the distributed settings", () => {
    const env = readEnv({
      TRANSPORTER: "nats://127.0.0.1:4222",
      CACHER: "redis://127.0.0.1:6379",
      DATABASE_URL: "postgres://mmesh@127.0.0.1:5432/mmesh",
      SERVICES: "api, auth",
      AMQP_URL: "amqp://guest:guest@127.0.0.1:5672",
      METRICS_PORT: "off",
      PROBE_INTERVAL_MS: "2000",
    });
    expect(env.transporter).toBe("nats://127.0.0.1:4222");
    expect(env.cacher).toEqual({ type: "Redis", url: "redis://127.0.0.1:6379" });
    expect(env.database).toEqual({ dialect: "postgres", url: "postgres://mmesh@127.0.0.1:5432/mmesh" });
    expect(env.services).toEqual(["api", "auth"]);
    expect(env.metricsPort).toBeNull();
    expect(env.probeIntervalMs).toBe(2000);
  });

  it.each([
    [{ TRANSPORTER: "tcp://127.0.0.1" }, "TRANSPORTER"],
    [{ CACHER: "memcached://x" }, "CACHER"],
    [{ DATABASE_URL: "mysql://root@localhost/db" }, "DATABASE_URL"],
    [{ SERVICES: "api,teleporter" }, "SERVICES"],
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ API_PORT: "70000" }, "API_PORT"],
    [{ METRICS_PORT: "abc" }, "METRICS_PORT"],
    [{ AMQP_URL: "nats://x" }, "AMQP_URL"],
    [{ MASTER_KEY: "short" }, "MASTER_KEY"],
    [{ KEYSTORE_BACKEND: "vault" }, "KEYSTORE_BACKEND"],
    [{ KEYSTORE_BACKEND: "aws" }, "AWS_REGION"],
    [{ BODY_LIMIT: "huge" }, "BODY_LIMIT"],
    [{ RATE_LIMIT_PER_MINUTE: "-1" }, "RATE_LIMIT_PER_MINUTE"],
    [{ PROBE_INTERVAL_MS: "soon" }, "PROBE_INTERVAL_MS"],
    [{ EXCHANGE_OVERRIDES: "{binance:" }, "EXCHANGE_OVERRIDES"],
    [{ EXCHANGE_OVERRIDES: '["binance"]' }, "EXCHANGE_OVERRIDES"],
    [{ EXCHANGE_OVERRIDES: '{"binance":"http://127.0.0.1:1"}' }, "EXCHANGE_OVERRIDES"],
  ])("refuses %j naming %s", (env, variable) => {
    const err = errorFor(env);
    expect(err).toBeInstanceOf(EnvError);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(variable);
  });

  it("reads ccxt overrides per exchange and refuses credentials in them without echoing them", () => {
    const urls = { sandbox: true, options: { defaultType: "spot" } };
    expect(readEnv({ EXCHANGE_OVERRIDES: JSON.stringify({ binance: urls }) }).exchangeOverrides).toEqual({ binance: urls });
    expect(readEnv({}).exchangeOverrides).toEqual({});
    const err = errorFor({ EXCHANGE_OVERRIDES: JSON.stringify({ binance: { ...urls, secret: "hunter2-secret" } }) });
    expect(err.message).toContain("binance.secret");
    expect(err.message).toContain("keystore");
    expect(err.message).not.toContain("hunter2");
  });

  it("refuses overrides that move public calls but leave private ones on the live host, naming the exchange and the hosts", () => {
    // The README's old testnet example: only urls.api.public moved.
    const err = errorFor({ EXCHANGE_OVERRIDES: JSON.stringify({ binance: { urls: { api: { public: "https://testnet.binance.vision/api/v3" } } } }) });
    expect(err.variable).toBe("EXCHANGE_OVERRIDES");
    expect(err.message).toContain("binance");
    expect(err.message).toContain("testnet.binance.vision");
    expect(err.message).toContain("api.binance.com");
    expect(err.message).toContain("sandbox");
    expect(errorFor({ EXCHANGE_OVERRIDES: JSON.stringify({ binance: { sandbox: "yes" } }) }).message).toContain("sandbox");
    expect(errorFor({ EXCHANGE_OVERRIDES: JSON.stringify({ nosuchvenue: { sandbox: true } }) }).message).toContain("nosuchvenue");
  });

  it("never puts a password from a URL into the error", () => {
    const err = errorFor({ CACHER: "memcached://user:hunter2@host" });
    expect(err.message).not.toContain("hunter2");
    expect(err.message).toContain("****");
  });
});

/** Fail closed in a cluster: requireClusterSettings names the empty or missing setting a node's services need. */
import { EnvError, readEnv } from "../../../lib/runtime/env";
import { requireClusterSettings } from "../../../lib/runtime/cluster-settings";

const NATS = { TRANSPORTER: "nats://127.0.0.1:4222" };
const check = (env: Record<string, string>) => () => requireClusterSettings(readEnv(env), env);

describe("requireClusterSettings", () => {
  it.each([
    ["config", "DATABASE_URL"],
    ["alerting", "DATABASE_URL"],
    ["backtest", "DATABASE_URL"],
    ["notification", "AMQP_URL"],
    ["api", "JWT_SECRET"],
    ["keys", "MASTER_KEY"],
    ["dex-price-feed", "RPC_URL"],
  ])("refuses %s with a transporter and an empty %s, naming it", (service, variable) => {
    const env = { ...NATS, SERVICES: service, [variable]: "" };
    expect(check(env)).toThrow(EnvError);
    expect(check(env)).toThrow(new RegExp(`^Invalid environment variable ${variable}: required with a transporter by ${service}`));
  });

  it("lets the embedded default (no transporter) fall back to SQLite and the in-process bus", () => {
    expect(check({ SERVICES: "config,notification,api,keys,dex" })).not.toThrow();
  });

  it("allows explicit local choices: DATABASE_URL=sqlite:<file>, AMQP_URL=memory", () => {
    const env = { ...NATS, SERVICES: "config,alerting", DATABASE_URL: "sqlite:/tmp/x.sqlite", AMQP_URL: "memory" };
    expect(check(env)).not.toThrow();
    expect(readEnv(env).amqpUrl).toBeNull();
  });

  it("needs MASTER_KEY only for the file keystore", () => {
    expect(check({ ...NATS, SERVICES: "keys", KEYSTORE_BACKEND: "aws", AWS_REGION: "eu-west-1" })).not.toThrow();
  });
});

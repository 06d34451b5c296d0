/**
 * The server side of the gateway benchmark, in its own process: two independent brokers
 * (no transporter, Memory cacher), each with a moleculer-web gateway on 127.0.0.1:
 *  - mmesh: the real gateway node (SERVICES=api,auth,config, SQLite in a temp dir), whose
 *    routes check a bearer token on every request, apply the rate limiter and call cached
 *    actions (config.list has `cache: { keys: ["kind"] }`);
 *  - bare: a minimal ApiGateway service with one alias GET /api/hello → bare.hello
 *    (returns a constant), no auth, no rate limit.
 * Args: <mmesh port> <bare port> <data dir>. Prints "ready" when both listen.
 */
import { randomBytes } from "node:crypto";
import { ServiceBroker } from "moleculer";
import ApiGateway from "moleculer-web";
import { readEnv } from "../../lib/runtime/env";
import { createNode } from "../../services";

export const BENCH_ADMIN_PASSWORD = "bench-admin-password";

async function main(): Promise<void> {
  const [mmeshPort, barePort, dataDir] = process.argv.slice(2);
  const env = readEnv({
    SERVICES: "api,auth,config",
    DATA_DIR: dataDir,
    API_PORT: mmeshPort,
    API_HOST: "127.0.0.1",
    METRICS_PORT: "off",
    LOG_LEVEL: "warn",
    ADMIN_PASSWORD: BENCH_ADMIN_PASSWORD,
    JWT_SECRET: randomBytes(32).toString("hex"),
    RATE_LIMIT_PER_MINUTE: "1000000000",
    DEMO_BOT: "off",
    NODE_ID: "bench-gateway",
  });
  const mmesh = createNode(env, { logger: false });
  const bare = new ServiceBroker({ nodeID: "bench-bare", logger: false });
  bare.createService({ name: "bare", actions: { hello: () => ({ ok: true }) } });
  bare.createService({
    name: "bare-api",
    mixins: [ApiGateway],
    settings: { port: Number(barePort), ip: "127.0.0.1", routes: [{ path: "/api", aliases: { "GET /hello": "bare.hello" }, mappingPolicy: "restrict" }], log4XXResponses: false },
  });
  await Promise.all([mmesh.start(), bare.start()]);
  console.log("ready");
  const stop = async () => {
    await Promise.all([mmesh.stop(), bare.stop()]);
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop());
  process.once("SIGINT", () => void stop());
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

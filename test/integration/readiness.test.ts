/**
 * GET /api/v1/ready on the real gateway: 503 while a local service is still starting (its
 * route not there yet), 200 once every local service started and its routes are registered,
 * 503 again from the moment the node stops.
 */
import type { Middleware, ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import { createNode } from "../../services";
import { TEST_ADMIN_PASSWORD, testEnv } from "../support/env";
import { gatewayUrl, http } from "../support/http";

function gate(): { wait: Promise<void>; open(): void } {
  let open = () => undefined as void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

async function until<T>(probe: () => Promise<T | null>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("readiness endpoint", () => {
  const env = testEnv({ SERVICES: "api,auth,config" });
  let broker: ServiceBroker;
  const slowStart = gate();
  const slowStop = gate();

  afterAll(async () => {
    slowStart.open();
    slowStop.open();
    await broker?.stop().catch(() => undefined);
    env.cleanup();
  });

  it("answers 503 before every local service started, 200 once routes are registered, 503 while stopping", async () => {
    const holdStopping: Middleware = { name: "HoldStopping", stopping: () => slowStop.wait } as Middleware;
    broker = createNode(env, { logger: false, middlewares: createBrokerOptions(env, [holdStopping]).middlewares });
    broker.createService({
      name: "slowpoke",
      actions: { hello: { rest: "GET /hello", auth: false, handler: () => ({ hello: "world" }) } },
      started: () => slowStart.wait,
    });
    const started = broker.start();

    const base = await until(async () => (broker.getLocalService("api") as unknown as { server?: { listening: boolean } })?.server?.listening ? gatewayUrl(broker) : null, "api listening");
    const before = await http(base, "GET", "/api/v1/ready");
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ status: "not-ready", reason: "starting" });
    // Liveness is not readiness: health already answers.
    expect((await http(base, "GET", "/api/v1/health")).status).toBe(200);

    slowStart.open();
    await started;
    await until(async () => ((await http(base, "GET", "/api/v1/ready")).status === 200 ? true : null), "ready");
    // Ready means routable: the slow service's route and login answer at once.
    expect((await http(base, "GET", "/api/v1/slowpoke/hello")).body).toEqual({ hello: "world" });
    expect((await http(base, "POST", "/api/v1/auth/login", { body: { username: "admin", password: TEST_ADMIN_PASSWORD } })).status).toBe(200);

    const stopped = broker.stop();
    await until(async () => (broker.stopping ? true : null), "stopping");
    const during = await http(base, "GET", "/api/v1/ready");
    expect(during.status).toBe(503);
    expect(during.body).toMatchObject({ status: "not-ready", reason: "stopping" });
    slowStop.open();
    await stopped;
  });
});

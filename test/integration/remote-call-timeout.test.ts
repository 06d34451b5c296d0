/**
 * A remote call that times out is over for the caller: two brokers over the real NATS with the
 * broker configuration (moleculer.config.ts). Moleculer's own middleware order kept such a call
 * tracked for good (the late answer is dropped, so it never settled), and the node's stop then
 * waited the whole shutdown timeout. A local handler still running at stop is still waited for.
 */
import { Errors, ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import { testEnv, uniqueName } from "../support/env";

const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const tracked = (broker: ServiceBroker) => (broker as unknown as { _trackedContexts: unknown[] })._trackedContexts.length;

describe("remote calls that time out", () => {
  it("are no longer tracked once the caller has its timeout, so the caller stops at once", async () => {
    const namespace = uniqueName("rct");
    const callerEnv = testEnv({ TRANSPORTER: NATS, NAMESPACE: namespace, NODE_ID: uniqueName("caller"), SERVICES: "config" });
    const answerEnv = testEnv({ TRANSPORTER: NATS, NAMESPACE: namespace, NODE_ID: uniqueName("answerer"), SERVICES: "config" });
    const caller = new ServiceBroker({ ...createBrokerOptions(callerEnv), logger: false });
    const answerer = new ServiceBroker({ ...createBrokerOptions(answerEnv), logger: false });
    answerer.createService({
      name: "slow",
      actions: {
        async answer() {
          await sleep(300);
          return "late";
        },
      },
    });
    try {
      await Promise.all([caller.start(), answerer.start()]);
      await caller.waitForServices(["slow"], 10_000);
      for (let i = 0; i < 3; i++) {
        await expect(caller.call("slow.answer", {}, { timeout: 50, retries: 0 })).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
      }
      await sleep(400); // the late answers arrive and are dropped
      expect(tracked(caller)).toBe(0);
      const stopping = performance.now();
      await caller.stop();
      expect(performance.now() - stopping).toBeLessThan(2_000); // tracking.shutdownTimeout is 5 s
    } finally {
      await caller.stop();
      await answerer.stop();
      callerEnv.cleanup();
      answerEnv.cleanup();
    }
  });

  it("still lets a stop wait for a local handler that is running", async () => {
    const env = testEnv({ SERVICES: "config" });
    const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService({
      name: "work",
      actions: {
        async run() {
          await sleep(300);
          return "done";
        },
      },
    });
    await broker.start();
    const running = broker.call("work.run");
    await sleep(20);
    const stopping = performance.now();
    await broker.stop();
    expect(performance.now() - stopping).toBeGreaterThanOrEqual(250);
    await expect(running).resolves.toBe("done");
    env.cleanup();
  });
});

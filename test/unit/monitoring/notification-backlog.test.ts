/**
 * The monitoring service sets mmesh_notification_backlog from `notification.status`
 * (its `backlog.total`) on its periodic timer, only when a notification service is in
 * the mesh; a failing status call is ignored and keeps the last value.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import createMonitoringService from "../../../services/monitoring.service";
import { METRIC } from "../../../lib/monitoring";
import { testEnv } from "../../support/env";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting for condition");
    await sleep(10);
  }
}

describe("monitoring: mmesh_notification_backlog", () => {
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  const state: { backlog: unknown; fail: boolean; calls: number } = { backlog: null, fail: false, calls: 0 };

  const gauge = (): number | null => {
    const metric = broker.metrics.getMetric(METRIC.NOTIFICATION_BACKLOG);
    const v = metric?.get({}) as { value?: number } | null | undefined;
    return v && typeof v.value === "number" ? v.value : null;
  };

  beforeAll(async () => {
    env = testEnv({});
    broker = new ServiceBroker({ logger: false, nodeID: "backlog-unit", metrics: { enabled: true, reporter: [] } });
    broker.createService(createMonitoringService(env, { feedAgeIntervalMs: 20, probeIntervalMs: 0, servers: [], probeExchanges: false }));
    await broker.start();
  });

  afterAll(async () => {
    await broker?.stop();
    env?.cleanup();
  });

  it("is not set while no notification service runs", async () => {
    await sleep(100);
    expect(gauge()).toBeNull();
  });

  it("follows notification.status backlog.total, and ignores failures", async () => {
    const notification: ServiceSchema = {
      name: "notification",
      actions: {
        status() {
          state.calls++;
          if (state.fail) throw new Error("boom");
          return { backlog: state.backlog };
        },
      },
    };
    const svc = broker.createService(notification);
    await broker.waitForServices("notification");
    state.backlog = { "alert.raised": 4, "alert.resolved": 2, "notification.requested": 1, total: 7 };
    await waitFor(() => gauge() === 7);
    state.backlog = { "alert.raised": 0, "alert.resolved": 0, "notification.requested": 0, total: 0 };
    await waitFor(() => gauge() === 0);

    state.backlog = { total: 3 };
    await waitFor(() => gauge() === 3);
    state.fail = true;
    const calls = state.calls;
    await waitFor(() => state.calls >= calls + 3);
    expect(gauge()).toBe(3); // last value kept, nothing thrown
    state.fail = false;
    state.backlog = null; // bus not connected: status reports null, gauge untouched
    await sleep(100);
    expect(gauge()).toBe(3);
    await broker.destroyService(svc);
  });
});

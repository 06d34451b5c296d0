/**
 * Two replicas of alerting and of notification (two ops nodes, as `--scale ops=2` runs them)
 * over NATS, the real RabbitMQ durable bus, PostgreSQL (config, evaluator lease) and Redis
 * (delivered-once claims), delivering to a fake Telegram API: every alert is raised once
 * (only the evaluator lease holder publishes) and delivered once (a message that reaches
 * the other notification replica again is not sent twice).
 */
import type { ServiceBroker } from "moleculer";
import createAlertingService from "../../services/alerting.service";
import createConfigService from "../../services/config.service";
import createNotificationService from "../../services/notification.service";
import type { FakeTelegram } from "../support/fake-telegram";
import { startOpsReplicas, waitFor, type OpsReplicas } from "../support/ops-replicas";

jest.setTimeout(60_000);

const CHAT = "7001";

type Counters = { telegram: { delivered: number; skipped: number } };

describe("alerting and notification as two replicas each", () => {
  let mesh: OpsReplicas;
  let telegram: FakeTelegram;
  const raised: Array<{ alertId: string; from: string }> = [];
  let core: ServiceBroker;
  const ops: ServiceBroker[] = [];

  beforeAll(async () => {
    mesh = await startOpsReplicas("opsrep", CHAT);
    telegram = mesh.telegram;
    const coreNode = mesh.node("core");
    core = coreNode.broker;
    core.createService(createConfigService(coreNode.env));
    core.createService({
      name: "alert-listener",
      events: { "alert.raised"(ctx) { raised.push({ alertId: (ctx.params as { alertId: string }).alertId, from: ctx.nodeID as string }); } },
    });
    for (const id of ["ops-a", "ops-b"]) {
      const { broker, env } = mesh.node(id);
      broker.createService(createAlertingService(env, { leaseTtlMs: 3_000 }));
      broker.createService(createNotificationService(env, { pollCommands: false }));
      ops.push(broker);
    }
    await Promise.all(mesh.brokers.map((b) => b.start()));
    await core.waitForServices(["alerting", "notification", "config"], 20_000);
  });

  afterAll(async () => {
    await mesh?.stop();
  });

  it("raises every alert once, from the one replica holding the evaluator lease, and delivers it once", async () => {
    await core.call("config.set", { kind: "alerts", name: "kill-switch", body: { source: "event", subject: "mm.kill_switch.tripped", severity: "critical", cooldownMs: 0, message: "Kill switch tripped on {market}" } });
    const rulesOn = (b: ServiceBroker) => core.call<{ rules: Array<{ name: string }> }, object>("alerting.rules", {}, { nodeID: b.nodeID });
    await waitFor(async () => (await Promise.all(ops.map(rulesOn))).every((r) => r.rules.some((x) => x.name === "kill-switch")), "rule loaded on both replicas");

    const markets = ["m1", "m2", "m3"];
    for (const market of markets) await core.broadcast("mm.kill_switch.tripped", { market, reason: "test" });
    const texts = () => telegram.sentTo(CHAT).map((m) => m.text);
    await waitFor(() => markets.every((m) => texts().some((t) => t.includes(`Kill switch tripped on ${m}`))), "every alert on Telegram");
    // Both replicas evaluated (a warm standby): each answers its alert states after its broadcasts reached us.
    for (const b of ops) {
      const active = await core.call<Array<{ alertId: string }>, object>("alerting.active", {}, { nodeID: b.nodeID });
      expect(active.map((a) => a.alertId).sort()).toEqual(markets.map((m) => `kill-switch{market=${m}}`));
    }
    expect(raised.map((r) => r.alertId).sort()).toEqual(markets.map((m) => `kill-switch{market=${m}}`));
    expect(new Set(raised.map((r) => r.from)).size).toBe(1);

    // Delivered once: the same message again (a producer's re-send) to the other notification replica.
    const counters = async () => {
      const all = await Promise.all(ops.filter((b) => b.started).map((b) => core.call<{ counters: Counters }, object>("notification.status", {}, { nodeID: b.nodeID })));
      return all.reduce((sum, s) => ({ delivered: sum.delivered + s.counters.telegram.delivered, skipped: sum.skipped + s.counters.telegram.skipped }), { delivered: 0, skipped: 0 });
    };
    const perReplica = async () => Promise.all(ops.map(async (b) => (await core.call<{ counters: Counters }, object>("notification.status", {}, { nodeID: b.nodeID })).counters.telegram.delivered));
    const deliveredBefore = await perReplica();
    const message = { kind: "raised", alertId: "resend-1", rule: "resend", severity: "critical", message: "Re-sent once", labels: {}, value: null, raisedAt: new Date().toISOString() };
    await core.sendToChannel("alert.raised", message, { messageId: "resend-1:raised:1" });
    await waitFor(() => texts().some((t) => t.includes("Re-sent once")), "first copy delivered");
    const deliveredAfter = await perReplica();
    const deliverer = ops[deliveredAfter.findIndex((n, i) => n > deliveredBefore[i])];
    const before = await counters();
    await deliverer.stop(); // the copy can only reach the other replica now
    const other = ops.find((b) => b !== deliverer)!;
    const otherBefore = (await core.call<{ counters: Counters }, object>("notification.status", {}, { nodeID: other.nodeID })).counters.telegram;
    await core.sendToChannel("alert.raised", message, { messageId: "resend-1:raised:1" });
    await waitFor(async () => (await core.call<{ counters: Counters }, object>("notification.status", {}, { nodeID: other.nodeID })).counters.telegram.skipped > otherBefore.skipped, "second copy seen by the other replica");
    expect(texts().filter((t) => t.includes("Re-sent once"))).toHaveLength(1);
    expect(before.delivered).toBeGreaterThanOrEqual(4);
  });
});

/**
 * The alerting service end to end on one node (embedded SQLite config, real RabbitMQ
 * durable bus, the notification service delivering to a fake Telegram API and to a
 * real SMTP server on 127.0.0.1): rules written with config.set, events and metric
 * values that trip them, alert.raised delivered to Telegram (and, when critical, by
 * e-mail), the clearing condition delivering alert.resolved the same way; the
 * active/test/history actions through the gateway (the history in the SQLite file's
 * alert_history table).
 */
import { deleteBusTopology } from "../support/bus-cleanup";
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import createAlertingService from "../../services/alerting.service";
import createApiService from "../../services/api.service";
import createAuthService from "../../services/auth.service";
import createConfigService from "../../services/config.service";
import createMonitoringService from "../../services/monitoring.service";
import createNotificationService from "../../services/notification.service";
import { testEnv } from "../support/env";
import { startFakeTelegram, type FakeTelegram } from "../support/fake-telegram";
import { startSmtp } from "../support/fake-smtp";
import { http, startGateway } from "../support/http";
import { startTcpLink, type TcpLink } from "../support/tcp-link";

jest.setTimeout(30_000);

const AMQP_URL = process.env.AMQP_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const REDIS_PORT = Number(new URL(process.env.REDIS_URL ?? "redis://127.0.0.1:6379").port || 6379);
const CHAT = "4242";
const SMTP_PASSWORD = "alerting-smtp-pass";
const CHANNELS = ["alert.raised", "alert.resolved", "notification.requested"];

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("alerting service: rules from config to Telegram and e-mail over the durable bus", () => {
  let telegram: FakeTelegram;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  let base: string;
  let adminToken: string;
  let redisLink: TcpLink;
  const localEvents: Array<{ name: string; payload: any }> = [];

  const texts = () => telegram.sentTo(CHAT).map((m) => m.text);
  const subjects = () => smtp.mails.map((m) => m.subject);
  const setRule = (name: string, body: object) => broker.call("config.set", { kind: "alerts", name, body });
  const ruleLoaded = (name: string) => async () =>
    (await broker.call<{ rules: Array<{ name: string }> }>("alerting.rules")).rules.some((r) => r.name === name);

  beforeAll(async () => {
    telegram = await startFakeTelegram();
    redisLink = await startTcpLink(REDIS_PORT);
    smtp = await startSmtp("mmesh", SMTP_PASSWORD);
    env = testEnv({
      AMQP_URL,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_URL: telegram.url,
      TELEGRAM_CHAT_IDS: CHAT,
      SMTP_URL: `smtp://mmesh:${SMTP_PASSWORD}@127.0.0.1:${smtp.port}`,
      NOTIFY_EMAIL_FROM: "alerts@example.test",
      NOTIFY_EMAIL_TO: "desk@example.test",
      RATE_LIMIT_PER_MINUTE: "10000",
    });
    const listener: ServiceSchema = {
      name: "alert-listener",
      events: {
        "alert.raised"(ctx) {
          localEvents.push({ name: "alert.raised", payload: ctx.params });
        },
        "alert.resolved"(ctx) {
          localEvents.push({ name: "alert.resolved", payload: ctx.params });
        },
      },
    };
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false, metrics: { enabled: true, reporter: [] } });
    broker.createService(createApiService(env));
    broker.createService(createAuthService(env));
    broker.createService(createConfigService(env));
    broker.createService(createNotificationService(env, { pollCommands: false, retryDelayMs: 50, backoffBaseMs: 50 }));
    broker.createService(createAlertingService(env, { evaluateIntervalMs: 50, configRetryMs: 100 }));
    // The real Redis, reached through a link the server-down test cuts.
    broker.createService(createMonitoringService(env, { servers: [{ name: "redis", kind: "redis", url: `redis://127.0.0.1:${redisLink.port}` }], probeIntervalMs: 100, probeTimeoutMs: 500, probeExchanges: false }));
    broker.createService(listener);
    ({ base, token: adminToken } = await startGateway(broker));
  });

  afterAll(async () => {
    await broker?.stop();
    await deleteBusTopology(AMQP_URL, env.namespace, CHANNELS, "notification");
    await telegram?.close();
    await smtp?.close();
    await redisLink?.close();
    env?.cleanup();
  });

  it("raises a critical event rule set through config.set on Telegram and by e-mail, and resolves both on the clearing event", async () => {
    await setRule("kill-switch", { source: "event", subject: "mm.kill_switch.tripped", severity: "critical", cooldownMs: 0, message: "Kill switch tripped on {market}" });
    await waitFor(ruleLoaded("kill-switch"), 5000, "rule loaded");
    const raisedText = (t: string) => t.includes("CRITICAL: Kill switch tripped on btc-paper");
    const resolvedText = (t: string) => t.includes("RESOLVED: Kill switch tripped on btc-paper");

    await broker.broadcast("mm.kill_switch.tripped", { market: "btc-paper", reason: "drawdown" });
    await broker.broadcast("mm.kill_switch.tripped", { market: "btc-paper", reason: "again" }); // deduplicated
    await waitFor(() => texts().some(raisedText) && subjects().some(raisedText), 10_000, "alert.raised on Telegram and by e-mail");
    const active = await broker.call<any[]>("alerting.active");
    expect(active).toMatchObject([{ alertId: "kill-switch{market=btc-paper}", status: "firing", severity: "critical", occurrences: 2 }]);
    await new Promise((r) => setTimeout(r, 300)); // nothing more arrives for the duplicate trip
    expect(texts().filter(raisedText)).toHaveLength(1);
    const raisedMails = smtp.mails.filter((m) => raisedText(m.subject));
    expect(raisedMails).toHaveLength(1);
    expect(raisedMails[0]).toMatchObject({ subject: "[mmesh] CRITICAL: Kill switch tripped on btc-paper", from: "alerts@example.test", to: ["desk@example.test"], user: "mmesh" });

    await broker.broadcast("mm.kill_switch.reset", { market: "btc-paper" });
    await waitFor(() => texts().some(resolvedText) && subjects().some(resolvedText), 10_000, "alert.resolved on Telegram and by e-mail");
    await new Promise((r) => setTimeout(r, 300));
    expect(texts().filter((t) => t.includes("Kill switch tripped on btc-paper"))).toHaveLength(2); // one raise, one resolve
    expect(texts().filter(resolvedText)).toHaveLength(1);
    expect(subjects().filter((t) => t.includes("Kill switch tripped on btc-paper"))).toEqual([
      "[mmesh] CRITICAL: Kill switch tripped on btc-paper",
      "[mmesh] RESOLVED: Kill switch tripped on btc-paper",
    ]);
    expect(await broker.call("alerting.active")).toEqual([]);
    // Local listeners got the same as Moleculer events.
    expect(localEvents.filter((e) => e.payload.rule === "kill-switch").map((e) => e.name)).toEqual(["alert.raised", "alert.resolved"]);
  });

  it("evaluates a metric rule over broker.metrics with its for-duration, then resolves when the value clears", async () => {
    broker.metrics.register({ type: "gauge", name: "mmesh_test_drawdown_ratio", labelNames: ["market"] });
    broker.metrics.set("mmesh_test_drawdown_ratio", 0.02, { market: "eth-paper" });
    await setRule("drawdown", {
      source: "metric",
      subject: "mmesh_test_drawdown_ratio",
      condition: { op: ">", threshold: 0.1 },
      forMs: 300,
      cooldownMs: 1000,
      severity: "warning",
      message: "Drawdown {value} above {threshold} on {market}",
    });
    await waitFor(ruleLoaded("drawdown"), 5000, "rule loaded");
    const t0 = Date.now();
    broker.metrics.set("mmesh_test_drawdown_ratio", 0.15, { market: "eth-paper" });
    await waitFor(async () => (await broker.call<any[], object>("alerting.active", { includePending: true })).some((a) => a.status === "pending"), 5000, "pending");
    await waitFor(() => texts().some((t) => t.includes("WARNING: Drawdown 0.15 above 0.1 on eth-paper")), 10_000, "raised");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);

    broker.metrics.set("mmesh_test_drawdown_ratio", 0.01, { market: "eth-paper" });
    await waitFor(() => texts().some((t) => t.includes("RESOLVED: Drawdown 0.01 above 0.1 on eth-paper")), 10_000, "resolved");
    // Back above within the cool-down: not raised again.
    broker.metrics.set("mmesh_test_drawdown_ratio", 0.3, { market: "eth-paper" });
    await new Promise((r) => setTimeout(r, 500));
    expect(texts().filter((t) => t.includes("WARNING: Drawdown"))).toHaveLength(1);
  });

  it("raises a server-down alert from the monitoring probes when Redis becomes unreachable, and resolves it when it is back", async () => {
    await setRule("server-down", { source: "metric", subject: "mmesh_server_up", condition: { op: "<", threshold: 1 }, forMs: 0, cooldownMs: 0, severity: "critical", message: "{server} is down" });
    await waitFor(ruleLoaded("server-down"), 5000, "rule loaded");
    // Also spelled as registered, and once with a name no metric has.
    await setRule("server-down-registered", { source: "metric", subject: 'mmesh.server.up{server="redis"}', condition: { op: "<", threshold: 1 }, forMs: 0, cooldownMs: 0, severity: "info", message: "registered {server}" });
    await setRule("server-typo", { source: "metric", subject: "mmesh_server_upp", condition: { op: "<", threshold: 1 }, forMs: 0, cooldownMs: 0, severity: "info", message: "typo" });
    const metricOf = async (rule: string) => (await broker.call<{ metrics: Array<{ rule: string; metric: string | null }> }>("alerting.rules")).metrics.find((m) => m.rule === rule)?.metric;
    await waitFor(async () => (await metricOf("server-down")) === "mmesh.server.up" && (await metricOf("server-down-registered")) === "mmesh.server.up", 5000, "both spellings resolved");
    expect(await metricOf("server-typo")).toBeNull(); // no such metric: listed, nothing evaluated
    await new Promise((r) => setTimeout(r, 300)); // probes see Redis up
    expect(texts().some((t) => t.includes("redis is down"))).toBe(false);

    await redisLink.cut();
    await waitFor(() => texts().some((t) => t.includes("CRITICAL: redis is down")), 10_000, "server-down raised");
    await waitFor(() => subjects().some((s) => s.includes("redis is down")), 10_000, "server-down e-mailed");
    await redisLink.restore();
    await waitFor(() => texts().some((t) => t.includes("RESOLVED: redis is down")), 10_000, "server-down resolved");
    expect(texts().filter((t) => t.includes("CRITICAL: redis is down"))).toHaveLength(1);
    await waitFor(() => texts().some((t) => t.includes("RESOLVED: registered redis")), 10_000, "the registered spelling raised and resolved too");
    expect(texts().filter((t) => t.includes("INFO: registered redis"))).toHaveLength(1);
    expect(texts().some((t) => t.includes("typo"))).toBe(false);
    for (const name of ["server-down-registered", "server-typo"]) await broker.call("config.remove", { kind: "alerts", name });
  });

  it("watches Moleculer's $node.disconnected / $node.connected", async () => {
    await setRule("node-down", { source: "event", subject: "$node.disconnected", severity: "warning", cooldownMs: 0, message: "Node {nodeID} is down" });
    await waitFor(ruleLoaded("node-down"), 5000, "rule loaded");
    await broker.broadcastLocal("$node.disconnected", { node: { id: "worker-7" }, unexpected: true });
    await waitFor(() => texts().some((t) => t.includes("WARNING: Node worker-7 is down")), 10_000, "node down");
    await broker.broadcastLocal("$node.connected", { node: { id: "worker-7" }, reconnected: true });
    await waitFor(() => texts().some((t) => t.includes("RESOLVED: Node worker-7 is down")), 10_000, "node back");
  });

  it("removes a rule's firing alert when the rule is removed", async () => {
    await setRule("hedge", { source: "event", subject: "order.hedge_failed", severity: "critical", message: "Hedge failed on {exchange}" });
    await waitFor(ruleLoaded("hedge"), 5000, "rule loaded");
    await broker.broadcast("order.hedge_failed", { exchange: "paper", orderId: "o-1" });
    await waitFor(() => texts().some((t) => t.includes("CRITICAL: Hedge failed on paper")), 10_000, "hedge raised");
    await broker.call("config.remove", { kind: "alerts", name: "hedge" });
    await waitFor(() => texts().some((t) => t.includes("RESOLVED: Hedge failed on paper") && t.includes("rule-removed")), 10_000, "hedge resolved");
  });

  it("serves alerting.active to a token holder and alerting.test to an admin over HTTP", async () => {
    expect((await http(base, "GET", "/api/v1/alerting/active")).status).toBe(401);
    const active = await http(base, "GET", "/api/v1/alerting/active", { token: adminToken });
    expect(active.status).toBe(200);
    expect(Array.isArray(active.body)).toBe(true);
    const test = await http(base, "POST", "/api/v1/alerting/test", { token: adminToken, body: { severity: "info", message: "Is anyone there?" } });
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ published: true, alert: { rule: "alerting.test", severity: "info" } });
    await waitFor(() => texts().some((t) => t.includes("INFO: Is anyone there?")), 10_000, "test alert");
    const bad = await http(base, "POST", "/api/v1/alerting/test", { token: adminToken, body: { severity: "loud" } });
    expect(bad.status).toBe(422);
    // The history lists it, newest first, with the transitions of the earlier tests behind it.
    const history = await http(base, "GET", "/api/v1/alerting/history?limit=50", { token: adminToken });
    expect(history.status).toBe(200);
    expect(history.body[0]).toMatchObject({ kind: "raised", rule: "alerting.test", severity: "info", message: "Is anyone there?" });
    expect(history.body.some((e: { kind: string }) => e.kind === "resolved")).toBe(true);
    // One alert's transitions, and the page after the first two entries.
    const killSwitch = await http(base, "GET", `/api/v1/alerting/history?alertId=${encodeURIComponent("kill-switch{market=btc-paper}")}`, { token: adminToken });
    expect(killSwitch.body.map((e: { kind: string }) => e.kind)).toEqual(["resolved", "raised"]);
    const older = await http(base, "GET", `/api/v1/alerting/history?limit=2&before=${encodeURIComponent(history.body[1].messageId)}`, { token: adminToken });
    expect(older.body).toEqual(history.body.slice(2, 4));
  });
});

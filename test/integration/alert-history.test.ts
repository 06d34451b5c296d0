/**
 * The alert history in the alerting service's database: kept across a restart of the alerting
 * node on a SQLite file; shared by two alerting replicas over NATS on one PostgreSQL database (a
 * notice both record is one row); pruned to the newest N by two replicas at once; and, with the
 * database unreachable, alerting goes on while the history waits, then catches up.
 */
import { ServiceBroker, type ServiceSchema } from "moleculer";
import { Client } from "pg";
import { Sequelize } from "sequelize";
import { createBrokerOptions } from "../../moleculer.config";
import { AlertHistoryStore, historyEntryOf, type AlertHistoryEntry, type AlertNotice } from "../../lib/alerting";
import { migrateUp } from "../../lib/db/migrations";
import { alertingMigrations } from "../../lib/db/schemas/alerting";
import createAlertingService from "../../services/alerting.service";
import createConfigService from "../../services/config.service";
import { testEnv, uniqueName } from "../support/env";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { startTcpLink, type TcpLink } from "../support/tcp-link";
import { until } from "../support/until";

jest.setTimeout(60_000);

const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const FAST = { evaluateIntervalMs: 50, configRetryMs: 100, leaseTtlMs: 3_000 };

type Env = ReturnType<typeof testEnv>;
type History = AlertHistoryEntry[];

const history = (from: ServiceBroker, params: object = {}, nodeID?: string) => from.call<History, object>("alerting.history", params, nodeID ? { nodeID } : undefined);

/** A notice as another service (the market maker's kill switch) broadcasts it. */
const killSwitch = (bot: string): Partial<AlertNotice> => ({
  kind: "raised",
  alertId: `mm.kill_switch{bot=${bot}}`,
  messageId: `mm.kill_switch{bot=${bot}}:raised:1`,
  rule: "mm.kill_switch",
  severity: "critical",
  message: `Kill switch engaged on ${bot}`,
  labels: { bot },
  raisedAt: new Date().toISOString(),
});

function alertingNode(env: Env, withConfig: boolean): ServiceBroker {
  const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
  if (withConfig) broker.createService(createConfigService(env));
  broker.createService(createAlertingService(env, FAST));
  return broker;
}

async function rowsOf(url: string, messageId: string): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query("SELECT count(*) AS n FROM alert_history WHERE message_id = $1", [messageId])).rows[0].n);
  } finally {
    await client.end();
  }
}

describe("alert history on a SQLite file", () => {
  let env: Env;
  let broker: ServiceBroker | null = null;

  beforeAll(() => {
    env = testEnv();
  });

  afterAll(async () => {
    await broker?.stop();
    env?.cleanup();
  });

  it("survives a restart of the alerting node", async () => {
    broker = alertingNode(env, true);
    await broker.start();
    await broker.call("alerting.test", { severity: "warning", message: "Before the restart" });
    await broker.broadcast("alert.raised", killSwitch("b1"));
    await until("both recorded", async () => (await history(broker!)).length === 2);
    const before = await history(broker);
    expect(before.map((e) => e.message)).toEqual(["Kill switch engaged on b1", "Before the restart"]);
    expect(before[0]).toMatchObject({ kind: "raised", rule: "mm.kill_switch", severity: "critical", labels: { bot: "b1" } });
    await broker.stop();

    broker = alertingNode(env, true);
    await broker.start();
    expect(await history(broker)).toEqual(before);
    await broker.call("alerting.test", { severity: "info", message: "After the restart" });
    await until("the new one listed first", async () => (await history(broker!))[0]?.message === "After the restart");
    expect((await history(broker)).slice(1)).toEqual(before);
    expect(await history(broker, { severity: "critical" })).toEqual([before[0]]);
  });
});

describe("alert history on PostgreSQL", () => {
  let db: TempDatabase;
  const envs: Env[] = [];
  const brokers: ServiceBroker[] = [];
  const sequelizes: Sequelize[] = [];
  let link: TcpLink | null = null;

  beforeAll(async () => {
    db = await createTempDatabase();
  });

  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.stop().catch(() => undefined)));
    await Promise.all(sequelizes.map((s) => s.close()));
    await link?.close();
    envs.forEach((e) => e.cleanup());
    await db?.drop();
  });

  it("is one history for two alerting replicas over NATS, a notice both record being one row", async () => {
    const namespace = uniqueName("ahist");
    const nodes = ["ah-a", "ah-b"].map((id, i) => {
      const env = testEnv({ NAMESPACE: namespace, NODE_ID: id, TRANSPORTER: NATS, DATABASE_URL: db.url });
      envs.push(env);
      const broker = alertingNode(env, i === 0);
      brokers.push(broker);
      return broker;
    });
    const [a, b] = nodes;
    await Promise.all(nodes.map((n) => n.start()));
    const replicasSeen = (n: ServiceBroker) => n.registry.getServiceList({ onlyAvailable: true }).filter((s: { name: string }) => s.name === "alerting").length === 2;
    await until("each node sees both alerting replicas", () => nodes.every(replicasSeen), 10_000);

    // A test alert raised on A (it publishes regardless of the lease) and a notice from another service reach both replicas.
    const { alert } = await a.call<{ alert: AlertNotice }, object>("alerting.test", { severity: "critical", message: "Heard by both" }, { nodeID: "ah-a" });
    await b.broadcast("alert.raised", killSwitch("b2"));
    const both = async () => (await Promise.all(["ah-a", "ah-b"].map((id) => history(a, {}, id)))).every((h) => h.length === 2);
    await until("listed by both replicas", both, 10_000);
    const [fromA, fromB] = await Promise.all(["ah-a", "ah-b"].map((id) => history(b, {}, id)));
    expect(fromA).toEqual(fromB);
    expect(fromA.map((e) => e.messageId)).toEqual([`mm.kill_switch{bot=b2}:raised:1`, alert.messageId]);

    // Both replicas tried to insert each notice: one row each. A redelivery inserts nothing either.
    expect(await rowsOf(db.url, alert.messageId)).toBe(1);
    expect(await rowsOf(db.url, "mm.kill_switch{bot=b2}:raised:1")).toBe(1);
    await a.broadcast("alert.raised", killSwitch("b2"));
    await new Promise((r) => setTimeout(r, 300));
    expect(await rowsOf(db.url, "mm.kill_switch{bot=b2}:raised:1")).toBe(1);
    expect(await history(a, { alertId: "mm.kill_switch{bot=b2}" }, "ah-b")).toEqual([fromA[0]]);
    expect(await history(a, { before: fromA[0].messageId }, "ah-b")).toEqual([fromA[1]]);
  });

  it("is pruned to the newest N by two replicas pruning at once", async () => {
    // Two stores on their own connection pools, as two replicas have.
    const stores: AlertHistoryStore[] = [];
    for (let i = 0; i < 2; i++) {
      const sequelize = new Sequelize(db.url, { logging: false });
      sequelizes.push(sequelize);
      await migrateUp(sequelize, "alerting", alertingMigrations);
      stores.push(new AlertHistoryStore(sequelize));
    }
    const t0 = Date.now();
    for (let i = 0; i < 40; i++) {
      const e = historyEntryOf({ kind: "raised", alertId: `prune{n=${i}}`, messageId: `prune-${i}`, severity: "info" }, new Date(t0 + i))!;
      await stores[i % 2].record(e);
    }
    const total = await stores[0].count();
    const outcomes = await Promise.all(stores.map((s) => s.prune({ keep: 25, maxAgeDays: 90 })));
    expect(outcomes.reduce((n, o) => n + o.deleted, 0)).toBe(total - 25);
    expect(await stores[1].count()).toBe(25);
    const kept = (await stores[0].list({ limit: 100 })).filter((e) => e.messageId.startsWith("prune-"));
    expect(kept.map((e) => e.messageId)).toEqual(Array.from({ length: 25 }, (_, i) => `prune-${39 - i}`));
  });

  it("lets alerting go on while the database is unreachable, and catches the history up when it is back", async () => {
    link = await startTcpLink(Number(new URL(db.url).port || 5432));
    const linked = new URL(db.url);
    linked.port = String(link.port);
    const env = testEnv({ DATABASE_URL: linked.toString() });
    envs.push(env);
    const heard: string[] = [];
    const listener: ServiceSchema = { name: "alert-listener", events: { "alert.raised"(ctx) { heard.push((ctx.params as AlertNotice).message); } } };
    const broker = alertingNode(env, false);
    broker.createService(listener);
    brokers.push(broker);
    await broker.start();
    await until("history readable", async () => Array.isArray(await history(broker).catch(() => null)), 10_000);

    await link.cut();
    const test = await broker.call<{ alert: AlertNotice }, object>("alerting.test", { severity: "critical", message: "While the database is down" });
    await until("raised to listeners", () => heard.includes("While the database is down"));
    await expect(history(broker)).rejects.toMatchObject({ code: 503 });

    await link.restore();
    await until("written once the database is back", async () => (await history(broker).catch(() => [] as History)).some((e) => e.messageId === test.alert.messageId), 15_000);
    expect(await rowsOf(db.url, test.alert.messageId)).toBe(1);
  });
});

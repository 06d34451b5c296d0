/**
 * db-maintenance on two ops replicas over NATS sharing one PostgreSQL database, scheduled every
 * second: each scheduled run (retention, VACUUM/ANALYZE, stats → db.stats.reported) is done by
 * one replica, the one that took the `scheduled-run` lease (lib/lease, PostgreSQL), not by both.
 */
import { ServiceBroker, type Context } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import createDbMaintenanceService from "../../services/db-maintenance.service";
import { testEnv, uniqueName } from "../support/env";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

jest.setTimeout(60_000);

const NATS = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

describe("scheduled db-maintenance with two ops replicas", () => {
  let db: TempDatabase;
  const envs: Array<ReturnType<typeof testEnv>> = [];
  const brokers: ServiceBroker[] = [];
  const runs: Array<{ from: string; at: number }> = [];
  const namespace = uniqueName("mainrep");

  const node = (id: string) => {
    const env = testEnv({ NAMESPACE: namespace, NODE_ID: id, TRANSPORTER: NATS, DATABASE_URL: db.url, MAINTENANCE_CRON: "* * * * * *" });
    envs.push(env);
    const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    brokers.push(broker);
    return { broker, env };
  };

  beforeAll(async () => {
    db = await createTempDatabase();
    const observer = node("observer").broker;
    observer.createService({
      name: "stats-listener",
      events: {
        "db.stats.reported"(ctx: Context) {
          runs.push({ from: ctx.nodeID as string, at: Date.now() });
        },
      },
    });
    for (const id of ["ops-a", "ops-b"]) {
      const { broker, env } = node(id);
      broker.createService(createDbMaintenanceService(env));
    }
    await Promise.all(brokers.map((b) => b.start()));
    await observer.waitForServices(["db-maintenance"], 20_000);
  });

  afterAll(async () => {
    await Promise.all(brokers.map((b) => b.stop().catch(() => undefined)));
    for (const env of envs) env.cleanup();
    await db?.drop();
  });

  it("runs each scheduled slot on one replica only", async () => {
    // Both replicas discovered the listener, then count whole seconds (one slot each).
    await new Promise((r) => setTimeout(r, 1_500));
    const from = Date.now();
    const seen = runs.length;
    await new Promise((r) => setTimeout(r, 6_000));
    const slots = Math.ceil((Date.now() - from) / 1000);
    const counted = runs.slice(seen);
    // Two replicas without the lease: about two runs a second.
    expect(counted.length).toBeGreaterThanOrEqual(3);
    expect(counted.length).toBeLessThanOrEqual(slots + 1);
    // No two runs of one slot: runs come at least ~0.5 s apart.
    const gaps = counted.slice(1).map((r, i) => r.at - counted[i].at);
    expect(gaps.filter((g) => g < 400)).toEqual([]);
  });
});

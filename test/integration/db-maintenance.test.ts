/**
 * db-maintenance on the real PostgreSQL (a throwaway database) and on SQLite:
 * migrations listed and run down/up, retention deleting old final orders while
 * keeping fills, VACUUM (ANALYZE), stats with gauges and the db.stats.reported event,
 * pg_dump backup; the cron schedule running retention + vacuum + stats.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { ServiceBroker, type Context } from "moleculer";
import { QueryTypes, Sequelize } from "sequelize";
import { backupPostgres, BackupUnavailableError } from "../../lib/maintenance";
import createDbMaintenanceService from "../../services/db-maintenance.service";
import { testEnv } from "../support/env";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

jest.setTimeout(30_000);

function hasPgDump(): boolean {
  try {
    execFileSync("which", ["pg_dump"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const DAY = 86_400_000;

function order(id: string, status: string, ageDays: number) {
  const at = new Date(Date.now() - ageDays * DAY);
  return { exchange: "paper", client_order_id: id, symbol: "BTC/USDT", side: "buy", type: "limit", price: "100", amount: "1", filled: "0", remaining: "1", status, created_at: at, updated_at: at };
}

function metricValue(broker: ServiceBroker, name: string, labels: Record<string, string>): number | undefined {
  const metric = broker.metrics.getMetric(name) as unknown as { get(labels: object): { value: number } | null } | null;
  return metric?.get(labels)?.value;
}

describe("db-maintenance on PostgreSQL", () => {
  let db: TempDatabase;
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;
  let sql: Sequelize;
  const reported: any[] = [];

  beforeAll(async () => {
    db = await createTempDatabase();
    env = testEnv({ DATABASE_URL: db.url, MAINTENANCE_CRON: "off", RETENTION_DAYS: "30" });
    broker = new ServiceBroker({ logger: false, metrics: { enabled: true } });
    broker.createService(createDbMaintenanceService(env));
    broker.createService({
      name: "stats-listener",
      events: {
        "db.stats.reported"(ctx: Context) {
          reported.push(ctx.params);
        },
      },
    });
    await broker.start();
    sql = new Sequelize(db.url, { logging: false });
    for (const service of ["auth", "config", "cex"]) await broker.call("db-maintenance.migrate", { service, direction: "up" });
  });

  afterAll(async () => {
    await sql?.close();
    await broker?.stop();
    await db?.drop();
    env?.cleanup();
  });

  it("lists the migrations applied per service", async () => {
    const list = await broker.call<Array<{ service: string; applied: Array<{ name: string; executedAt: string }>; pending: string[] }>, object>("db-maintenance.migrations", {});
    const cex = list.find((s) => s.service === "cex")!;
    expect(cex.applied.map((a) => a.name)).toEqual(["001-cex-orders-and-fills", "002-cex-fee-cost-columns", "003-cex-fill-identity", "004-cex-order-details-and-fills-owed"]);
    expect(cex.pending).toEqual([]);
    expect(Date.parse(cex.applied[0].executedAt)).not.toBeNaN();
    expect(list.map((s) => s.service)).toEqual(expect.arrayContaining(["auth", "cex", "config"]));
  });

  it("migrates one service down and up again", async () => {
    const down = await broker.call<any, object>("db-maintenance.migrate", { service: "cex", direction: "down" });
    expect(down).toEqual({ service: "cex", direction: "down", migrations: ["004-cex-order-details-and-fills-owed", "003-cex-fill-identity", "002-cex-fee-cost-columns", "001-cex-orders-and-fills"] });
    let tables = await sql.getQueryInterface().showAllTables();
    expect(tables).not.toContain("cex_orders");
    let list = await broker.call<any[], object>("db-maintenance.migrations", {});
    expect(list.find((s) => s.service === "cex")).toMatchObject({ applied: [], pending: ["001-cex-orders-and-fills", "002-cex-fee-cost-columns", "003-cex-fill-identity", "004-cex-order-details-and-fills-owed"] });
    // Other services are untouched.
    expect(tables).toContain("users");

    const up = await broker.call<any, object>("db-maintenance.migrate", { service: "cex", direction: "up" });
    expect(up.migrations).toEqual(["001-cex-orders-and-fills", "002-cex-fee-cost-columns", "003-cex-fill-identity", "004-cex-order-details-and-fills-owed"]);
    tables = await sql.getQueryInterface().showAllTables();
    expect(tables).toEqual(expect.arrayContaining(["cex_orders", "cex_fills"]));
    list = await broker.call<any[], object>("db-maintenance.migrations", {});
    expect(list.find((s) => s.service === "cex").pending).toEqual([]);
  });

  it("rejects an unknown service, direction or target", async () => {
    await expect(broker.call("db-maintenance.migrate", { service: "nope", direction: "up" })).rejects.toMatchObject({ code: 422, type: "VALIDATION_ERROR" });
    await expect(broker.call("db-maintenance.migrate", { service: "cex", direction: "sideways" })).rejects.toMatchObject({ name: "ValidationError" });
    await expect(broker.call("db-maintenance.migrate", { service: "cex", direction: "down", to: "999-none" })).rejects.toMatchObject({ code: 422, data: [expect.objectContaining({ field: "to" })] });
  });

  it("retention deletes old final orders and keeps open orders, recent orders and every fill", async () => {
    const qi = sql.getQueryInterface();
    await qi.bulkInsert("cex_orders", [order("old-closed", "closed", 40), order("old-canceled", "canceled", 45), order("old-open", "open", 40), order("new-closed", "closed", 1)]);
    await qi.bulkInsert("cex_fills", [
      { exchange: "paper", trade_id: "t1", symbol: "BTC/USDT", side: "buy", price: "100", amount: "1", cost: "100", timestamp: Date.now() - 400 * DAY, created_at: new Date(Date.now() - 400 * DAY) },
    ]);
    const result = await broker.call<{ tables: any[]; deleted: number }, object>("db-maintenance.retention", {});
    expect(result.deleted).toBe(2);
    expect(result.tables.find((t) => t.table === "cex_orders")).toMatchObject({ deleted: 2, keepDays: 30, skipped: null });
    expect(result.tables.find((t) => t.table === "price_ticks")).toMatchObject({ deleted: null, skipped: "table does not exist" });
    expect(result.tables.some((t) => t.table === "cex_fills")).toBe(false);
    const left = await sql.query<{ client_order_id: string }>("SELECT client_order_id FROM cex_orders ORDER BY client_order_id", { type: QueryTypes.SELECT });
    expect(left.map((r) => r.client_order_id)).toEqual(["new-closed", "old-open"]);
    const fills = await sql.query<{ n: string }>("SELECT count(*) AS n FROM cex_fills", { type: QueryTypes.SELECT });
    expect(Number(fills[0].n)).toBe(1);
  });

  it("runs VACUUM (ANALYZE) on every table", async () => {
    const result = await broker.call<any, object>("db-maintenance.vacuum", {});
    expect(result).toMatchObject({ dialect: "postgres", statement: "VACUUM (ANALYZE)" });
    expect(result.tables).toEqual(expect.arrayContaining(["cex_orders", "cex_fills", "users", "schema_migrations"]));
    const [analyzed] = await sql.query<{ last: Date | null }>("SELECT coalesce(last_analyze, last_autoanalyze) AS last FROM pg_stat_user_tables WHERE relname = 'cex_orders'", { type: QueryTypes.SELECT });
    expect(analyzed.last).not.toBeNull();
  });

  it("reports row counts and sizes, as gauges and as db.stats.reported", async () => {
    const stats = await broker.call<any, object>("db-maintenance.stats", {});
    expect(stats.dialect).toBe("postgres");
    expect(stats.databaseBytes).toBeGreaterThan(0);
    const orders = stats.tables.find((t: any) => t.table === "cex_orders");
    expect(orders).toMatchObject({ rows: 2 });
    expect(orders.bytes).toBeGreaterThan(0);
    expect(stats.tables.find((t: any) => t.table === "cex_fills")).toMatchObject({ rows: 1 });
    expect(metricValue(broker, "mmesh.db.table.rows", { table: "cex_orders" })).toBe(2);
    expect(metricValue(broker, "mmesh.db.table.bytes", { table: "cex_orders" })).toBe(orders.bytes);
    await new Promise((r) => setImmediate(r));
    expect(reported.at(-1).tables.find((t: any) => t.table === "cex_orders").rows).toBe(2);
  });

  it("backs up with pg_dump, or says clearly why it cannot", async () => {
    if (hasPgDump()) {
      const result = await broker.call<any, object>("db-maintenance.backup", {}, { timeout: 25_000 });
      expect(result.format).toBe("pg_dump-custom");
      expect(result.file.startsWith(`${env.dataDir}/backups/mmesh-${db.name}-`)).toBe(true);
      expect(result.bytes).toBeGreaterThan(0);
      expect(fs.statSync(result.file).size).toBe(result.bytes);
      expect(fs.readFileSync(result.file).subarray(0, 5).toString()).toBe("PGDMP");
    } else {
      await expect(broker.call("db-maintenance.backup", {})).rejects.toMatchObject({ code: 503, type: "BACKUP_UNAVAILABLE" });
    }
    // Without pg_dump the error names the reason and the file is not created.
    await expect(backupPostgres(db.url, `${env.dataDir}/none`, { pgDump: null })).rejects.toThrow(BackupUnavailableError);
    expect(fs.existsSync(`${env.dataDir}/none`)).toBe(false);
  });

  it("reports a failing pg_dump without the password", async () => {
    const url = db.url.replace("postgres@", "postgres:s3cret-pw@").replace(/:5432\//, ":1/");
    const err = await backupPostgres(url, `${env.dataDir}/failed`, {}).catch((e: Error) => e);
    if (!hasPgDump()) return;
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/pg_dump exited/);
    expect((err as Error).message).not.toContain("s3cret-pw");
    expect(fs.readdirSync(`${env.dataDir}/failed`)).toEqual([]);
  });
});

describe("db-maintenance on SQLite with a schedule", () => {
  let env: ReturnType<typeof testEnv>;
  let broker: ServiceBroker;

  beforeAll(async () => {
    // Every second: retention + VACUUM/ANALYZE + stats.
    env = testEnv({ MAINTENANCE_CRON: "* * * * * *" });
    broker = new ServiceBroker({ logger: false, metrics: { enabled: true } });
    broker.createService(createDbMaintenanceService(env));
    await broker.start();
    await broker.call("db-maintenance.migrate", { service: "cex", direction: "up" });
  });

  afterAll(async () => {
    await broker?.stop();
    env?.cleanup();
  });

  it("runs the scheduled job, which sets the table gauges", async () => {
    const until = Date.now() + 5_000;
    while (metricValue(broker, "mmesh.db.table.rows", { table: "cex_orders" }) === undefined) {
      if (Date.now() > until) throw new Error("scheduled maintenance did not run");
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(metricValue(broker, "mmesh.db.table.rows", { table: "cex_orders" })).toBe(0);
  });

  it("reports SQLite stats, ANALYZE and a VACUUM INTO backup", async () => {
    const stats = await broker.call<any, object>("db-maintenance.stats", {});
    expect(stats.dialect).toBe("sqlite");
    expect(stats.databaseBytes).toBeGreaterThan(0);
    expect(stats.tables.find((t: any) => t.table === "cex_orders")).toEqual({ table: "cex_orders", rows: 0, bytes: null });
    expect(await broker.call("db-maintenance.vacuum", {})).toMatchObject({ dialect: "sqlite", statement: "ANALYZE" });
    const backup = await broker.call<any, object>("db-maintenance.backup", {});
    expect(backup.format).toBe("sqlite");
    expect(backup.bytes).toBeGreaterThan(0);
    expect(fs.readFileSync(backup.file).subarray(0, 15).toString()).toBe("SQLite format 3");
  });

  it("answers a second simultaneous backup 409 (in progress), and backups of the same second get their own files", async () => {
    const both = await Promise.allSettled([broker.call<any, object>("db-maintenance.backup", {}), broker.call<any, object>("db-maintenance.backup", {})]);
    const refused = both.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: 409, type: "CONFLICT", data: { reason: "BACKUP_IN_PROGRESS" } });
    const first = (both.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<any>).value;
    const second = await broker.call<any, object>("db-maintenance.backup", {});
    const third = await broker.call<any, object>("db-maintenance.backup", {});
    expect(new Set([first.file, second.file, third.file]).size).toBe(3);
    for (const b of [first, second, third]) expect(fs.readFileSync(b.file).subarray(0, 15).toString()).toBe("SQLite format 3");
  });
});

/** Pure parts of lib/maintenance and the env settings of db-maintenance. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  backupFileName,
  cutoffOf,
  DEFAULT_RETENTION_RULES,
  findExecutable,
  isProtectedTable,
  MIGRATION_REGISTRY,
  migrationsOf,
  pgDumpInvocation,
  quoteIdent,
  RetentionRuleError,
  validateRules,
} from "../../../lib/maintenance";
import { EnvError, readEnv } from "../../../lib/runtime/env";

describe("retention rules", () => {
  it("never names fills or PnL", () => {
    expect(() => validateRules(DEFAULT_RETENTION_RULES)).not.toThrow();
    for (const table of ["cex_fills", "fills", "mm_pnl", "pnl_daily", "dex_fills"]) {
      expect(isProtectedTable(table)).toBe(true);
      expect(() => validateRules([{ table, timestampColumn: "created_at", description: "" }])).toThrow(RetentionRuleError);
    }
    expect(isProtectedTable("cex_orders")).toBe(false);
    expect(() => validateRules([{ table: "t", timestampColumn: "c", keepDays: 0, description: "" }])).toThrow(/keepDays/);
  });

  it("keeps only final orders in the cex_orders rule", () => {
    const rule = DEFAULT_RETENTION_RULES.find((r) => r.table === "cex_orders")!;
    expect(rule.where).toBe("status IN ('closed', 'canceled', 'expired', 'rejected')");
  });

  it("computes the cut-off", () => {
    expect(cutoffOf(new Date("2026-01-31T00:00:00Z"), 30).toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  it("quotes identifiers", () => {
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
  });
});

describe("migration registry", () => {
  it("knows every service with tables", () => {
    expect(Object.keys(MIGRATION_REGISTRY).sort()).toEqual(["alerting", "arbitrage", "auth", "backtest", "cex", "config", "market-maker"]);
    expect(migrationsOf("alerting")?.map((m) => m.name)).toEqual(["001-alert-history"]);
    expect(migrationsOf("cex")?.map((m) => m.name)).toEqual(["001-cex-orders-and-fills", "002-cex-fee-cost-columns", "003-cex-fill-identity", "004-cex-order-details-and-fills-owed"]);
    expect(migrationsOf("market-maker")?.map((m) => m.name)).toContain("002-mm-fill-seq");
    expect(migrationsOf("toString")).toBeNull();
  });
});

describe("backup helpers", () => {
  it("passes the password through PGPASSWORD, never argv", () => {
    const { args, env } = pgDumpInvocation("postgres://mmesh:p%40ss@db.example:6543/prod?sslmode=require", "/b/x.dump");
    expect(env).toEqual({ PGPASSWORD: "p@ss", PGSSLMODE: "require" });
    expect(args).toEqual(["--format=custom", "--no-password", "--file=/b/x.dump", "--host=db.example", "--port=6543", "--username=mmesh", "--dbname=prod"]);
    expect(args.join(" ")).not.toMatch(/p@ss|p%40ss/);
  });

  it("names files with a UTC timestamp", () => {
    expect(backupFileName("prod/db", new Date("2026-11-24T03:00:05.123Z"), "dump")).toBe("mmesh-prod_db-20261124T030005Z.dump");
  });

  it("finds executables on PATH", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mmesh-path-"));
    const exe = path.join(dir, "tool");
    fs.writeFileSync(exe, "#!/bin/sh\n", { mode: 0o755 });
    fs.writeFileSync(path.join(dir, "plain"), "x", { mode: 0o644 });
    expect(findExecutable("tool", `/nonexistent${path.delimiter}${dir}`)).toBe(exe);
    expect(findExecutable("plain", dir)).toBeNull();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe("env: RETENTION_DAYS and MAINTENANCE_CRON", () => {
  const base = { DATA_DIR: "/tmp/x" };
  it("defaults to 30 days at 03:00", () => {
    const env = readEnv(base);
    expect(env.retentionDays).toBe(30);
    expect(env.maintenanceCron).toBe("0 3 * * *");
    expect(env.services).toEqual(expect.arrayContaining(["monitoring", "db-maintenance"]));
  });

  it("accepts a schedule or off, and rejects nonsense naming the variable", () => {
    expect(readEnv({ ...base, MAINTENANCE_CRON: "*/15 * * * *", RETENTION_DAYS: "7" })).toMatchObject({ maintenanceCron: "*/15 * * * *", retentionDays: 7 });
    expect(readEnv({ ...base, MAINTENANCE_CRON: "off" }).maintenanceCron).toBeNull();
    expect(() => readEnv({ ...base, MAINTENANCE_CRON: "every night" })).toThrow(EnvError);
    expect(() => readEnv({ ...base, MAINTENANCE_CRON: "every night" })).toThrow(/MAINTENANCE_CRON/);
    expect(() => readEnv({ ...base, RETENTION_DAYS: "0" })).toThrow(/RETENTION_DAYS/);
  });
});

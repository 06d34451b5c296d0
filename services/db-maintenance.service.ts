/**
 * Database upkeep (lib/maintenance): migrations listed and run per service (each
 * service also migrates itself on start through the db mixin), retention of old
 * operational rows (fills and PnL are never deleted), VACUUM/ANALYZE, table sizes and
 * row counts (gauges mmesh_db_table_rows / mmesh_db_table_bytes on this node and the
 * `db.stats.reported` event for the monitoring service), and backups (pg_dump or
 * SQLite `VACUUM INTO`) under DATA_DIR/backups.
 *
 * MAINTENANCE_CRON (default "0 3 * * *", UTC; "off" disables; with several ops replicas only the
 * one that takes the `scheduled-run` lease for that run does it, lib/lease) runs retention, then
 * VACUUM/ANALYZE, then stats; each run's results are logged. RETENTION_DAYS (default
 * 30) is the default age kept. Connection URLs never appear in logs or errors.
 */
import path from "node:path";
import { Cron } from "croner";
import { Errors, type Context, type ServiceSchema, type ServiceSettingSchema } from "moleculer";
import type { Sequelize } from "sequelize";
import { acquireSequelize, releaseSequelize } from "../lib/db/connection";
import type { Migration } from "../lib/db/migrations";
import { conflict, invalid } from "../lib/errors";
import {
  applyRetention,
  backupDatabase,
  BackupUnavailableError,
  DEFAULT_RETENTION_RULES,
  listMigrations,
  MIGRATION_REGISTRY,
  MigrationTargetError,
  migrationsOf,
  runMigrations,
  tableStats,
  vacuumAnalyze,
  type DatabaseStats,
  type RetentionOutcome,
  type RetentionRule,
  type VacuumResult,
} from "../lib/maintenance";
import { createLeaseStore, type LeaseStore } from "../lib/lease";
import { DB_METRICS, maskMessage, METRIC, registerMetrics, type MetricSink } from "../lib/monitoring";
import type { RuntimeEnv } from "../lib/runtime/env";

export interface DbMaintenanceSettings {
  retentionDays: number;
  retentionRules: RetentionRule[];
  /** null: no scheduled run. */
  cron: string | null;
  backupDir: string;
  /** pg_dump binary; undefined: looked up on PATH. */
  pgDump?: string | null;
  /** Migrations per service for the migrate action. */
  migrations: Readonly<Record<string, Migration[]>>;
}

export interface MaintenanceRun {
  retention: RetentionOutcome[];
  vacuum: VacuumResult;
  stats: DatabaseStats;
}

interface Vars {
  sequelize: Sequelize;
  job: Cron | null;
  running: Promise<MaintenanceRun> | null;
  /** When the backup in progress on this node started (one at a time). */
  backupStartedAt: Date | null;
  /** With a transporter: the `scheduled-run` lease, so one replica does each scheduled run. */
  runLeases: LeaseStore | null;
}

interface Methods {
  stats(): Promise<DatabaseStats>;
  runScheduled(): Promise<MaintenanceRun>;
  dbError(err: unknown, what: string): Error;
}

const { MoleculerError } = Errors;

export default function createDbMaintenanceService(env: RuntimeEnv, overrides: Partial<DbMaintenanceSettings> = {}): ServiceSchema {
  const settings: DbMaintenanceSettings = {
    retentionDays: env.retentionDays,
    retentionRules: DEFAULT_RETENTION_RULES,
    cron: env.maintenanceCron,
    backupDir: path.join(env.dataDir, "backups"),
    migrations: MIGRATION_REGISTRY,
    ...overrides,
  };

  const schema: ServiceSchema<ServiceSettingSchema & DbMaintenanceSettings, Methods, Vars> = {
    name: "db-maintenance",
    settings: { ...settings, migrations: {} as Record<string, Migration[]> },

    actions: {
      migrations: {
        rest: "GET /migrations",
        role: "admin",
        summary: "Migrations applied per service (schema_migrations) and those pending",
        params: {},
        async handler() {
          try {
            return await listMigrations(this.sequelize, settings.migrations);
          } catch (err) {
            throw this.dbError(err, "listing migrations");
          }
        },
      },

      migrate: {
        rest: "POST /migrate",
        role: "admin",
        summary: "Run one service's migrations up, or down to (and including) a named one",
        params: {
          service: { type: "string", min: 1, max: 64 },
          direction: { type: "enum", values: ["up", "down"] },
          to: { type: "string", min: 1, max: 128, optional: true },
        },
        async handler(ctx: Context<{ service: string; direction: "up" | "down"; to?: string }>) {
          const migrations = migrationsOf(ctx.params.service, settings.migrations);
          if (migrations === null) throw invalid(`Unknown service ${ctx.params.service}; known: ${Object.keys(settings.migrations).join(", ")}`, "service");
          try {
            const result = await runMigrations(this.sequelize, migrations, ctx.params);
            this.logger.info(`migrate ${ctx.params.service} ${ctx.params.direction}: ${result.migrations.join(", ") || "nothing to do"}`);
            return result;
          } catch (err) {
            if (err instanceof MigrationTargetError) throw invalid(err.message, err.field);
            throw this.dbError(err, `migrating ${ctx.params.service} ${ctx.params.direction}`);
          }
        },
      },

      retention: {
        rest: "POST /retention",
        role: "admin",
        summary: "Delete rows older than the retention (final orders, ticks, order updates, resolved alerts); fills and PnL are kept",
        // At most a century: older cutoffs are not dates (2^64 days gave "Invalid time value", a 500).
        params: { days: { type: "number", integer: true, positive: true, max: 36_500, optional: true, convert: true } },
        async handler(ctx: Context<{ days?: number }>) {
          try {
            const tables = await applyRetention(this.sequelize, settings.retentionRules, ctx.params.days ?? settings.retentionDays);
            return { tables, deleted: tables.reduce((n, t) => n + (t.deleted ?? 0), 0) };
          } catch (err) {
            throw this.dbError(err, "retention");
          }
        },
      },

      vacuum: {
        rest: "POST /vacuum",
        role: "admin",
        summary: "VACUUM (ANALYZE) every table on PostgreSQL, ANALYZE on SQLite",
        params: {},
        async handler() {
          try {
            return await vacuumAnalyze(this.sequelize);
          } catch (err) {
            throw this.dbError(err, "vacuum");
          }
        },
      },

      stats: {
        rest: "GET /stats",
        role: "viewer",
        summary: "Row count and size of every table, and the database size",
        params: {},
        async handler() {
          try {
            return await this.stats();
          } catch (err) {
            throw this.dbError(err, "stats");
          }
        },
      },

      backup: {
        rest: "POST /backup",
        role: "admin",
        summary: "Back up the database to DATA_DIR/backups (pg_dump on PostgreSQL, VACUUM INTO on SQLite); 409 while one is in progress",
        params: {},
        async handler() {
          if (this.backupStartedAt) throw conflict(`A backup is already in progress (started ${this.backupStartedAt.toISOString()}); try again when it has finished`, { reason: "BACKUP_IN_PROGRESS", startedAt: this.backupStartedAt.toISOString() });
          this.backupStartedAt = new Date();
          try {
            const result = await backupDatabase(this.sequelize, env.database, settings.backupDir, { pgDump: settings.pgDump });
            this.logger.info(`backup written: ${result.file} (${result.bytes} bytes)`);
            return result;
          } catch (err) {
            if (err instanceof BackupUnavailableError) throw new MoleculerError(`Backup unavailable: ${err.message}`, 503, "BACKUP_UNAVAILABLE", { reason: err.message });
            throw new MoleculerError(`Backup failed: ${maskMessage((err as Error).message)}`, 500, "BACKUP_FAILED");
          } finally {
            this.backupStartedAt = null;
          }
        },
      },
    },

    methods: {
      async stats(): Promise<DatabaseStats> {
        const stats = await tableStats(this.sequelize);
        if (this.broker.isMetricsEnabled()) {
          const metrics = this.broker.metrics as unknown as MetricSink;
          registerMetrics(metrics, DB_METRICS);
          for (const t of stats.tables) {
            metrics.set(METRIC.DB_TABLE_ROWS, t.rows, { table: t.table });
            if (t.bytes !== null) metrics.set(METRIC.DB_TABLE_BYTES, t.bytes, { table: t.table });
          }
        }
        void Promise.resolve(this.broker.emit("db.stats.reported", stats)).catch(() => undefined);
        return stats;
      },

      async runScheduled(): Promise<MaintenanceRun> {
        if (this.running) return this.running;
        this.running = (async () => {
          const retention = await applyRetention(this.sequelize, settings.retentionRules, settings.retentionDays);
          const vacuum = await vacuumAnalyze(this.sequelize);
          const stats = await this.stats();
          return { retention, vacuum, stats };
        })();
        try {
          const run = await this.running;
          const deleted = run.retention.filter((r) => r.deleted !== null).map((r) => `${r.table}=${r.deleted}`).join(", ");
          this.logger.info(
            `maintenance run: retention deleted ${deleted || "nothing (no table)"}; ${run.vacuum.statement} of ${run.vacuum.tables.length} tables in ${run.vacuum.durationMs} ms; ` +
              `${run.stats.tables.length} tables, ${run.stats.databaseBytes} bytes`,
          );
          return run;
        } finally {
          this.running = null;
        }
      },

      dbError(err: unknown, what: string): Error {
        if (err instanceof MoleculerError) return err;
        const message = maskMessage((err as Error).message ?? String(err));
        this.logger.error(`db-maintenance ${what} failed: ${message}`);
        return new MoleculerError(`Database ${what} failed: ${message}`, 500, "DB_MAINTENANCE_FAILED");
      },
    },

    created() {
      this.job = null;
      this.running = null;
      this.backupStartedAt = null;
      this.runLeases = null;
      if (this.broker.isMetricsEnabled()) registerMetrics(this.broker.metrics as unknown as MetricSink, DB_METRICS);
    },

    async started() {
      this.sequelize = acquireSequelize(env.database);
      if (settings.cron !== null) {
        if (env.transporter !== null) this.runLeases = createLeaseStore(env, `${env.namespace}:db-maintenance`);
        // Held, never released, for half the period between runs (at most an hour): a replica whose
        // timer fires a moment later finds it taken; by the next run it has expired.
        let leaseTtlMs = 3_600_000;
        this.job = new Cron(settings.cron, { timezone: "Etc/UTC", protect: true }, async () => {
          try {
            if (this.runLeases) {
              const lease = await this.runLeases.acquire("scheduled-run", this.broker.nodeID, leaseTtlMs).catch((err: Error) => {
                // Repeating a run is harmless, missing every run is not: run when the store cannot tell.
                this.logger.warn(`scheduled maintenance lease unavailable (${maskMessage(err.message)}): running anyway`);
                return { owner: this.broker.nodeID };
              });
              if (lease?.owner !== this.broker.nodeID) {
                this.logger.debug("scheduled maintenance done by another replica this time");
                return;
              }
            }
            await this.runScheduled();
          } catch (err) {
            this.logger.error(`scheduled maintenance failed: ${maskMessage((err as Error).message)}`);
          }
        });
        const [next, after] = this.job.nextRuns(2);
        if (next && after) leaseTtlMs = Math.max(1, Math.min(3_600_000, Math.floor((after.getTime() - next.getTime()) / 2)));
        this.logger.info(`maintenance scheduled "${settings.cron}" (UTC), next ${this.job.nextRun()?.toISOString() ?? "never"}`);
      }
    },

    async stopped() {
      this.job?.stop();
      this.job = null;
      await this.running?.catch(() => undefined);
      await this.runLeases?.close().catch(() => undefined);
      this.runLeases = null;
      if (this.sequelize) await releaseSequelize(this.sequelize);
    },
  };
  return schema as unknown as ServiceSchema;
}

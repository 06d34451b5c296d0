/** Listing and running services' migrations outside their own start-up (the db-maintenance actions). */
import type { Sequelize } from "sequelize";
import { appliedMigrations, migrateDown, migrateUp, type Migration } from "../db/migrations";

export interface ServiceMigrations {
  service: string;
  applied: Array<{ name: string; executedAt: string }>;
  /** Known migrations of the service not applied yet (empty for services not in the registry). */
  pending: string[];
}

export class MigrationTargetError extends Error {
  constructor(public readonly field: string, message: string) {
    super(message);
    this.name = "MigrationTargetError";
  }
}

async function migrationRows(sequelize: Sequelize): Promise<Array<{ service: string; name: string; executed_at: Date | string }>> {
  await appliedMigrations(sequelize, "__none__"); // creates schema_migrations when missing
  const [rows] = await sequelize.query(`SELECT service, name, executed_at FROM schema_migrations ORDER BY service, name`);
  return rows as Array<{ service: string; name: string; executed_at: Date | string }>;
}

/** Every service's applied migrations (from schema_migrations) and the pending ones of known services. */
export async function listMigrations(sequelize: Sequelize, registry: Readonly<Record<string, Migration[]>>): Promise<ServiceMigrations[]> {
  const rows = await migrationRows(sequelize);
  const services = new Set([...Object.keys(registry), ...rows.map((r) => r.service)]);
  return [...services].sort().map((service) => {
    const applied = rows
      .filter((r) => r.service === service)
      .map((r) => ({ name: r.name, executedAt: new Date(r.executed_at).toISOString() }));
    const done = new Set(applied.map((a) => a.name));
    const pending = (registry[service] ?? []).map((m) => m.name).filter((name) => !done.has(name));
    return { service, applied, pending };
  });
}

export interface MigrateRequest {
  service: string;
  direction: "up" | "down";
  /** down: revert down to and including this migration (default: all of them). up: ignored unless named, then must exist. */
  to?: string;
}

/** Runs one service's migrations up or down; returns the names applied or reverted. */
export async function runMigrations(sequelize: Sequelize, migrations: Migration[], req: MigrateRequest): Promise<{ service: string; direction: "up" | "down"; migrations: string[] }> {
  if (req.to !== undefined && !migrations.some((m) => m.name === req.to)) {
    throw new MigrationTargetError("to", `Service ${req.service} has no migration named "${req.to}"`);
  }
  if (req.direction === "up") {
    return { service: req.service, direction: "up", migrations: await migrateUp(sequelize, req.service, migrations) };
  }
  if (req.to !== undefined) {
    const applied = await appliedMigrations(sequelize, req.service);
    if (!applied.includes(req.to)) throw new MigrationTargetError("to", `Migration "${req.to}" of ${req.service} is not applied`);
  }
  return { service: req.service, direction: "down", migrations: await migrateDown(sequelize, req.service, migrations, req.to ?? 0) };
}

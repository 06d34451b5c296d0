/**
 * Schema migrations per service, run with umzug. Every service's migrations are
 * recorded in one table, `schema_migrations` (service, name, executed_at), so each
 * service migrates only its own tables and can be rolled back on its own.
 * On PostgreSQL an advisory lock keeps two nodes starting at once from racing.
 */
import { DataTypes, QueryInterface, Sequelize } from "sequelize";
import { Umzug, type UmzugStorage } from "umzug";

export interface Migration {
  name: string;
  up(queryInterface: QueryInterface, sequelize: Sequelize): Promise<void>;
  down(queryInterface: QueryInterface, sequelize: Sequelize): Promise<void>;
}

const MIGRATIONS_TABLE = "schema_migrations";
const ADVISORY_LOCK_ID = 7_300_451; // arbitrary, constant across mmesh nodes

async function ensureMigrationsTable(sequelize: Sequelize): Promise<void> {
  // CREATE TABLE IF NOT EXISTS; on PostgreSQL it runs under the advisory lock.
  await sequelize.getQueryInterface().createTable(MIGRATIONS_TABLE, {
    service: { type: DataTypes.STRING(64), primaryKey: true },
    name: { type: DataTypes.STRING(128), primaryKey: true },
    executed_at: { type: DataTypes.DATE, allowNull: false },
  });
}

function storageFor(sequelize: Sequelize, service: string): UmzugStorage {
  const qi = sequelize.getQueryInterface();
  return {
    async logMigration({ name }) {
      await qi.bulkInsert(MIGRATIONS_TABLE, [{ service, name, executed_at: new Date() }]);
    },
    async unlogMigration({ name }) {
      await qi.bulkDelete(MIGRATIONS_TABLE, { service, name });
    },
    async executed() {
      const rows = (await qi.select(null, MIGRATIONS_TABLE, { where: { service } })) as Array<{ name: string }>;
      return rows.map((row) => row.name);
    },
  };
}

function umzugFor(sequelize: Sequelize, service: string, migrations: Migration[]) {
  const qi = sequelize.getQueryInterface();
  return new Umzug({
    migrations: migrations.map((m) => ({
      name: m.name,
      up: () => m.up(qi, sequelize),
      down: () => m.down(qi, sequelize),
    })),
    storage: storageFor(sequelize, service),
    logger: undefined,
  });
}

/** Runs of one process are queued; on PostgreSQL an advisory lock also queues other nodes. */
const inProcessQueue = new WeakMap<Sequelize, Promise<unknown>>();

async function withMigrationLock<T>(sequelize: Sequelize, work: () => Promise<T>): Promise<T> {
  const run = async () => {
    if (sequelize.getDialect() !== "postgres") return work();
    // A transaction-scoped advisory lock is held by one connection for the whole run.
    return sequelize.transaction(async (transaction) => {
      await sequelize.query(`SELECT pg_advisory_xact_lock(${ADVISORY_LOCK_ID})`, { transaction });
      return work();
    });
  };
  const previous = inProcessQueue.get(sequelize) ?? Promise.resolve();
  const result = previous.then(run, run);
  inProcessQueue.set(sequelize, result.catch(() => undefined));
  return result;
}

/** Applies every pending migration of `service`; returns the names applied. */
export async function migrateUp(sequelize: Sequelize, service: string, migrations: Migration[]): Promise<string[]> {
  return withMigrationLock(sequelize, async () => {
    await ensureMigrationsTable(sequelize);
    const applied = await umzugFor(sequelize, service, migrations).up();
    return applied.map((m) => m.name);
  });
}

/** Reverts `service`'s migrations down to and including `to` (all of them when `to` is 0). */
export async function migrateDown(sequelize: Sequelize, service: string, migrations: Migration[], to: string | 0 = 0): Promise<string[]> {
  return withMigrationLock(sequelize, async () => {
    await ensureMigrationsTable(sequelize);
    const reverted = await umzugFor(sequelize, service, migrations).down({ to });
    return reverted.map((m) => m.name);
  });
}

export async function appliedMigrations(sequelize: Sequelize, service: string): Promise<string[]> {
  await ensureMigrationsTable(sequelize);
  return storageFor(sequelize, service).executed({ context: {} });
}

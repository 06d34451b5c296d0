/** Migrations up and down on a fresh PostgreSQL database and on SQLite. */
import { Sequelize } from "sequelize";
import { appliedMigrations, migrateDown, migrateUp } from "../../lib/db/migrations";
import { authMigrations } from "../../lib/db/schemas/auth";
import { configMigrations } from "../../lib/db/schemas/config";
import { createTempDatabase, type TempDatabase } from "../support/postgres";

async function tables(sequelize: Sequelize): Promise<string[]> {
  return ((await sequelize.getQueryInterface().showAllTables()) as string[]).sort();
}

describe.each(["postgres", "sqlite"])("migrations on %s", (dialect) => {
  let db: TempDatabase | null = null;
  let sequelize: Sequelize;

  beforeAll(async () => {
    if (dialect === "postgres") {
      db = await createTempDatabase();
      sequelize = new Sequelize(db.url, { logging: false });
    } else {
      sequelize = new Sequelize({ dialect: "sqlite", storage: ":memory:", logging: false });
    }
  });

  afterAll(async () => {
    await sequelize.close();
    await db?.drop();
  });

  it("applies each service's migrations once, even when started concurrently", async () => {
    const [auth1, auth2, config] = await Promise.all([
      migrateUp(sequelize, "auth", authMigrations),
      migrateUp(sequelize, "auth", authMigrations),
      migrateUp(sequelize, "config", configMigrations),
    ]);
    expect([...auth1, ...auth2].sort()).toEqual(["001-users-and-api-tokens", "002-auth-settings", "003-token-version-and-refresh-tokens", "004-drop-plaintext-jwt-secret"]);
    expect(config).toEqual(["001-config-documents"]);
    expect(await tables(sequelize)).toEqual(["api_tokens", "auth_settings", "config_documents", "refresh_tokens", "schema_migrations", "users"]);
  });

  it("reverts one service's migrations without touching another's", async () => {
    expect(await migrateDown(sequelize, "auth", authMigrations)).toEqual(["004-drop-plaintext-jwt-secret", "003-token-version-and-refresh-tokens", "002-auth-settings", "001-users-and-api-tokens"]);
    expect(await tables(sequelize)).toEqual(["config_documents", "schema_migrations"]);
    expect(await appliedMigrations(sequelize, "auth")).toEqual([]);
    expect(await appliedMigrations(sequelize, "config")).toEqual(["001-config-documents"]);
    expect(await migrateUp(sequelize, "auth", authMigrations)).toEqual(["001-users-and-api-tokens", "002-auth-settings", "003-token-version-and-refresh-tokens", "004-drop-plaintext-jwt-secret"]);
  });
});

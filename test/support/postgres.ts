/** A throwaway PostgreSQL database per test file on the machine's server. */
import { Client } from "pg";
import { Sequelize } from "sequelize";
import { uniqueName } from "./env";

const ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TempDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTempDatabase(): Promise<TempDatabase> {
  const name = uniqueName("mmesh_test").toLowerCase();
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    name,
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * Two connection pools on one database, as two nodes would have: a throwaway PostgreSQL database,
 * or one in-memory SQLite database shared by both (SQLite's memory database is per connection).
 */
export async function twoNodeConnections(dialect: "postgres" | "sqlite"): Promise<{ sequelize: Sequelize; other: Sequelize; close(): Promise<void> }> {
  if (dialect === "sqlite") {
    const sequelize = new Sequelize({ dialect: "sqlite", storage: ":memory:", logging: false });
    return { sequelize, other: sequelize, close: () => sequelize.close() };
  }
  const db = await createTempDatabase();
  const sequelize = new Sequelize(db.url, { logging: false });
  const other = new Sequelize(db.url, { logging: false });
  return {
    sequelize,
    other,
    async close() {
      await other.close();
      await sequelize.close();
      await db.drop();
    },
  };
}

/**
 * One Sequelize instance per database per process, shared by every service that
 * stores entities there. On SQLite that means one writer connection, so services
 * in the embedded default never fight over the file lock.
 */
import fs from "node:fs";
import path from "node:path";
import { Sequelize, Transaction } from "sequelize";
import type { DatabaseSettings } from "../runtime/env";
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, restrictSqliteFiles } from "../runtime/private-files";
import { applyPragmasToEveryConnection } from "./sqlite-pragmas";
import { queueTransactions } from "./sqlite-transactions";

interface Shared {
  sequelize: Sequelize;
  users: number;
}

const pool = new Map<string, Shared>();

function keyOf(settings: DatabaseSettings): string {
  return settings.dialect === "sqlite" ? `sqlite:${path.resolve(settings.storage)}` : settings.url;
}

function open(settings: DatabaseSettings): Sequelize {
  if (settings.dialect === "postgres") {
    return new Sequelize(settings.url, { logging: false, pool: { max: 10, min: 0, idle: 10_000 } });
  }
  if (settings.storage !== ":memory:") {
    const file = path.resolve(settings.storage);
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
    // Created here, 0600, before SQLite opens it: SQLite gives its journal and WAL files the
    // database file's mode.
    fs.closeSync(fs.openSync(file, "a", PRIVATE_FILE_MODE));
    restrictSqliteFiles(file);
  }
  const sequelize = new Sequelize({
    dialect: "sqlite",
    storage: settings.storage,
    logging: false,
    // Take the write lock when a transaction begins, so a busy database is waited for
    // (busy_timeout) instead of failing when a read transaction later tries to write.
    transactionType: Transaction.TYPES.IMMEDIATE,
    // The sqlite dialect does not pool: one shared connection for plain queries, one more per
    // transaction (see sqlite-pragmas.ts). WAL lets readers proceed beside the one writer.
    pool: { max: 1, min: 0, idle: 10_000 },
  });
  applyPragmasToEveryConnection(sequelize);
  queueTransactions(sequelize);
  return sequelize;
}

export function acquireSequelize(settings: DatabaseSettings): Sequelize {
  const key = keyOf(settings);
  let shared = pool.get(key);
  if (!shared) {
    shared = { sequelize: open(settings), users: 0 };
    pool.set(key, shared);
  }
  shared.users += 1;
  return shared.sequelize;
}

export async function releaseSequelize(sequelize: Sequelize): Promise<void> {
  for (const [key, shared] of pool) {
    if (shared.sequelize !== sequelize) continue;
    shared.users -= 1;
    if (shared.users === 0) {
      pool.delete(key);
      await sequelize.close();
    }
    return;
  }
}

/**
 * One Sequelize instance per database per process, shared by every service that
 * stores entities there. On SQLite that means one writer connection, so services
 * in the embedded default never fight over the file lock.
 */
import fs from "node:fs";
import path from "node:path";
import { Sequelize, Transaction } from "sequelize";
import type { DatabaseSettings } from "../runtime/env";

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
  if (settings.storage !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(settings.storage)), { recursive: true });
  const sequelize = new Sequelize({
    dialect: "sqlite",
    storage: settings.storage,
    logging: false,
    // Take the write lock when a transaction begins, so a busy database is waited for
    // (busy_timeout) instead of failing when a read transaction later tries to write.
    transactionType: Transaction.TYPES.IMMEDIATE,
    // A single connection serialises writes; WAL lets readers proceed beside them.
    pool: { max: 1, min: 0, idle: 10_000 },
  });
  sequelize.addHook("afterConnect", async (connection: unknown) => {
    const db = connection as { run(sql: string, cb: (err: Error | null) => void): void };
    // synchronous=NORMAL under WAL: a commit survives a crash of the process, not a power cut
    // (the last commits may roll back then; fills are re-read from the venue by reconcile).
    // FULL would fsync every commit, several per order placed.
    for (const pragma of ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA busy_timeout = 5000", "PRAGMA foreign_keys = ON"]) {
      await new Promise<void>((resolve, reject) => db.run(pragma, (err) => (err ? reject(err) : resolve())));
    }
  });
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

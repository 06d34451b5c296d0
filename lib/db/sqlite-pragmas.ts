/**
 * The SQLite settings of every connection Sequelize opens. Sequelize 6's sqlite dialect opens
 * its connections in `connectionManager.getConnection` (one shared "default" connection, plus a
 * new one for each transaction, closed at its end) and runs no `afterConnect` hook there, so the
 * pragmas are applied by wrapping that method: each new connection is configured once, before
 * any caller gets it.
 *
 * - busy_timeout first: converting the file to WAL needs the lock another connection may hold.
 * - journal_mode=WAL: readers never block the writer; one writer at a time, others wait.
 * - synchronous=NORMAL under WAL: a commit is in the WAL file when it returns, so it survives a
 *   crash of the process (kill -9); a power cut may roll back the last commits. FULL would fsync
 *   every commit.
 */
import type { Sequelize } from "sequelize";

export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export const SQLITE_PRAGMAS = [
  `PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`,
  "PRAGMA journal_mode = WAL",
  "PRAGMA synchronous = NORMAL",
  "PRAGMA foreign_keys = ON",
];

interface SqliteConnection {
  exec(sql: string, cb: (err: Error | null) => void): void;
}

interface SqliteConnectionManager {
  getConnection(options?: object): Promise<SqliteConnection>;
}

function configure(connection: SqliteConnection): Promise<void> {
  return new Promise((resolve, reject) => connection.exec(SQLITE_PRAGMAS.join("; "), (err) => (err ? reject(err) : resolve())));
}

/** Makes every connection `sequelize` (sqlite dialect) hands out run SQLITE_PRAGMAS first. */
export function applyPragmasToEveryConnection(sequelize: Sequelize): void {
  const manager = sequelize.connectionManager as unknown as SqliteConnectionManager;
  const original = manager.getConnection.bind(manager);
  // Per connection object: concurrent first users of the shared connection wait for the same run.
  const configured = new WeakMap<SqliteConnection, Promise<void>>();
  manager.getConnection = async (options?: object) => {
    const connection = await original(options);
    let ready = configured.get(connection);
    if (!ready) {
      ready = configure(connection);
      configured.set(connection, ready);
      ready.catch(() => configured.delete(connection)); // tried again by the next user
    }
    await ready;
    return connection;
  };
}

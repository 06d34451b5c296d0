/**
 * SQLite has one writer, and each Sequelize transaction on it opens its own connection that
 * takes the write lock at BEGIN IMMEDIATE. Transactions begun beside one another wait for that
 * lock inside node-sqlite3's worker threads (busy_timeout); with as many waiting as libuv has
 * threads (4), the transaction holding the lock cannot run its COMMIT or ROLLBACK until they
 * time out: 8 concurrent user updates took 5 s each (the busy timeout), and under load a
 * request never answered. In one process they are queued here instead; busy_timeout still
 * covers other processes sharing the file.
 */
import type { Sequelize, Transaction, TransactionOptions } from "sequelize";

type ManagedWork<T> = (t: Transaction) => PromiseLike<T>;

export function queueTransactions(sequelize: Sequelize): void {
  const original = sequelize.transaction.bind(sequelize) as (options?: TransactionOptions, work?: ManagedWork<unknown>) => Promise<unknown>;
  let tail: Promise<unknown> = Promise.resolve();
  const queued = (optionsOrWork?: TransactionOptions | ManagedWork<unknown>, maybeWork?: ManagedWork<unknown>): Promise<unknown> => {
    const work = typeof optionsOrWork === "function" ? optionsOrWork : maybeWork;
    const options = typeof optionsOrWork === "function" ? {} : optionsOrWork ?? {};
    // An unmanaged transaction (committed by its caller) cannot be queued: its end is not known here.
    if (!work) return original(options);
    const run = tail.then(() => original(options, work));
    tail = run.catch(() => undefined);
    return run;
  };
  (sequelize as unknown as { transaction: typeof queued }).transaction = queued;
}

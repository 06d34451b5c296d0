/**
 * Concurrent transactions on the embedded SQLite database are queued in the process
 * (lib/db/sqlite-transactions.ts) instead of waiting for the write lock in node-sqlite3's worker
 * threads, where the one holding the lock could not finish until the others' busy timeout ran out.
 */
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import createAuthService from "../../services/auth.service";
import { SQLITE_BUSY_TIMEOUT_MS } from "../../lib/db/sqlite-pragmas";
import { testEnv } from "../support/env";

describe("SQLite transactions of one process", () => {
  const env = testEnv({ SERVICES: "auth" });
  const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
  const admin = { meta: { user: { id: 1, role: "admin", username: "admin" } } };

  beforeAll(async () => {
    broker.createService(createAuthService(env));
    await broker.start();
  });

  afterAll(async () => {
    await broker.stop();
    env.cleanup();
  });

  it("16 concurrent user updates (each a transaction) all answer, none after waiting out the busy timeout", async () => {
    const started = performance.now();
    const answers = await Promise.allSettled(Array.from({ length: 16 }, (_, i) =>
      i % 2 === 0 ? broker.call("auth.updateUser", { id: 987654, role: "viewer" }, admin) : broker.call("auth.deleteUser", { id: 987654 }, admin)));
    const took = performance.now() - started;
    expect(answers.map((a) => (a.status === "rejected" ? (a.reason as { code?: number }).code : "fulfilled"))).toEqual(Array(16).fill(404));
    // Before the queue: the 8th waiter and later only answered when the first waiters' busy timeout ran out.
    expect(took).toBeLessThan(SQLITE_BUSY_TIMEOUT_MS);
  });
});

/**
 * A node that runs the market maker and the cex together (the embedded default) stops the
 * bots before the cex: a bot's last cancels are written to cex_orders, none is lost to a
 * database the cex already closed.
 */
import path from "node:path";
import sqlite3 from "sqlite3";
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import { createNode } from "../../services";
import { testEnv } from "../support/env";
import { until } from "../support/until";

jest.setTimeout(60_000);

type Status = { bots: Array<{ name: string; live?: { liveOrders: unknown[] } }> };

function orderStatuses(file: string): Promise<Array<{ status: string; n: number }>> {
  const db = new sqlite3.Database(file, sqlite3.OPEN_READONLY);
  return new Promise((resolve, reject) => {
    db.all("SELECT status, COUNT(*) AS n FROM cex_orders GROUP BY status ORDER BY status", (err, rows) => {
      db.close();
      if (err) reject(err);
      else resolve(rows as Array<{ status: string; n: number }>);
    });
  });
}

describe("stopping a node that trades", () => {
  it("stops the market maker (its cancels written) before the cex, and the cex once", async () => {
    const env = testEnv({ DEMO_BOT: "on", SERVICES: "config,fee,cex,cex-price-feed,market-maker" });
    const broker = createNode(env, { logger: false });
    const stops: string[] = [];
    broker.middlewares.add({
      name: "StopRecorder",
      serviceStopping: (svc: { name: string }) => void stops.push(`${svc.name} stopping`),
      serviceStopped: (svc: { name: string }) => void stops.push(`${svc.name} stopped`),
    } as never);
    try {
      await broker.start();
      await until("the demo bot quoting", async () => {
        const status = (await broker.call("mm.status")) as Status;
        return (status.bots.find((b) => b.name === "demo-avellaneda")?.live?.liveOrders.length ?? 0) > 0;
      }, 30_000);
    } finally {
      await broker.stop();
    }
    try {
      expect(stops.indexOf("mm stopped")).toBeGreaterThanOrEqual(0);
      expect(stops.indexOf("mm stopped")).toBeLessThan(stops.indexOf("cex stopping"));
      expect(stops.filter((s) => s === "cex stopped")).toHaveLength(1);
      // Every order the bot had open was cancelled and that cancel is in the table.
      const statuses = await orderStatuses(path.join(env.dataDir, "mmesh.sqlite"));
      expect(statuses.length).toBeGreaterThan(0);
      expect(statuses.filter((s) => s.status === "open" || s.status === "pending")).toEqual([]);
    } finally {
      env.cleanup();
    }
  });

  it("stops each trader once, after its last call to the cex went through, and starts it again with the broker", async () => {
    const env = testEnv();
    const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    const seen: string[] = [];
    let cexUp = false;
    broker.createService({
      name: "cex",
      started: () => void (cexUp = true),
      stopped: () => void (cexUp = false),
      actions: { cancelOrders: () => (cexUp ? "cancelled" : "cex stopped") },
    });
    broker.createService({
      name: "mm",
      started: () => void seen.push("mm started"),
      async stopped(this: { broker: ServiceBroker }) {
        // As a bot does: cancels through the cex on its way out.
        seen.push(`mm stopped: ${await this.broker.call("cex.cancelOrders")}`);
      },
    });
    try {
      await broker.start();
      await broker.stop();
      expect(seen).toEqual(["mm started", "mm stopped: cancelled"]);
      await broker.start();
      expect(broker.getLocalService("mm")).toBeDefined();
      await broker.stop();
      expect(seen).toEqual(["mm started", "mm stopped: cancelled", "mm started", "mm stopped: cancelled"]);
    } finally {
      if (broker.started) await broker.stop();
      env.cleanup();
    }
  });
});

/**
 * A config read that a write overtakes is not cached: a list read from the database before a
 * write committed, and answered after the write cleared the cache, used to stay in the cache,
 * so every later read (a bot reloading on config.changed) missed the new document.
 */
import { ServiceBroker } from "moleculer";
import type { Model, ModelStatic } from "sequelize";
import { createBrokerOptions } from "../../moleculer.config";
import createConfigService from "../../services/config.service";
import { testEnv } from "../support/env";
import { sleep } from "../support/until";

jest.setTimeout(30_000);

describe("config cache and a write racing a read", () => {
  const env = testEnv({ SERVICES: "config" });
  let broker: ServiceBroker;
  const names = async () => ((await broker.call("config.list", { kind: "markets" })) as Array<{ name: string }>).map((d) => d.name);
  const market = (name: string) => broker.call("config.set", { kind: "markets", name, body: { venue: "paper", kind: "cex", symbol: "BTC/USDT" } });

  beforeAll(async () => {
    broker = new ServiceBroker({ ...createBrokerOptions(env), logger: false });
    broker.createService(createConfigService(env));
    await broker.start();
  });
  afterAll(async () => {
    await broker?.stop();
    env.cleanup();
  });

  it("does not keep a list read before a write that committed while it was answered", async () => {
    await market("first");
    const model = (broker.getLocalService("config") as unknown as { adapter: { model: ModelStatic<Model> } }).adapter.model;
    // The next read of the list takes 300 ms after the database answered: a loaded node.
    let slowRead = true;
    model.addHook("afterFind", "slow-list-read", async () => {
      if (!slowRead) return;
      slowRead = false;
      await sleep(300);
    });
    try {
      const racing = names();
      await sleep(50);
      await market("second"); // commits, clears the cache and announces config.changed meanwhile
      await racing;
      expect(await names()).toEqual(["first", "second"]);
    } finally {
      model.removeHook("afterFind", "slow-list-read");
    }
  });
});

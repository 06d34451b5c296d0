/** SharedMemoryCacher: Moleculer's Memory cacher that notes the objects it hands out as is. */
import { ServiceBroker } from "moleculer";
import { SharedMemoryCacher, isSharedCachedValue } from "../../../lib/runtime/memory-cacher";

describe("SharedMemoryCacher", () => {
  async function withBroker(clone: boolean, test: (broker: ServiceBroker) => Promise<void>) {
    const broker = new ServiceBroker({ logger: false, cacher: new SharedMemoryCacher({ ttl: 30, clone }) });
    let n = 0;
    broker.createService({
      name: "s",
      actions: {
        cached: { cache: { keys: ["k"] }, handler: () => ({ n: ++n }) },
        fresh: { handler: () => ({ n: ++n }) },
      },
    });
    await broker.start();
    try {
      await test(broker);
    } finally {
      await broker.stop();
    }
  }

  it("hands out the stored answer as is and knows it; fresh answers are not noted", async () => {
    await withBroker(false, async (broker) => {
      const a = await broker.call("s.cached", { k: 1 });
      const b = await broker.call("s.cached", { k: 1 });
      expect(b).toBe(a);
      expect(isSharedCachedValue(a)).toBe(true);
      expect(isSharedCachedValue(await broker.call("s.fresh"))).toBe(false);
      expect(isSharedCachedValue(null)).toBe(false);
      expect(isSharedCachedValue("text")).toBe(false);
      await broker.cacher!.clean();
      const c = await broker.call("s.cached", { k: 1 });
      expect(c).not.toBe(a);
      expect(c).toEqual({ n: 3 });
    });
  });

  it("notes nothing when it clones (callers then get copies)", async () => {
    await withBroker(true, async (broker) => {
      const a = await broker.call("s.cached", { k: 1 });
      expect(await broker.call("s.cached", { k: 1 })).not.toBe(a);
      expect(isSharedCachedValue(a)).toBe(false);
    });
  });
});

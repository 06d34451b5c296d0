/**
 * A LeaseKeeper whose first acquire is answered too late to count (after ttl − safety margin):
 * held() is false on arrival, so the holder is not told yet; it is told once a later round
 * makes the lease held. Before, a lapsed-then-renewed lease never fired onAcquired again and a
 * market-maker bot that had found held() false at its first start stayed down while its node
 * held the lease.
 */
import { LeaseKeeper } from "../../../lib/lease/keeper";
import { MemoryLeaseStore } from "../../../lib/lease/memory";
import type { Lease } from "../../../lib/lease/types";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class FirstAcquireLate extends MemoryLeaseStore {
  private delayed = false;
  constructor(namespace: string, private readonly delayMs: number) {
    super(namespace);
  }
  override async acquire(key: string, owner: string, ttlMs: number): Promise<Lease | null> {
    const lease = await super.acquire(key, owner, ttlMs);
    if (!this.delayed) {
      this.delayed = true;
      await sleep(this.delayMs);
    }
    return lease;
  }
}

describe("LeaseKeeper with an answer that arrives too late", () => {
  it("tells the holder only once the lease is held, and tells it then", async () => {
    const ttl = 200;
    const store = new FirstAcquireLate(`late-${Date.now()}`, ttl);
    const events: string[] = [];
    const heldWhenTold: boolean[] = [];
    const keeper = new LeaseKeeper({
      store,
      key: "bot:late",
      owner: "a",
      ttlMs: ttl,
      onAcquired: () => {
        events.push("acquired");
        heldWhenTold.push(keeper.held());
      },
      onLost: (reason) => events.push(`lost: ${reason}`),
    });
    await keeper.start();
    try {
      expect(keeper.held()).toBe(false);
      expect(events).toEqual([]);
      const until = performance.now() + 3 * ttl;
      while (!keeper.held() && performance.now() < until) await sleep(5);
      expect(keeper.held()).toBe(true);
      expect(events).toEqual(["acquired"]);
      expect(heldWhenTold).toEqual([true]);
    } finally {
      await keeper.stop();
      await store.close();
    }
    expect(events).toEqual(["acquired", "lost: stopped"]);
  });
});

import { DeadManSwitches } from "../../../lib/market-maker/dead-man";

/** Intervals fired by hand. */
class Intervals {
  private next = 1;
  readonly live = new Map<number, { fn: () => void; ms: number }>();
  set = (fn: () => void, ms: number) => {
    const id = this.next++;
    this.live.set(id, { fn, ms });
    return id;
  };
  clear = (id: unknown) => void this.live.delete(id as number);
  fireAll(): void {
    for (const { fn } of [...this.live.values()]) fn();
  }
  periods(): number[] {
    return [...this.live.values()].map((t) => t.ms);
  }
}

function setup(arm?: (exchange: string, timeoutMs: number) => Promise<unknown>) {
  const calls: Array<[string, number]> = [];
  const warnings: string[] = [];
  const timers = new Intervals();
  const switches = new DeadManSwitches({
    arm: async (exchange, timeoutMs) => {
      calls.push([exchange, timeoutMs]);
      return arm?.(exchange, timeoutMs);
    },
    warn: (m) => warnings.push(m),
    setInterval: timers.set,
    clearInterval: timers.clear,
  });
  return { calls, warnings, timers, switches };
}

const settle = () => new Promise((r) => setImmediate(r));

describe("DeadManSwitches", () => {
  it("arms on the first bot, refreshes every timeout/4, disarms when the last bot stops with its orders cancelled", async () => {
    const { calls, timers, switches } = setup();
    await switches.acquire("okx", "a", 10_000);
    expect(calls).toEqual([["okx", 10_000]]);
    expect(timers.periods()).toEqual([2_500]);
    timers.fireAll();
    timers.fireAll();
    await settle();
    expect(calls).toEqual([["okx", 10_000], ["okx", 10_000], ["okx", 10_000]]);
    // a second bot with a shorter timeout: the switch follows the shortest
    await switches.acquire("okx", "b", 4_000);
    expect(calls.at(-1)).toEqual(["okx", 4_000]);
    expect(timers.periods()).toEqual([1_000]);
    await switches.release("okx", "b", true);
    expect(calls.at(-1)).toEqual(["okx", 10_000]);
    expect(switches.armed("okx")).toBe(true);
    await switches.release("okx", "a", true);
    expect(calls.at(-1)).toEqual(["okx", 0]);
    expect(timers.live.size).toBe(0);
    expect(switches.armed("okx")).toBe(false);
  });

  it("a bot stopping with orders it could not cancel leaves the switch armed (no disarm, no more refreshes)", async () => {
    const { calls, timers, switches } = setup();
    await switches.acquire("okx", "a", 10_000);
    await switches.release("okx", "a", false);
    expect(calls).toEqual([["okx", 10_000]]);
    expect(timers.live.size).toBe(0);
  });

  it("an exchange without the switch is asked once, then never again", async () => {
    const { calls, warnings, timers, switches } = setup(async () => {
      throw Object.assign(new Error("binance has no cancelAllOrdersAfter"), { type: "NOT_SUPPORTED" });
    });
    await switches.acquire("binance", "a", 10_000);
    expect(timers.live.size).toBe(0);
    expect(warnings).toEqual([expect.stringMatching(/binance has no dead man's switch/)]);
    await switches.acquire("binance", "b", 10_000);
    await switches.release("binance", "a", true);
    await switches.release("binance", "b", true);
    expect(calls).toEqual([["binance", 10_000]]);
  });

  it("a failed refresh is warned about and the next one goes out; 0 turns it off for a bot", async () => {
    let fail = true;
    const { calls, warnings, timers, switches } = setup(async () => {
      if (fail) throw new Error("cex unreachable");
    });
    await switches.acquire("okx", "a", 8_000);
    expect(warnings).toEqual(["dead man's switch on okx not re-armed: cex unreachable"]);
    fail = false;
    timers.fireAll();
    await settle();
    expect(calls).toEqual([["okx", 8_000], ["okx", 8_000]]);
    await switches.acquire("okx", "off", 0);
    expect(switches.timeoutOf("okx")).toBe(8_000);
    switches.close();
    expect(timers.live.size).toBe(0);
  });
});

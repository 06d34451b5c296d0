/** The bound on password hashes running at once. */
import { HashSlots, HashSlotsBusyError } from "../../../lib/auth/hash-slots";

describe("hash slots", () => {
  it("runs at most maxRunning at once, queues up to maxWaiting, refuses the rest", async () => {
    const slots = new HashSlots(2, 3);
    let running = 0;
    let peak = 0;
    const gates: Array<() => void> = [];
    const work = () =>
      slots.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
        return "done";
      });
    const accepted = Array.from({ length: 5 }, work);
    await expect(work()).rejects.toBeInstanceOf(HashSlotsBusyError);
    while (gates.length > 0 || running > 0) {
      await new Promise((r) => setImmediate(r));
      gates.shift()?.();
    }
    expect(await Promise.all(accepted)).toEqual(Array(5).fill("done"));
    expect(peak).toBe(2);
    // Free again afterwards.
    const after = slots.run(async () => "again");
    expect(await after).toBe("again");
  });
});

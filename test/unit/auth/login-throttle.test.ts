/** The login throttle on a memory store: free tries, bounded back-off, address locks, known addresses, unlock. */
import { ACCOUNT_FREE_FAILURES, ADDRESS_FREE_FAILURES, FIRST_LOCK_SECONDS, lockSeconds, LoginThrottle, MAX_LOCK_SECONDS } from "../../../lib/auth/login-throttle";
import { createMemoryLimiterStore } from "../../../lib/runtime/limiter-store";

describe("login throttle", () => {
  const throttle = () => new LoginThrottle(createMemoryLimiterStore(`t${Math.random()}`));

  it("backs off by doubling from the first lock, never past the bound", () => {
    expect(lockSeconds(ACCOUNT_FREE_FAILURES - 1, ACCOUNT_FREE_FAILURES)).toBe(0);
    expect(lockSeconds(ACCOUNT_FREE_FAILURES, ACCOUNT_FREE_FAILURES)).toBe(FIRST_LOCK_SECONDS);
    expect(lockSeconds(ACCOUNT_FREE_FAILURES + 1, ACCOUNT_FREE_FAILURES)).toBe(2 * FIRST_LOCK_SECONDS);
    expect(lockSeconds(ACCOUNT_FREE_FAILURES + 50, ACCOUNT_FREE_FAILURES)).toBe(MAX_LOCK_SECONDS);
    expect(lockSeconds(1e9, ACCOUNT_FREE_FAILURES)).toBe(MAX_LOCK_SECONDS);
  });

  it("locks an account after its free failures, from any address, until a success-free lock ends or an unlock", async () => {
    const t = throttle();
    for (let i = 0; i < ACCOUNT_FREE_FAILURES - 1; i++) {
      expect(await t.check("ann", `10.0.0.${i}`)).toBeNull();
      await t.failed("ann", `10.0.0.${i}`);
    }
    expect(await t.check("ann", "10.0.1.1")).toBeNull();
    await t.failed("ann", "10.0.1.1");
    const locked = await t.check("ann", "10.0.2.2");
    expect(locked).toMatchObject({ scope: "account" });
    expect(locked!.retryAfterMs).toBeGreaterThan(0);
    expect(locked!.retryAfterMs).toBeLessThanOrEqual(FIRST_LOCK_SECONDS * 1000);
    // Other accounts are untouched.
    expect(await t.check("bob", "10.0.2.2")).toBeNull();
    await t.unlock({ username: "ann" });
    expect(await t.check("ann", "10.0.2.2")).toBeNull();
  });

  it("does not hold an address that logged into the account lately by that account's lock", async () => {
    const t = throttle();
    await t.succeeded("root", "192.168.1.5");
    for (let i = 0; i < ACCOUNT_FREE_FAILURES + 3; i++) await t.failed("root", `203.0.113.${i}`);
    expect(await t.check("root", "203.0.113.99")).toMatchObject({ scope: "account" });
    expect(await t.check("root", "192.168.1.5")).toBeNull();
  });

  it("locks an address that fails on many accounts (password spraying), whatever the username", async () => {
    const t = throttle();
    for (let i = 0; i < ADDRESS_FREE_FAILURES; i++) await t.failed(`user${i}`, "198.51.100.7");
    expect(await t.check("someone-new", "198.51.100.7")).toMatchObject({ scope: "address" });
    expect(await t.check("someone-new", "198.51.100.8")).toBeNull();
    await t.unlock({ address: "198.51.100.7" });
    expect(await t.check("someone-new", "198.51.100.7")).toBeNull();
  });

  it("clears an account's failures on a success, not its address's", async () => {
    const t = throttle();
    for (let i = 0; i < ACCOUNT_FREE_FAILURES - 1; i++) await t.failed("cat", "10.9.9.9");
    await t.succeeded("cat", "10.9.9.9");
    await t.failed("cat", "10.1.1.1");
    expect(await t.check("cat", "10.1.1.1")).toBeNull();
    for (let i = 0; i < ADDRESS_FREE_FAILURES - ACCOUNT_FREE_FAILURES + 1; i++) await t.failed(`x${i}`, "10.9.9.9");
    expect(await t.check("cat", "10.9.9.9")).toMatchObject({ scope: "address" });
  });
});

/** The circuit breaker counts server faults, not a client's bad request nor back pressure. */
import { invalid, overloaded, unavailable } from "../../../lib/errors";
import { readEnv } from "../../../lib/runtime/env";
import { createBrokerOptions } from "../../../moleculer.config";

describe("circuit breaker check", () => {
  const check = (createBrokerOptions(readEnv({ METRICS_PORT: "off" })).circuitBreaker as { check(err: Error): boolean }).check;

  it("counts a 503 without Retry-After (the venue or database is down)", () => {
    expect(check(unavailable("Orders cannot be stored right now"))).toBe(true);
  });

  it("ignores back pressure (503 with retryAfter) and client errors", () => {
    expect(check(overloaded("Order write queue is full", 1))).toBe(false);
    expect(check(invalid("bad amount", "amount"))).toBe(false);
  });
});

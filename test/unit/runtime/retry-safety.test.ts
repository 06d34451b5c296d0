import { retrySafe } from "../../../lib/runtime/retry-safety";

describe("retrySafe", () => {
  it("retries reads: actions whose routes are all GETs", () => {
    expect(retrySafe({ rest: "GET /:kind" }, {})).toBe(true);
    expect(retrySafe({ rest: ["GET /a", "GET /b"] }, {})).toBe(true);
    expect(retrySafe({ rest: { method: "GET", path: "/x" } }, {})).toBe(true);
  });

  it("never retries an undeclared write or an internal action", () => {
    expect(retrySafe({ rest: "POST /transfer" }, { amount: "1" })).toBe(false);
    expect(retrySafe({ rest: ["GET /a", "PUT /a"] }, {})).toBe(false);
    expect(retrySafe({}, {})).toBe(false);
  });

  it("follows an explicit declaration", () => {
    expect(retrySafe({ rest: "POST /quote", idempotent: true }, {})).toBe(true);
    expect(retrySafe({ rest: "GET /x", idempotent: false }, {})).toBe(false);
  });

  it("retries a write only when the call carries its idempotency key", () => {
    const set = { rest: "PUT /:kind/:name", idempotencyKey: "expectedVersion" };
    expect(retrySafe(set, { expectedVersion: 0 })).toBe(true);
    expect(retrySafe(set, { expectedVersion: 3 })).toBe(true);
    expect(retrySafe(set, {})).toBe(false);
    expect(retrySafe(set, { expectedVersion: null })).toBe(false);
    expect(retrySafe({ idempotencyKey: ["clientOrderId", "nonce"] }, { nonce: 7 })).toBe(true);
  });
});

import { botTag, isBotOrder, newClientOrderId } from "../../../lib/market-maker/client-order-id";
import { createHash } from "node:crypto";

describe("client order ids", () => {
  it("botTag is mm + 8 hex of sha256(bot) and stable", () => {
    const hex = createHash("sha256").update("btc-usdt-pmm").digest("hex").slice(0, 8);
    expect(botTag("btc-usdt-pmm")).toBe("mm" + hex);
    expect(botTag("btc-usdt-pmm")).toBe(botTag("btc-usdt-pmm"));
    expect(botTag("other")).not.toBe(botTag("btc-usdt-pmm"));
  });

  it("ids are ≤ 36 chars of [A-Za-z0-9_-], start with the tag, and are unique over 10k", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const id = newClientOrderId("btc-usdt-pmm");
      expect(id.length).toBeLessThanOrEqual(36);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(id.startsWith(botTag("btc-usdt-pmm") + "-")).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(10_000);
  });

  it("accepts an explicit seq, including huge and negative ones, within 36 chars", () => {
    for (const seq of [0, 1, 35, 36 ** 6 + 5, Number.MAX_SAFE_INTEGER, -7]) {
      const id = newClientOrderId("b", seq);
      expect(id.length).toBeLessThanOrEqual(36);
      expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(newClientOrderId("b", 5)).not.toBe(newClientOrderId("b", 5)); // random part
  });

  it("isBotOrder recognises only this bot's ids", () => {
    const id = newClientOrderId("alpha");
    expect(isBotOrder("alpha", id)).toBe(true);
    expect(isBotOrder("beta", id)).toBe(false);
    expect(isBotOrder("alpha", null)).toBe(false);
    expect(isBotOrder("alpha", undefined)).toBe(false);
    expect(isBotOrder("alpha", "")).toBe(false);
    expect(isBotOrder("alpha", botTag("alpha"))).toBe(false); // the tag alone, no dash
  });
});

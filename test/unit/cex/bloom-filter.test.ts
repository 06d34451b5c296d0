import { GrowingBloomFilter } from "../../../lib/cex/bloom-filter";

const id = (i: number) => `mm-btc-${i.toString(36)}-${(i * 7919).toString(36)}`;

describe("GrowingBloomFilter", () => {
  it("never forgets an added string, also after growing far past its first capacity", () => {
    const filter = new GrowingBloomFilter(1000, 0.001);
    for (let i = 0; i < 50_000; i++) filter.add(id(i));
    expect(filter.count).toBe(50_000);
    for (let i = 0; i < 50_000; i++) if (!filter.mightContain(id(i))) throw new Error(`forgot ${id(i)}`);
  });

  it("keeps false positives under twice the error rate when it has grown", () => {
    const filter = new GrowingBloomFilter(1000, 0.001);
    for (let i = 0; i < 50_000; i++) filter.add(id(i));
    let falsePositives = 0;
    const probes = 200_000;
    for (let i = 0; i < probes; i++) if (filter.mightContain(`other-${i}`)) falsePositives++;
    expect(falsePositives / probes).toBeLessThan(0.002);
    // About 1.8 bytes per string at 0.1 %, with the doubling layers' slack.
    expect(filter.bytes).toBeLessThan(50_000 * 4);
  });

  it("says no for strings it has not seen when empty and tells near-identical ids apart", () => {
    const filter = new GrowingBloomFilter();
    expect(filter.mightContain("paper|a")).toBe(false);
    filter.add("paper|a");
    expect(filter.mightContain("paper|a")).toBe(true);
    expect(filter.mightContain("paper|b")).toBe(false);
    expect(filter.mightContain("binance|a")).toBe(false);
  });

  it("refuses a nonsensical size", () => {
    expect(() => new GrowingBloomFilter(0)).toThrow(RangeError);
    expect(() => new GrowingBloomFilter(10, 1)).toThrow(RangeError);
  });
});

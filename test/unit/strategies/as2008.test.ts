import { PAPER_TABLE, simulateAs2008 } from "../../../bench/strategies/as2008";

/**
 * Avellaneda & Stoikov (2008) §4, γ = 0.1, 1000 paths through mmesh's reservationAndSpread. The
 * paper's table: inventory strategy 62.94 / 5.89 (mean / std profit), symmetric 67.21 / 13.43.
 * The shape must hold: the inventory strategy gives up a few units of mean profit for less than
 * half the dispersion and a final inventory near 0 with far less spread.
 */
describe("A-S 2008 simulation study re-run", () => {
  const [inventory, symmetric] = simulateAs2008(0.1, 1000, 2008);

  it("inventory strategy: mean and std profit near the paper's (within Monte Carlo and model-detail error)", () => {
    const paper = PAPER_TABLE[0];
    // mean within 4 units (≈ 15 standard errors of 0.2: the paper's exact fill model is not published)
    expect(Math.abs(inventory.meanProfit - paper.meanProfit)).toBeLessThan(4);
    expect(inventory.stdProfit).toBeGreaterThan(4.5);
    expect(inventory.stdProfit).toBeLessThan(8);
    expect(Math.abs(inventory.meanFinalQ)).toBeLessThan(0.5);
    expect(inventory.stdFinalQ).toBeLessThan(4);
  });

  it("symmetric strategy: higher mean profit, more than twice the dispersion", () => {
    const paper = PAPER_TABLE[1];
    expect(Math.abs(symmetric.meanProfit - paper.meanProfit)).toBeLessThan(3);
    expect(symmetric.stdProfit).toBeGreaterThan(11);
    expect(symmetric.stdProfit).toBeLessThan(15.5);
    expect(symmetric.meanProfit).toBeGreaterThan(inventory.meanProfit);
    expect(symmetric.stdProfit).toBeGreaterThan(2 * inventory.stdProfit);
    expect(symmetric.stdFinalQ).toBeGreaterThan(2 * inventory.stdFinalQ);
  });
});

/** The HTML report's charts label their axes in plain decimals, however small or large the figures. */
import { svgChart } from "../../../lib/backtest";

const labels = (svg: string) => [...svg.matchAll(/text-anchor="end">([^<]*)</g)].map((m) => m[1]);

describe("backtest report charts", () => {
  it("labels a micro-priced coin's axis without exponent notation", () => {
    const svg = svgChart("mid", [{ label: "mid", color: "#000", points: [[0, 1.0e-8], [1000, 1.01e-8]] }]);
    expect(labels(svg)).toEqual(["0.00000001", "0.000000010025", "0.00000001005", "0.000000010075", "0.0000000101"]);
    expect(svg).not.toMatch(/\de[-+]\d/);
  });

  it("labels large figures in full, to 6 significant digits", () => {
    const svg = svgChart("equity", [{ label: "equity", color: "#000", points: [[0, 12_345_678], [1000, 22_345_678]] }]);
    expect(labels(svg)[0]).toBe("12345700");
    expect(svg).not.toMatch(/\de[-+]\d/);
  });
});

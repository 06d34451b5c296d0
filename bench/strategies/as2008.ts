/**
 * The simulation study of Avellaneda & Stoikov (2008), §4, driven through mmesh's A-S formulas
 * (lib/strategies/avellaneda-stoikov.ts reservationAndSpread): s0 = 100, σ = 2, T = 1, dt = 0.005,
 * A = 140, k = 1.5, q0 = 0, one unit per fill. Each step the mid moves ±σ√dt with probability ½;
 * the ask fills with probability A·e^(−k·(ask − s))·dt, the bid likewise. Profit = cash + q·s_T.
 * The symmetric strategy quotes s ± spread/2 with the paper's table spread, (2/γ)·ln(1 + γ/k).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/strategies/as2008.js [paths] [seed]
 */
import { reservationAndSpread } from "../../lib/strategies/avellaneda-stoikov";

export interface As2008Row {
  strategy: "inventory" | "symmetric";
  gamma: number;
  spread: number;
  meanProfit: number;
  /** Monte Carlo standard error of the mean profit. */
  profitError: number;
  stdProfit: number;
  meanFinalQ: number;
  stdFinalQ: number;
}

/** The paper's table (γ 0.01, 0.1, 0.5): profit mean / std, final q mean / std. */
export const PAPER_TABLE: Array<Omit<As2008Row, "profitError">> = [
  { strategy: "inventory", gamma: 0.1, spread: 1.29, meanProfit: 62.94, stdProfit: 5.89, meanFinalQ: 0.1, stdFinalQ: 2.8 },
  { strategy: "symmetric", gamma: 0.1, spread: 1.29, meanProfit: 67.21, stdProfit: 13.43, meanFinalQ: -0.018, stdFinalQ: 8.66 },
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const meanStd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
  return { m, sd };
};

export function simulateAs2008(gamma: number, paths: number, seed: number): As2008Row[] {
  const s0 = 100, sigma = 2, T = 1, dt = 0.005, A = 140, k = 1.5;
  const steps = Math.round(T / dt);
  const symmetricSpread = (2 / gamma) * Math.log(1 + gamma / k);
  const rows: As2008Row[] = [];
  for (const strategy of ["inventory", "symmetric"] as const) {
    const rand = mulberry32(seed);
    const profits: number[] = [];
    const finalQ: number[] = [];
    let spreadSum = 0;
    for (let p = 0; p < paths; p++) {
      let s = s0, q = 0, cash = 0;
      for (let i = 0; i < steps; i++) {
        const timeLeft = T - i * dt;
        let bid: number, ask: number;
        if (strategy === "inventory") {
          const { reservationPrice, optimalSpread } = reservationAndSpread({ mid: s, q, gamma, sigma, kappa: k, timeLeft });
          bid = reservationPrice - optimalSpread / 2;
          ask = reservationPrice + optimalSpread / 2;
          spreadSum += optimalSpread;
        } else {
          bid = s - symmetricSpread / 2;
          ask = s + symmetricSpread / 2;
          spreadSum += symmetricSpread;
        }
        const askHit = rand() < A * Math.exp(-k * (ask - s)) * dt;
        const bidHit = rand() < A * Math.exp(-k * (s - bid)) * dt;
        if (askHit) { q -= 1; cash += ask; }
        if (bidHit) { q += 1; cash -= bid; }
        s += rand() < 0.5 ? sigma * Math.sqrt(dt) : -sigma * Math.sqrt(dt);
      }
      profits.push(cash + q * s);
      finalQ.push(q);
    }
    const pr = meanStd(profits);
    const fq = meanStd(finalQ);
    rows.push({ strategy, gamma, spread: spreadSum / (paths * steps), meanProfit: pr.m, profitError: pr.sd / Math.sqrt(paths), stdProfit: pr.sd, meanFinalQ: fq.m, stdFinalQ: fq.sd });
  }
  return rows;
}

if (require.main === module) {
  const paths = Number(process.argv[2] ?? 1000);
  const seed = Number(process.argv[3] ?? 2008);
  const f = (x: number) => x.toFixed(2);
  console.log(`| γ | strategy | spread | profit (mmesh ± s.e.) | std profit | final q | std q | paper profit / std |`);
  console.log(`|---|---|---|---|---|---|---|---|`);
  for (const r of simulateAs2008(0.1, paths, seed)) {
    const paper = PAPER_TABLE.find((x) => x.strategy === r.strategy && x.gamma === r.gamma);
    console.log(`| ${r.gamma} | ${r.strategy} | ${f(r.spread)} | ${f(r.meanProfit)} ± ${f(r.profitError)} | ${f(r.stdProfit)} | ${f(r.meanFinalQ)} | ${f(r.stdFinalQ)} | ${paper ? `${paper.meanProfit} / ${paper.stdProfit}` : "n/a"} |`);
  }
}

/**
 * Backtest replay speed: the shipped sample (or a given file) through runBacktest with the CLI's
 * default Avellaneda-Stoikov params, N times; prints events/s, fills and runtime per run and the
 * median. Everything runs in one process: strategy, rounding, order plan, risk, paper matching.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/backtest/replay.js [runs=5] [data=samples/btc-usdt-1h.jsonl] [strategy]
 */
import { runBacktest } from '../../lib/backtest';
import { loadReplayFile } from '../../lib/paper';
import type { StrategyName } from '../../lib/config/kinds';
import { DEFAULT_PARAMS, SAMPLE_DATA } from '../../bin/backtest';

async function main(): Promise<void> {
  const runs = Number(process.argv[2] ?? 5);
  const file = process.argv[3] ?? SAMPLE_DATA;
  const strategy = (process.argv[4] ?? 'avellaneda_stoikov') as StrategyName;
  const params = DEFAULT_PARAMS[strategy];
  if (!params) throw new Error(`no default params for ${strategy}`);
  const parseStart = performance.now();
  const events = loadReplayFile(file);
  console.log(`${file}: ${events.length} events parsed in ${(performance.now() - parseStart).toFixed(0)} ms; ${strategy}, ${runs} runs`);
  const rates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await runBacktest({ strategy, params, data: events });
    rates.push(r.eventsPerSecond);
    console.log(
      `run ${i + 1}: ${String(r.eventsPerSecond).padStart(8)} events/s  runtime ${r.runtimeMs.toFixed(0).padStart(5)} ms  fills ${r.final.fills}  orders ${r.orders.placed}  requotes ${r.orders.requotes}  PnL ${Number(r.final.total).toFixed(4)}`,
    );
  }
  const sorted = [...rates].sort((a, b) => a - b);
  console.log(`median ${sorted[Math.floor(sorted.length / 2)]} events/s, best ${sorted[sorted.length - 1]} events/s`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});

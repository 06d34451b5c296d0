/**
 * Converts exchange data files to a replay JSONL file for the backtester (formats and column
 * mapping: lib/backtest/import-formats.ts), merging the inputs by time:
 *
 *   node dist/bin/backtest-import.js --symbol BTC/USDT --out btc.jsonl [--levels 10] \
 *     tardis-book:binance_incremental_book_L2_2024-01-01_BTCUSDT.csv.gz \
 *     tardis-trades:binance_trades_2024-01-01_BTCUSDT.csv.gz
 */
import { existsSync } from "node:fs";
import { BacktestError } from "../lib/backtest/run";
import { IMPORT_FORMATS, importSource, writeReplay, type ImportFormat } from "../lib/backtest/import-formats";

const USAGE = `usage: node dist/bin/backtest-import.js --symbol BASE/QUOTE --out file.jsonl [--levels N] format:file …
       formats: ${IMPORT_FORMATS.join(", ")}`;

export async function main(argv: string[]): Promise<number> {
  let symbol: string | undefined;
  let out: string | undefined;
  let levels = 10;
  const inputs: Array<{ format: ImportFormat; path: string }> = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--symbol") symbol = argv[++i];
    else if (arg === "--out") out = argv[++i];
    else if (arg === "--levels") {
      levels = Number(argv[++i]);
      if (!Number.isInteger(levels) || levels < 1) throw new BacktestError(`--levels must be a positive integer`);
    } else {
      const m = /^([a-z-]+):(.+)$/.exec(arg);
      if (!m || !IMPORT_FORMATS.includes(m[1] as ImportFormat)) throw new BacktestError(`unknown argument "${arg}"\n${USAGE}`);
      if (!existsSync(m[2])) throw new BacktestError(`input not found: ${m[2]}`);
      inputs.push({ format: m[1] as ImportFormat, path: m[2] });
    }
  }
  if (!symbol || !out || inputs.length === 0) throw new BacktestError(USAGE);
  const sources = inputs.map((input) => importSource(input.format, input.path, symbol as string, levels));
  const n = await writeReplay(out, sources, `imported ${symbol} from ${inputs.map((i) => `${i.format}:${i.path}`).join(" ")}`);
  console.log(`wrote ${out}: ${n} events`);
  return n;
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: Error) => {
    console.error(err instanceof BacktestError ? `backtest-import: ${err.message}` : err.stack ?? String(err));
    process.exit(2);
  });
}

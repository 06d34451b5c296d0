/**
 * Records a market to a replay file for the backtester (lib/backtest/record.ts):
 *
 *   npm run record -- --market '{"venue":"binance","kind":"cex","symbol":"BTC/USDT"}' --seconds 3600 --out btc.jsonl.gz
 *   npm run record -- --market market.json --minutes 60 --seed 42 --out paper.jsonl
 *
 * `--market` is a `markets` config document (JSON, or a file holding it). venue "paper" records
 * the paper venue's simulated market in simulated time (--minutes, --seed, --book-ms); any other
 * venue is a ccxt.pro exchange id, recorded live (public streams, no keys) for --seconds.
 * A `.gz` output is gzip-compressed. Prints the counts.
 */
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import * as ccxt from "ccxt";
import { validateDocument } from "../lib/config/validate";
import { BacktestError } from "../lib/backtest/run";
import { recordLive, recordPaper, type LiveClient } from "../lib/backtest/record";
import { DEFAULT_PAPER_MARKETS } from "../lib/paper";

const USAGE = `usage: npm run record -- --market <markets document JSON | file> --out file.jsonl[.gz]
       [--seconds N (live)] [--minutes N --seed N --book-ms N (paper)] [--levels N]`;

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

function positive(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new BacktestError(`--${name} must be a positive number, got "${text}"`);
  return n;
}

export async function main(argv: string[]): Promise<{ books: number; trades: number }> {
  const known = ["market", "out", "seconds", "minutes", "seed", "book-ms", "levels"];
  for (let i = 0; i < argv.length; i += 2) if (!known.includes(argv[i].replace(/^--/, "")) || !argv[i].startsWith("--")) throw new BacktestError(`unknown argument "${argv[i]}"\n${USAGE}`);
  const marketText = flag(argv, "market");
  const out = flag(argv, "out");
  if (!marketText || !out) throw new BacktestError(USAGE);
  let doc: unknown;
  try {
    doc = JSON.parse(existsSync(marketText) ? readFileSync(marketText, "utf8") : marketText);
  } catch (err) {
    throw new BacktestError(`--market is neither a JSON document nor a file holding one: ${(err as Error).message}`);
  }
  const res = validateDocument("markets", doc);
  if (!res.ok) throw new BacktestError(`invalid market document: ${res.errors.map((e) => e.message).join(" ")}`);
  const market = res.value as { venue: string; kind: string; symbol: string; sandbox?: boolean; marketType?: string };
  if (market.kind !== "cex") throw new BacktestError(`recording takes a cex market, got kind "${market.kind}"`);
  const levels = positive(flag(argv, "levels"), "levels", 10);

  const file = createWriteStream(out);
  const sink = /\.gz$/i.test(out) ? createGzip() : null;
  if (sink) sink.pipe(file);
  const stream = sink ?? file;
  const write = (line: string): void => {
    stream.write(`${line}\n`);
  };
  let counts;
  if (market.venue === "paper") {
    const def = DEFAULT_PAPER_MARKETS.find((m) => m.symbol === market.symbol);
    if (!def?.simulation) throw new BacktestError(`the paper venue simulates ${DEFAULT_PAPER_MARKETS.map((m) => m.symbol).join(", ")}; not ${market.symbol}`);
    counts = recordPaper(def, { minutes: positive(flag(argv, "minutes"), "minutes", 60), seed: positive(flag(argv, "seed"), "seed", 1), startTime: Date.UTC(2026, 0, 1), bookEveryMs: positive(flag(argv, "book-ms"), "book-ms", 1000), levels }, write);
  } else {
    const Pro = (ccxt.pro as unknown as Record<string, new (config: Record<string, unknown>) => LiveClient & { setSandboxMode(on: boolean): void }>)[market.venue];
    if (!Pro) throw new BacktestError(`ccxt.pro has no exchange "${market.venue}"`);
    const client = new Pro({ options: market.marketType ? { defaultType: market.marketType } : {} });
    if (market.sandbox) client.setSandboxMode(true);
    const seconds = positive(flag(argv, "seconds"), "seconds", 60);
    const stop = new Promise((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      process.once("SIGINT", () => {
        clearTimeout(timer);
        resolve(undefined);
      });
    });
    counts = await recordLive(client, market.symbol, write, stop, levels);
  }
  stream.end();
  await once(file, "finish");
  console.log(`wrote ${out}: ${counts.books} books, ${counts.trades} trades`);
  return counts;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: Error) => {
      console.error(err instanceof BacktestError ? `record: ${err.message}` : err.stack ?? String(err));
      process.exit(2);
    },
  );
}

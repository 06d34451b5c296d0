/**
 * Records the backtest sample (samples/btc-usdt-1h.jsonl) from the paper venue's own
 * simulated BTC/USDT market: a seeded PaperVenue runs one simulated hour; every second the top
 * levels of its book are written as a `book` event, and every public trade as a `trade` event
 * (lib/paper/replay.ts format). Same seed, same file.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/backtest/record-sample.js [out] [minutes] [seed]
 */
import { writeFileSync } from 'node:fs';
import { DEFAULT_PAPER_MARKETS, PaperVenue, type DecimalPublicTrade, type PaperMarketDefinition } from '../../lib/paper';

const OUT = process.argv[2] ?? 'samples/btc-usdt-1h.jsonl';
const MINUTES = Number(process.argv[3] ?? 60);
const SEED = Number(process.argv[4] ?? 42);
const START = Date.UTC(2026, 0, 1);
const BOOK_EVERY_MS = 1000;
const LEVELS = 3;

const btc = DEFAULT_PAPER_MARKETS.find((m) => m.symbol === 'BTC/USDT') as PaperMarketDefinition;
const market: PaperMarketDefinition = {
  ...btc,
  // takers at 1/s keep the file small and still print often enough to fit κ and fill quotes
  simulation: { ...btc.simulation!, takers: { ratePerSecond: 1, meanSize: '0.01' } },
};

const venue = new PaperVenue({ markets: [market], seed: SEED, startTime: START });
const lines: string[] = [
  `# mmesh backtest sample: BTC/USDT, ${MINUTES} simulated minutes from ${new Date(START).toISOString()}.`,
  `# Made by bench/backtest/record-sample.ts from the paper venue's simulated market (seed ${SEED}, initial price ${btc.simulation!.initialPrice},`,
  `# volatility ${btc.simulation!.volatility}, liquidity ${JSON.stringify(btc.simulation!.liquidity)}, takers ${JSON.stringify(market.simulation!.takers)}):`,
  `# a top-${LEVELS} book snapshot every ${BOOK_EVERY_MS} ms and every public trade. Synthetic data, not a real exchange recording.`,
];
venue.on('trade', (t: DecimalPublicTrade) => {
  lines.push(JSON.stringify({ ts: t.timestamp, type: 'trade', symbol: t.symbol, side: t.side, price: t.price, amount: t.amount }));
});
const end = START + MINUTES * 60_000;
for (let ts = START; ts <= end; ts += BOOK_EVERY_MS) {
  venue.advanceTo(ts);
  const book = venue.orderBook(market.symbol, LEVELS);
  lines.push(JSON.stringify({ ts, type: 'book', symbol: market.symbol, bids: book.bids, asks: book.asks }));
}
writeFileSync(OUT, lines.join('\n') + '\n');
const events = lines.filter((l) => !l.startsWith('#')).length;
console.log(`wrote ${OUT}: ${events} events (${lines.filter((l) => l.includes('"trade"')).length} trades)`);

/**
 * Paper exchange matching benchmark: a seeded mix of limit placements (some crossing), cancels
 * and market orders through the ccxt-compatible facade, as the cex service would call it; then
 * how fast the background simulation runs.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/paper-exchange/matching.js [maxOps] [maxSeconds]
 *
 * Bounded by count and by time (defaults: 200 000 operations or 20 s).
 */
import { PaperExchange, PaperVenue } from '../../lib/paper';
import { Prng } from '../../lib/paper/prng';

const MAX_OPS = Number(process.argv[2] ?? 200_000);
const MAX_SECONDS = Number(process.argv[3] ?? 20);
const ACCOUNTS = 8;
const MID_TICKS = 3_000_000; // 30 000.00 at a 0.01 tick

type OpKind = 'place' | 'cancel' | 'market';

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(samples: number[]): string {
  const sorted = Float64Array.from(samples).sort();
  const us = (ns: number): string => (ns / 1000).toFixed(1).padStart(8);
  return `n=${String(samples.length).padStart(7)}  p50=${us(percentile(sorted, 50))} µs  p99=${us(percentile(sorted, 99))} µs  max=${us(sorted[sorted.length - 1])} µs`;
}

async function matchingMix(): Promise<void> {
  const accounts: Record<string, Record<string, string>> = {};
  for (let i = 0; i < ACCOUNTS; i++) accounts[`acct${i}`] = { USDT: '1000000000', BTC: '1000000' };
  const venue = new PaperVenue({
    markets: [
      { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', tickSize: '0.01', lotSize: '0.0001', minAmount: '0.0001', minNotional: '1', makerFee: '0.001', takerFee: '0.002' },
    ],
    startTime: 1_700_000_000_000,
    accounts,
  });
  const exchanges: PaperExchange[] = Object.keys(accounts).map((id) => venue.connect(id));
  const open: string[][] = exchanges.map(() => []);
  const rng = new Prng(2024);
  const latencies: Record<OpKind, number[]> = { place: [], cancel: [], market: [] };
  let fills = 0;
  let cancelMisses = 0;
  let rejected = 0;

  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(MAX_SECONDS * 1e9));
  let ops = 0;
  for (; ops < MAX_OPS; ops++) {
    if ((ops & 1023) === 0 && process.hrtime.bigint() > deadline) break;
    const who = rng.int(ACCOUNTS);
    const exchange = exchanges[who];
    const roll = rng.next();
    const kind: OpKind = roll < 0.55 ? 'place' : roll < 0.85 && open[who].length > 0 ? 'cancel' : roll < 0.85 ? 'place' : 'market';
    const side = rng.next() < 0.5 ? 'buy' : 'sell';
    const amount = ((1 + rng.int(200)) / 10_000).toFixed(4);
    const t0 = process.hrtime.bigint();
    try {
      if (kind === 'place') {
        // mostly passive, 10 % priced through the touch so they match on arrival
        const offset = rng.next() < 0.1 ? -rng.int(20) : 1 + rng.int(200);
        const ticks = side === 'buy' ? MID_TICKS - offset : MID_TICKS + offset;
        const order = await exchange.createOrder('BTC/USDT', 'limit', side, amount, (ticks / 100).toFixed(2));
        fills += order.trades.length;
        if (order.status === 'open') open[who].push(order.id!);
      } else if (kind === 'cancel') {
        const index = rng.int(open[who].length);
        const id = open[who][index];
        open[who][index] = open[who][open[who].length - 1];
        open[who].pop();
        try {
          await exchange.cancelOrder(id, 'BTC/USDT');
        } catch {
          cancelMisses += 1; // filled meanwhile by someone else
        }
      } else {
        const order = await exchange.createOrder('BTC/USDT', 'market', side, amount);
        fills += order.trades.length;
      }
    } catch {
      rejected += 1; // e.g. a market order meeting an empty side
    }
    latencies[kind].push(Number(process.hrtime.bigint() - t0));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const book = venue.orderBook('BTC/USDT');
  console.log(`paper exchange matching mix (facade, async, ${ACCOUNTS} accounts, 1 market)`);
  console.log(`  operations: ${ops} in ${seconds.toFixed(2)} s = ${Math.round(ops / seconds).toLocaleString('en-US')} ops/s sustained`);
  console.log(`  fills: ${fills}, cancels of already-filled orders: ${cancelMisses}, rejected: ${rejected}`);
  console.log(`  book at the end: ${book.bids.length} bid levels, ${book.asks.length} ask levels`);
  console.log(`  all     ${summary([...latencies.place, ...latencies.cancel, ...latencies.market])}`);
  for (const kind of ['place', 'cancel', 'market'] as OpKind[]) console.log(`  ${kind.padEnd(7)} ${summary(latencies[kind])}`);
}

function simulationSpeed(): void {
  const venue = new PaperVenue({
    seed: 9,
    startTime: 1_700_000_000_000,
    markets: [
      {
        symbol: 'BTC/USDT',
        base: 'BTC',
        quote: 'USDT',
        tickSize: '0.01',
        lotSize: '0.0001',
        minNotional: '5',
        makerFee: '0.001',
        takerFee: '0.002',
        simulation: { initialPrice: '30000', volatility: 0.6, takers: { ratePerSecond: 2 } },
      },
    ],
  });
  let trades = 0;
  venue.on('trade', () => (trades += 1));
  const simulatedMs = 3_600_000;
  const started = process.hrtime.bigint();
  venue.step(simulatedMs);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log('paper exchange background simulation (1 market, 5 levels/side, price every 1 s, 2 takers/s)');
  console.log(`  1 simulated hour in ${seconds.toFixed(2)} s (${Math.round(simulatedMs / 1000 / seconds).toLocaleString('en-US')}× real time), ${trades} public trades, fair price ${venue.fairPrice('BTC/USDT')}`);
}

matchingMix()
  .then(simulationSpeed)
  .catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });

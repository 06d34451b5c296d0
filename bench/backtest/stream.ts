/**
 * Streaming backtest speed against the JSON-parse floor of the same file, in one process:
 *
 * 1. makes (or takes) a replay file of ≥ N events: the shipped sample repeated end to end with
 *    shifted timestamps (default 1 000 000 events, written to the OS temp dir; `.gz` too with --gz);
 * 2. floor: the file streamed and every line JSON.parse'd, nothing else (lines/s);
 * 3. the streaming backtest (lib/backtest/stream-run.ts) on it (the sample's fees), one queue model, then two;
 * 4. the floor again, after the backtests: the ratio is taken to the faster of the two floors
 *    (on a shared machine a floor measured in a busy moment would flatter the ratio);
 * 5. prints events/s, the floor, the ratio, and the process's peak RSS.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/backtest/stream.js [events=1000000] [file] [--gz] [--strategy=pure_market_making]
 *
 * Rates are given per wall second and per CPU second of this process (on a shared, loaded
 * machine the wall figures drop; the CPU ratio is the steadier comparison). The scan floor is
 * the same stream through the allocation-free scanner the backtest reads JSONL with.
 */
import { createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { newStreamEvent, readLineBatches } from '../../lib/backtest/event-stream';
import { scanReplayLine } from '../../lib/backtest/jsonl-scanner';
import { runStreamBacktest } from '../../lib/backtest/stream-run';
import { DEFAULT_PARAMS, SAMPLE_DATA, SAMPLE_FEES } from '../../bin/backtest';
import type { StrategyName } from '../../lib/config/kinds';

/** The sample's event lines repeated with shifted ts until `events` lines. */
function* repeatedSample(events: number): Generator<string> {
  const lines = readFileSync(resolve(__dirname, '../../..', SAMPLE_DATA), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
  const first = JSON.parse(lines[0]).ts as number;
  const last = JSON.parse(lines[lines.length - 1]).ts as number;
  const period = last - first + 1000;
  let written = 0;
  for (let rep = 0; written < events; rep++) {
    const shift = rep * period;
    let out = '';
    for (const line of lines) {
      if (written >= events) break;
      const ts = Number(line.slice(6, line.indexOf(',')));
      out += `{"ts":${ts + shift}${line.slice(line.indexOf(','))}\n`;
      written++;
    }
    yield out;
  }
}

async function makeFile(events: number, gz: boolean): Promise<string> {
  const path = join(tmpdir(), `mmesh-backtest-${events}.jsonl${gz ? '.gz' : ''}`);
  if (existsSync(path)) return path;
  const source = Readable.from(repeatedSample(events));
  if (gz) await pipeline(source, createGzip(), createWriteStream(path));
  else await pipeline(source, createWriteStream(path));
  return path;
}

const cpuMs = (): number => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

/** Stream + JSON.parse of every line; wall and CPU time (the machine may be shared). */
async function parseFloor(path: string): Promise<{ lines: number; ms: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = cpuMs();
  let lines = 0;
  let sink = 0;
  for await (const batch of readLineBatches(path)) {
    for (const line of batch) {
      if (line.length === 0 || line.charCodeAt(0) === 35) continue;
      const r = JSON.parse(line) as { ts: number };
      sink += r.ts & 1;
      lines++;
    }
  }
  if (sink < 0) console.log(sink);
  return { lines, ms: performance.now() - t0, cpu: cpuMs() - c0 };
}

/** Stream + the scanner of lib/backtest/jsonl-scanner.ts (what the backtest reads with). */
async function scanFloor(path: string): Promise<{ lines: number; ms: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = cpuMs();
  let lines = 0;
  let sink = 0;
  const e = newStreamEvent();
  for await (const batch of readLineBatches(path)) {
    for (const line of batch) {
      if (line.length === 0 || line.charCodeAt(0) === 35) continue;
      if (!scanReplayLine(line, e)) JSON.parse(line);
      sink += e.ts & 1;
      lines++;
    }
  }
  if (sink < 0) console.log(sink);
  return { lines, ms: performance.now() - t0, cpu: cpuMs() - c0 };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const gz = args.includes('--gz');
  const positional = args.filter((a) => !a.startsWith('--'));
  const events = Number(positional[0] ?? 1_000_000);
  const file = positional[1] ?? (await makeFile(events, gz));
  console.log(`${file}: ${(statSync(file).size / 1e6).toFixed(0)} MB`);
  const floor = await parseFloor(file);
  let floorRate = floor.lines / (floor.ms / 1000);
  let floorCpuRate = floor.lines / (floor.cpu / 1000);
  const printFloor = (f: typeof floor, when: string): void =>
    console.log(`parse floor  ${Math.round(f.lines / (f.ms / 1000)).toString().padStart(9)} lines/s wall, ${Math.round(f.lines / (f.cpu / 1000)).toString().padStart(9)} lines/CPU-s  (${f.lines} lines, ${f.ms.toFixed(0)} ms, CPU ${f.cpu.toFixed(0)} ms: stream + JSON.parse only${when})`);
  printFloor(floor, "");
  const scan = await scanFloor(file);
  console.log(`scan floor   ${Math.round(scan.lines / (scan.ms / 1000)).toString().padStart(9)} lines/s wall, ${Math.round(scan.lines / (scan.cpu / 1000)).toString().padStart(9)} lines/CPU-s  (stream + the backtest's JSONL scanner only)`);
  const strategy = (args.find((a) => a.startsWith('--strategy='))?.slice(11) ?? 'avellaneda_stoikov') as StrategyName;
  const params = DEFAULT_PARAMS[strategy] as Record<string, unknown>;
  const runs: Array<{ queueModels: string[]; events: number; wallRate: number; cpuRate: number }> = [];
  for (const queueModels of [['risk_averse'], ['risk_averse', 'power:2']]) {
    const c0 = cpuMs();
    const r = await runStreamBacktest({ strategy, params, data: file, fees: SAMPLE_FEES, queueModels, latency: { entry: '20', cancel: '20', feed: '5' } });
    const cpu = cpuMs() - c0;
    const cpuRate = r.period.events / (cpu / 1000);
    runs.push({ queueModels, events: r.period.events, wallRate: r.eventsPerSecond, cpuRate });
    console.log(
      `backtest     ${String(r.eventsPerSecond).padStart(9)} events/s wall, ${Math.round(cpuRate).toString().padStart(9)} events/CPU-s  (${r.period.events} events, ${r.runtimeMs.toFixed(0)} ms, CPU ${cpu.toFixed(0)} ms; ${strategy}, queue ${queueModels.join('+')}, latency entry 20 / cancel 20 / feed 5 ms)`,
    );
    for (const s of r.results) console.log(`  ${s.queueModel.padEnd(12)} PnL ${Number(s.final.total).toFixed(2)} ${r.market.quote}  fills ${s.final.fills}  placed ${s.orders.placed}  requotes ${s.orders.requotes}`);
  }
  const again = await parseFloor(file);
  printFloor(again, ', again after the backtests');
  floorRate = Math.max(floorRate, again.lines / (again.ms / 1000));
  floorCpuRate = Math.max(floorCpuRate, again.lines / (again.cpu / 1000));
  for (const r of runs) {
    console.log(`ratio to the faster JSON-parse floor, queue ${r.queueModels.join('+')}: ${(r.wallRate / floorRate).toFixed(2)} wall, ${(r.cpuRate / floorCpuRate).toFixed(2)} CPU`);
  }
  const rss = process.resourceUsage().maxRSS / 1024;
  console.log(`peak RSS     ${rss.toFixed(0)} MB (whole process: file generation, floor and backtests)`);
}

main().catch((err: Error) => {
  console.error(err.stack ?? err.message);
  process.exit(1);
});

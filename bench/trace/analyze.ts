/**
 * Where tick→order time goes, per requote, from the timelines bench/trace/preload.ts wrote
 * (<tmpdir>/mmesh-trace; clear it before the run). For each `mm.quote.placed` the market-maker
 * node published, it walks the steps in order: the tick's arrival at the market-maker node,
 * the request to cex, its arrival and handling there, the venue's ack (`venueAckAt`), the
 * answer's way back and the bot's ack (`orderAckAt`), and prints the median of each step.
 *   node dist/bench/trace/analyze.js [--skip=20]
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

type Stamp = [step: string, at: number, detail?: Record<string, number>];

const dir = path.join(os.tmpdir(), "mmesh-trace");
const skip = Number(process.argv.find((a) => a.startsWith("--skip="))?.slice(7) ?? 20);

function timeline(match: (services: string) => boolean): Stamp[] {
  const file = fs.readdirSync(dir).find((f) => match(f.replace(/^\d+-|\.json$/g, "")));
  if (!file) throw new Error(`no timeline in ${dir} for that node; run a bench with the preload first`);
  console.log(`  ${file}`);
  return JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as Stamp[];
}

function main(): void {
  console.log(`timelines in ${dir}:`);
  const mm = timeline((s) => s.split(",").includes("market-maker") && !s.split(",").includes("cex"));
  const cex = timeline((s) => s.split(",").includes("cex") && !s.split(",").includes("market-maker"));
  const node = { mm, cex };
  const firstAt = (stamps: Stamp[], step: string, from: number) => stamps.find(([s, at]) => s === step && at >= from)?.[1] ?? Number.NaN;
  // [node, step]; "venue ack" and "bot ack" come from the quote itself.
  const path_: Array<["mm" | "cex", string]> = [
    ["mm", "data"], ["mm", "nats parse"], ["mm", "moleculer message"], ["mm", "eventHandler"], ["mm", "publish REQ"],
    ["cex", "data"], ["cex", "nats parse"], ["cex", "moleculer message"], ["cex", "requestHandler"], ["cex", "venue ack"], ["cex", "publish RES"],
    ["mm", "data"], ["mm", "nats parse"], ["mm", "moleculer message"], ["mm", "responseHandler"], ["mm", "bot ack"],
  ];
  const steps: number[][] = path_.map(() => []);
  const quotes = mm.filter(([s]) => s === "quote").slice(skip);
  for (const [, , q] of quotes) {
    if (!q?.tickReceivedAt || !q.venueAckAt || !q.orderAckAt) continue;
    let t = q.tickReceivedAt;
    const row: number[] = [];
    for (const [n, step] of path_) {
      const at = step === "venue ack" ? q.venueAckAt : step === "bot ack" ? q.orderAckAt : firstAt(node[n], step, t);
      row.push(at - t);
      t = at;
    }
    if (row.every((d) => Number.isFinite(d) && d >= 0)) row.forEach((d, i) => steps[i].push(d));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`${steps[0].length} requotes (first ${skip} skipped); median ms of each step, from the previous one:`);
  console.log(`  tick sent by the feed`);
  path_.forEach(([n, step], i) => console.log(`  → ${`${n}: ${step}`.padEnd(26)} ${median(steps[i]).toFixed(3)}`));
  console.log(`  sum of medians ${steps.reduce((sum, xs) => sum + median(xs), 0).toFixed(3)} ms`);
}

main();

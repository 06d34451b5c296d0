/** Replay files for the backtest service's tests, made from the shipped sample. */
import fs from "node:fs";
import path from "node:path";

export const SAMPLE_FILE = path.resolve(__dirname, "../../samples/btc-usdt-1h.jsonl");

const eventLines = (): string[] => fs.readFileSync(SAMPLE_FILE, "utf8").split("\n").filter((l) => l.startsWith('{"ts":'));

/** The sample's first `lines` lines (its header comments count) as `file`. */
export function writeSampleHead(file: string, lines: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, fs.readFileSync(SAMPLE_FILE, "utf8").split("\n").slice(0, lines).join("\n") + "\n");
}

/** The sample's events `times` over, end to end, each copy's timestamps shifted past the last: a long run. */
export function writeRepeatedSample(file: string, times: number): void {
  const lines = eventLines();
  const tsOf = (line: string) => Number(line.slice(6, line.indexOf(",")));
  const period = tsOf(lines[lines.length - 1]) - tsOf(lines[0]) + 1000;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const fd = fs.openSync(file, "w");
  try {
    for (let rep = 0; rep < times; rep++) {
      fs.writeSync(fd, lines.map((l) => `{"ts":${tsOf(l) + rep * period}${l.slice(l.indexOf(","))}`).join("\n") + "\n");
    }
  } finally {
    fs.closeSync(fd);
  }
}

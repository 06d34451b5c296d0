/**
 * What the fault drill's rows share (faults.ts and the rows it runs: venue-node.ts, clock-skew.ts,
 * rate-limit-storm.ts, dead-man.ts): the row the results table prints, the shared servers' URLs,
 * polling, percentiles, and the entry a row file runs alone with.
 */
export const AMQP_URL = "amqp://guest:guest@127.0.0.1:5672";
export const ADMIN_DB = "postgres://postgres@127.0.0.1:5432/postgres";
export const SYMBOL = "BTC/USDT";

/** One row of the fault table (bench/faults-results.md). */
export interface DrillRow {
  fault: string;
  outage: string;
  fills: string;
  lostVenueToDb: number | string;
  lostDbToBus: number;
  lostBotBook: number;
  duplicateBusDeliveries: number;
  duplicates: number;
  orphans: number;
  reconcile: string;
  alert: string;
  quotingDuring: string;
  recoverMs: number | string;
  notes: string;
}

export const emptyRow = (fault: string): DrillRow => ({
  fault, outage: "-", fills: "-", lostVenueToDb: "-", lostDbToBus: 0, lostBotBook: 0, duplicateBusDeliveries: 0, duplicates: 0, orphans: 0,
  reconcile: "-", alert: "-", quotingDuring: "-", recoverMs: "-", notes: "",
});

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it gives a truthy value (a throw counts as not yet); fails naming `what` after `timeoutMs`. */
export async function until<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check().catch(() => null);
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** A row file's `require.main === module` entry: runs the row, prints it as JSON, exits 0 (or 1 with the stack). */
export function runRowAlone(name: string, row: (log: (m: string) => void) => Promise<DrillRow>): void {
  row((m) => process.stdout.write(`[${name}] ${m}\n`)).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
      process.exit(1);
    },
  );
}

/**
 * A progress bar with ETA for long runs, written to stderr (a TTY redraws one line with \r;
 * elsewhere a line at most every 10 s). The ETA extrapolates the rate of the fraction done.
 */
export function renderProgress(fraction: number, events: number, elapsedMs: number, width = 30): string {
  const f = Math.min(1, Math.max(0, fraction));
  const filled = Math.round(f * width);
  const rate = elapsedMs > 0 ? events / (elapsedMs / 1000) : 0;
  const eta = f > 0 && f < 1 ? (elapsedMs / f) * (1 - f) : 0;
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${(f * 100).toFixed(1).padStart(5)} %  ${events} events  ${Math.round(rate)} events/s  ETA ${clock(f >= 1 ? 0 : eta)}`;
}

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return `${h > 0 ? `${h}:` : ""}${String(m).padStart(h > 0 ? 2 : 1, "0")}:${String(sec).padStart(2, "0")}`;
}

export interface ProgressBar {
  update(fraction: number, events: number): void;
  done(): void;
}

export function progressBar(out: NodeJS.WriteStream = process.stderr, label = "backtest"): ProgressBar {
  const started = Date.now();
  const tty = Boolean(out.isTTY);
  let last = 0;
  let lastEvents = 0;
  return {
    update(fraction, events) {
      lastEvents = events;
      const now = Date.now();
      if (now - last < (tty ? 200 : 10_000) && fraction < 1) return;
      last = now;
      const line = `${label} ${renderProgress(fraction, events, now - started)}`;
      out.write(tty ? `\r${line}` : `${line}\n`);
    },
    done() {
      const line = `${label} ${renderProgress(1, lastEvents, Date.now() - started)}`;
      out.write(tty ? `\r${line}\n` : `${line}\n`);
    },
  };
}

/**
 * Queue position models for a resting order of ours in a replayed L2 market (pure functions,
 * numbers in base units). A model says how much volume is ahead of the order at its price:
 *
 * - when the order reaches the venue (`placed`, from the book's volume at its price then);
 * - when the book's volume at its price changes without a trade (`depth`: others cancelled or
 *   joined). Trades at the order's price always eat the queue ahead first and then the order
 *   (partial fills by traded volume) — that part is the venue's (lib/backtest/sim-venue.ts).
 *
 * Models, chosen by name:
 * - `none`        the order is at the front of its level: any print at its price fills it
 *                 (the old optimistic behaviour; an upper bound on fills).
 * - `risk_averse` behind the whole level when placed; only trades advance it; a shrinking
 *                 level caps the queue ahead at the level's size (hftbacktest RiskAdverseQueueModel).
 * - `power[:n]`   as risk_averse, and a decrease of the level not explained by trades is split
 *                 between ahead and behind the order with probability f(back)/(f(back)+f(front)),
 *                 f(x) = x^n (default n = 2; hftbacktest ProbQueueModel with PowerProbQueueFunc).
 * - `log`         the same with f(x) = ln(1 + x) (hftbacktest LogProbQueueFunc).
 */
export interface QueueModel {
  readonly name: string;
  /** Volume ahead of a new order given the book's volume at its price. */
  placed(levelQty: number): number;
  /** Volume ahead after the level changed from `prevQty` to `newQty` (both without our order). */
  depth(ahead: number, prevQty: number, newQty: number): number;
}

export class QueueModelError extends Error {
  override name = "QueueModelError";
}

const none: QueueModel = {
  name: "none",
  placed: () => 0,
  depth: (ahead) => ahead,
};

const riskAverse: QueueModel = {
  name: "risk_averse",
  placed: (levelQty) => levelQty,
  depth: (ahead, _prev, newQty) => Math.min(ahead, newQty),
};

/** hftbacktest's ProbQueueModel.depth with the given f. */
function probabilistic(name: string, f: (x: number) => number): QueueModel {
  return {
    name,
    placed: (levelQty) => levelQty,
    depth(ahead, prevQty, newQty) {
      const change = prevQty - newQty;
      // the level grew: newcomers queue behind us
      if (change <= 0) return Math.min(ahead, newQty);
      const front = ahead;
      const back = Math.max(0, prevQty - front);
      const fb = f(back);
      const ff = f(front);
      let prob = fb / (fb + ff);
      if (!Number.isFinite(prob)) prob = 1;
      // cancels behind us beyond what is behind spill over to the front
      const estimated = front - (1 - prob) * change + Math.min(back - prob * change, 0);
      return Math.max(0, Math.min(estimated, newQty));
    },
  };
}

export const QUEUE_MODEL_NAMES = ["none", "risk_averse", "power", "log"] as const;

/** `none`, `risk_averse`, `power`, `power:3`, `log`. */
export function queueModel(spec: string): QueueModel {
  const [name, arg] = spec.split(":");
  switch (name) {
    case "none":
    case "risk_averse":
      if (arg !== undefined) throw new QueueModelError(`queue model ${name} takes no parameter, got "${spec}"`);
      return name === "none" ? none : riskAverse;
    case "power": {
      const n = arg === undefined ? 2 : Number(arg);
      if (!(n > 0) || !Number.isFinite(n)) throw new QueueModelError(`queue model power:n needs a positive n, got "${spec}"`);
      return probabilistic(`power:${n}`, (x) => Math.pow(x, n));
    }
    case "log":
      if (arg !== undefined) throw new QueueModelError(`queue model log takes no parameter, got "${spec}"`);
      return probabilistic("log", (x) => Math.log1p(x));
    default:
      throw new QueueModelError(`unknown queue model "${spec}"; known: ${QUEUE_MODEL_NAMES.join(", ")} (power:n)`);
  }
}

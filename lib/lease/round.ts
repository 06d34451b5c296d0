/**
 * Renewal rounds: every LeaseKeeper on one store with the same owner, ttl and period
 * is renewed in one store call per period instead of one call per keeper. A node
 * running 100 bots sends one renewMany (one SQL statement / one Redis script) per
 * period for the leases it holds, and one acquireMany for those it is waiting for.
 *
 * Rounds start every `intervalMs` (measured from the previous round's start, not its end:
 * a slow round must not stretch the renewal period past what the TTL and the safety margin
 * allow). Keepers busy with their own first attempt (LeaseKeeper.start) sit the round out. Each keeper gets its own
 * outcome: its lease, null (not ours: lost / held by another), or the store's error.
 */
import { performance } from "node:perf_hooks";
import type { Lease, LeaseStore } from "./types";

/** What a round needs from a keeper. */
export interface RoundMember {
  readonly key: string;
  /** Running and not busy with an attempt of its own. */
  ready(): boolean;
  held(): boolean;
  /** This round's outcome for the member's key; `sentAt` is performance.now() when the request left. */
  settle(renewing: boolean, sentAt: number, outcome: Lease | null | Error): void;
  /** The round's work, which the member's stop() waits for. */
  track(work: Promise<void>): void;
}

export class LeaseRound {
  private readonly members = new Set<RoundMember>();
  private timer: NodeJS.Timeout | null = null;
  private running = false;

  constructor(
    private readonly store: LeaseStore,
    private readonly owner: string,
    private readonly ttlMs: number,
    private readonly intervalMs: number,
    private readonly onEmpty: () => void,
  ) {}

  get size(): number {
    return this.members.size;
  }

  join(member: RoundMember): void {
    this.members.add(member);
    if (!this.timer && !this.running) this.schedule();
  }

  leave(member: RoundMember): void {
    this.members.delete(member);
    if (this.members.size > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.onEmpty();
  }

  private schedule(delayMs = this.intervalMs): void {
    this.timer = setTimeout(() => void this.run(), delayMs);
  }

  private async run(): Promise<void> {
    this.timer = null;
    this.running = true;
    const startedAt = performance.now();
    const renewing: RoundMember[] = [];
    const acquiring: RoundMember[] = [];
    for (const m of this.members) if (m.ready()) (m.held() ? renewing : acquiring).push(m);
    const sentAt = performance.now();
    const work = Promise.all([this.send(renewing, true, sentAt), this.send(acquiring, false, sentAt)]).then(() => undefined);
    for (const m of [...renewing, ...acquiring]) m.track(work);
    await work;
    this.running = false;
    if (this.members.size > 0) this.schedule(Math.max(0, this.intervalMs - (performance.now() - startedAt)));
  }

  private async send(members: RoundMember[], renewing: boolean, sentAt: number): Promise<void> {
    if (members.length === 0) return;
    const keys = members.map((m) => m.key);
    let outcome: Map<string, Lease> | Error;
    try {
      outcome = renewing ? await this.store.renewMany(keys, this.owner, this.ttlMs) : await this.store.acquireMany(keys, this.owner, this.ttlMs);
    } catch (err) {
      outcome = err instanceof Error ? err : new Error(String(err));
    }
    for (const m of members) m.settle(renewing, sentAt, outcome instanceof Error ? outcome : (outcome.get(m.key) ?? null));
  }
}

const rounds = new WeakMap<LeaseStore, Map<string, LeaseRound>>();

/** The round of keepers on `store` with this owner, ttl and period (created on first use, dropped when empty). */
export function roundFor(store: LeaseStore, owner: string, ttlMs: number, intervalMs: number): LeaseRound {
  let byGroup = rounds.get(store);
  if (!byGroup) {
    byGroup = new Map();
    rounds.set(store, byGroup);
  }
  const group = JSON.stringify([owner, ttlMs, intervalMs]);
  let round = byGroup.get(group);
  if (!round) {
    const created = new LeaseRound(store, owner, ttlMs, intervalMs, () => {
      if (byGroup.get(group) === created) byGroup.delete(group);
    });
    byGroup.set(group, created);
    round = created;
  }
  return round;
}

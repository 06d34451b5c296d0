/**
 * A client's unsent live messages, bounded: a message with a key replaces the unsent one with
 * the same topic and key (only the latest quote/PnL/inventory of a bot is worth sending), one
 * without a key is kept. More than `max` unsent messages is an overflow: the caller drops the
 * client rather than buffer without bound.
 */
import type { LiveMessage } from "./messages";

export class CoalescingQueue {
  private readonly items = new Map<string, LiveMessage>();
  private seq = 0;

  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError("max must be a positive integer");
  }

  get size(): number {
    return this.items.size;
  }

  /** False when the queue would hold more than `max` messages (the message is not kept). */
  offer(message: LiveMessage): boolean {
    const id = message.key === undefined ? `#${this.seq++}` : `${message.topic}|${message.key}`;
    if (this.items.has(id)) {
      // The newer value goes last: the order of delivery is the order of the latest updates.
      this.items.delete(id);
    } else if (this.items.size >= this.max) {
      return false;
    }
    this.items.set(id, message);
    return true;
  }

  /** Everything unsent, oldest first; the queue is then empty. */
  drain(): LiveMessage[] {
    const out = [...this.items.values()];
    this.items.clear();
    return out;
  }
}

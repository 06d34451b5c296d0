/**
 * One subscriber of the live channel: its topic filter, its bounded queue and its socket.
 * Messages are written at most once per flush (the hub's throttle interval), all queued ones
 * in one chunk. When the socket's buffer is full (`write` returned false) nothing more is
 * written until it drains; messages queue meanwhile, and a queue that overflows drops the
 * client (its stream is ended with a last `dropped` event when the socket can take it).
 */
import { CoalescingQueue } from "./coalescing-queue";
import { sseEvent, sseFrame, type LiveMessage, type LiveTopic } from "./messages";

/** The client's socket as the live channel needs it (a Node ServerResponse fits). */
export interface LiveSink {
  /** False when the chunk was buffered beyond the socket's high-water mark (back-pressure). */
  write(chunk: string): boolean;
  end(): void;
  once(event: "drain", listener: () => void): unknown;
}

/** slow: its queue overflowed; closed: it went away; auth: users or tokens changed; expired: the stream reached its maximum age; shutdown: the gateway stops. */
export type DropReason = "slow" | "closed" | "auth" | "expired" | "shutdown";

export class LiveClient {
  private readonly queue: CoalescingQueue;
  private blocked = false;
  private closed = false;

  constructor(
    private readonly sink: LiveSink,
    maxQueued: number,
    private readonly topics: ReadonlySet<LiveTopic> | null = null,
    private readonly onClose: (client: LiveClient, reason: DropReason) => void = () => undefined,
  ) {
    this.queue = new CoalescingQueue(maxQueued);
  }

  get queued(): number {
    return this.queue.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get isBlocked(): boolean {
    return this.blocked;
  }

  /** Queues a message for the next flush (ignored when the client did not ask for its topic). */
  push(message: LiveMessage): void {
    if (this.closed || (this.topics && !this.topics.has(message.topic))) return;
    if (!this.queue.offer(message)) this.close("slow");
  }

  /** Writes everything queued in one chunk, unless the socket has not drained yet. */
  flush(): number {
    if (this.closed || this.blocked || this.queue.size === 0) return 0;
    const messages = this.queue.drain();
    this.writeChunk(messages.map(sseFrame).join(""));
    return messages.length;
  }

  /** An SSE comment: keeps proxies from closing an idle stream. */
  heartbeat(): void {
    if (!this.closed && !this.blocked) this.writeChunk(": ping\n\n");
  }

  /** Sends a frame now, around the queue (the stream's opening `hello`). */
  writeNow(event: string, data: unknown): void {
    if (!this.closed) this.writeChunk(sseEvent(event, data));
  }

  close(reason: DropReason): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.drain();
    if (reason !== "closed") {
      // A last word when the socket can still take it; a blocked one is just ended.
      if (!this.blocked) this.sink.write(sseEvent("dropped", { reason }));
      this.sink.end();
    }
    this.onClose(this, reason);
  }

  private writeChunk(chunk: string): void {
    if (!this.sink.write(chunk)) {
      this.blocked = true;
      this.sink.once("drain", () => {
        this.blocked = false;
      });
    }
  }
}

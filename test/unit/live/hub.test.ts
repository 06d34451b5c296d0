import { CoalescingQueue, LiveHub, parseTopics, type LiveMessage, type LiveSink } from "../../../lib/live";

/** A socket whose kernel buffer holds `capacity` chunks: write returns false beyond it until `drain()`. */
class Socket implements LiveSink {
  chunks: string[] = [];
  ended = false;
  private pending = 0;
  private drainListeners: Array<() => void> = [];
  constructor(private readonly capacity = Infinity) {}
  write(chunk: string): boolean {
    this.chunks.push(chunk);
    this.pending += 1;
    return this.pending < this.capacity;
  }
  end(): void {
    this.ended = true;
  }
  once(_e: "drain", l: () => void): unknown {
    this.drainListeners.push(l);
    return this;
  }
  drain(): void {
    this.pending = 0;
    const ls = this.drainListeners;
    this.drainListeners = [];
    for (const l of ls) l();
  }
  get text(): string {
    return this.chunks.join("");
  }
}

const quote = (bot: string, bid: string): LiveMessage => ({ topic: "quote", key: bot, data: { bot, bid } });
const fill = (id: string): LiveMessage => ({ topic: "fill", data: { tradeId: id } });

describe("coalescing queue", () => {
  it("keeps only the latest keyed message, every unkeyed one, in order of the latest update", () => {
    const q = new CoalescingQueue(10);
    q.offer(quote("a", "1"));
    q.offer(fill("f1"));
    q.offer(quote("b", "1"));
    q.offer(quote("a", "2"));
    q.offer(fill("f2"));
    expect(q.drain().map((m) => m.data)).toEqual([{ tradeId: "f1" }, { bot: "b", bid: "1" }, { bot: "a", bid: "2" }, { tradeId: "f2" }]);
    expect(q.size).toBe(0);
  });

  it("refuses a new message beyond its bound but still replaces a keyed one", () => {
    const q = new CoalescingQueue(2);
    expect(q.offer(quote("a", "1"))).toBe(true);
    expect(q.offer(fill("f1"))).toBe(true);
    expect(q.offer(fill("f2"))).toBe(false);
    expect(q.offer(quote("a", "2"))).toBe(true);
    expect(q.size).toBe(2);
  });
});

describe("live hub", () => {
  const options = { intervalMs: 1_000_000, maxQueued: 3, maxClients: 2, heartbeatMs: 1_000_000, maxAgeMs: 1_000_000 };

  it("throttles: messages between flushes go out in one write, replaceable ones coalesced", () => {
    const hub = new LiveHub(options);
    const s = new Socket();
    hub.add(s);
    for (let i = 0; i < 100; i++) hub.publish(quote("a", String(i)));
    hub.publish(fill("f1"));
    expect(s.chunks).toHaveLength(0);
    hub.flush();
    expect(s.chunks).toHaveLength(1);
    expect(s.text).toBe('event: quote\ndata: {"bot":"a","bid":"99"}\n\nevent: fill\ndata: {"tradeId":"f1"}\n\n');
    hub.flush();
    expect(s.chunks).toHaveLength(1);
    hub.stop();
  });

  it("drops a client whose socket does not drain once its queue overflows, and keeps serving the others", () => {
    const hub = new LiveHub(options);
    const slow = new Socket(1);
    const fast = new Socket();
    hub.add(slow);
    hub.add(fast);
    hub.publish(fill("f1"));
    hub.flush(); // slow's buffer is now full: it is not written again until it drains
    for (let i = 2; i <= 4; i++) hub.publish(fill(`f${i}`));
    hub.flush();
    expect(slow.chunks).toHaveLength(1);
    expect(hub.size).toBe(2);
    hub.publish(fill("f5")); // fourth unsent message for slow: over maxQueued (3)
    expect(hub.size).toBe(1);
    expect(slow.ended).toBe(true);
    expect(hub.snapshot().dropped.slow).toBe(1);
    hub.flush();
    expect(fast.text).toContain('"f5"');
    hub.stop();
  });

  it("resumes writing a blocked client after its socket drains", () => {
    const hub = new LiveHub(options);
    const s = new Socket(1);
    hub.add(s);
    hub.publish(fill("f1"));
    hub.flush();
    hub.publish(fill("f2"));
    hub.flush();
    expect(s.chunks).toHaveLength(1);
    s.drain();
    hub.flush();
    expect(s.chunks).toHaveLength(2);
    expect(s.chunks[1]).toContain('"f2"');
    hub.stop();
  });

  it("refuses clients beyond maxClients and filters by topic", () => {
    const hub = new LiveHub(options);
    const pnlOnly = new Socket();
    expect(hub.add(pnlOnly, parseTopics("pnl"))).not.toBeNull();
    expect(hub.add(new Socket())).not.toBeNull();
    expect(hub.add(new Socket())).toBeNull();
    hub.publish(fill("f1"));
    hub.publish({ topic: "pnl", key: "a", data: { total: "1" } });
    hub.flush();
    expect(pnlOnly.text).toBe('event: pnl\ndata: {"total":"1"}\n\n');
    hub.stop();
  });

  it("ends every stream on closeAll with a last dropped event", () => {
    const hub = new LiveHub(options);
    const s = new Socket();
    hub.add(s);
    hub.closeAll("auth");
    expect(s.ended).toBe(true);
    expect(s.text).toBe('event: dropped\ndata: {"reason":"auth"}\n\n');
    expect(hub.size).toBe(0);
  });

  it("ends a stream at its maximum age", async () => {
    const hub = new LiveHub({ ...options, maxAgeMs: 20 });
    const s = new Socket();
    hub.add(s);
    await new Promise((r) => setTimeout(r, 60));
    expect(s.ended).toBe(true);
    expect(s.text).toContain('"reason":"expired"');
    expect(hub.snapshot().dropped.expired).toBe(1);
    hub.stop();
  });

  it("rejects unknown topics naming the field", () => {
    expect(() => parseTopics("pnl,bogus")).toThrow(/bogus/);
    expect(parseTopics(undefined)).toBeNull();
  });
});

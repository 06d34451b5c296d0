/**
 * The Bot's one-round requote (`BotVenue.replace`, what the cex service's replaceOrders gives
 * the live bot) on the paper exchange, on simulated time: the replace path is taken instead of
 * separate cancels and places, the venue cancels before it places, a failed cancel means
 * nothing is placed, a refused order is dropped with a warning, and the live set matches the
 * venue throughout. The venue here is a small in-memory `replace` over the paper BotVenue
 * with the cex service's semantics (cancels in parallel, then places in parallel, only if every
 * cancel succeeded or found the order gone).
 */
import { OrderGoneError, type BotVenue, type VenueReplaceResult } from "../../../lib/market-maker/bot";
import { Harness, T0, idsOf, quotesOf } from "./bot-paper.harness";

const PMM = { bidSpread: 0.01, askSpread: 0.01, orderAmount: "1", orderRefreshTimeMs: 10_000, orderRefreshTolerance: 0, filledOrderDelayMs: 0 };

interface ReplaceLog {
  batches: Array<{ cancel: string[]; place: string[]; skipped: boolean }>;
  /** Venue operations in the order they happened: "cancel:<id>" / "place:<id>". */
  ops: string[];
  /** Places and cancels sent outside a batch during requotes. */
  direct: { place: number; cancel: number };
  failCancel: Set<string>;
  refuseSide: "buy" | "sell" | null;
  /** When the venue's node acknowledged each order (absent: the venue does not say). */
  ackedAt?: (clientOrderId: string) => number;
}

const withReplace = (log: ReplaceLog) => (inner: BotVenue): BotVenue => ({
  ...inner,
  async place(o) {
    log.direct.place++;
    return inner.place(o);
  },
  async cancel(id) {
    log.direct.cancel++;
    return inner.cancel(id);
  },
  async replace(cancel, place): Promise<VenueReplaceResult> {
    const canceled = await Promise.all(
      cancel.map(async (clientOrderId) => {
        log.ops.push(`cancel:${clientOrderId}`);
        try {
          if (log.failCancel.has(clientOrderId)) throw new Error("paper: exchange unavailable");
          return { clientOrderId, ok: true, order: await inner.cancel(clientOrderId) };
        } catch (err) {
          if (err instanceof OrderGoneError) return { clientOrderId, ok: true };
          return { clientOrderId, ok: false, error: { code: 503, type: "EXCHANGE_UNAVAILABLE", message: (err as Error).message } };
        }
      }),
    );
    const skipped = canceled.some((c) => !c.ok);
    log.batches.push({ cancel, place: place.map((p) => p.clientOrderId), skipped });
    if (skipped) return { canceled, placed: [], placesSkipped: true };
    const placed = await Promise.all(
      place.map(async (o) => {
        log.ops.push(`place:${o.clientOrderId}`);
        try {
          if (log.refuseSide === o.side) throw new Error("paper: insufficient funds");
          return { clientOrderId: o.clientOrderId, ok: true, order: await inner.place(o), ...(log.ackedAt ? { ackedAt: log.ackedAt(o.clientOrderId) } : {}) };
        } catch (err) {
          return { clientOrderId: o.clientOrderId, ok: false, error: { code: 422, type: "INSUFFICIENT_FUNDS", message: (err as Error).message } };
        }
      }),
    );
    return { canceled, placed, placesSkipped: false };
  },
});

const newLog = (): ReplaceLog => ({ batches: [], ops: [], direct: { place: 0, cancel: 0 }, failCancel: new Set(), refuseSide: null });

const liveIds = (h: Harness) => h.live().map((o) => o.clientOrderId).sort();

describe("Bot with a venue that replaces in one round", () => {
  it("reports with each quote when the venue's node had the acknowledgement: the latest of the quote's orders", async () => {
    const log = newLog();
    const stamps = [T0 + 3.25, T0 + 4.5];
    log.ackedAt = () => stamps.shift() ?? Number.NaN;
    const h = new Harness({ params: PMM, wrap: withReplace(log) });
    await h.start();
    await h.tickAt(0, 100);
    expect(h.quotes).toEqual([{ bid: "99.00", ask: "101.00", tickReceivedAt: T0, orderAckAt: T0, venueAckAt: T0 + 4.5 }]);
    await h.stop();
  });


  it("requotes through replace: cancels go first in the same batch, the live set follows the venue, quotePlaced on the simulated clock", async () => {
    const log = newLog();
    const h = new Harness({ params: PMM, wrap: withReplace(log) });
    await h.start();
    await h.tickAt(0, 100);
    const first = await h.resting();
    expect(quotesOf(first)).toEqual([
      ["buy", "99", "1"],
      ["sell", "101", "1"],
    ]);
    expect(log.batches).toEqual([{ cancel: [], place: idsOf(first), skipped: false }]);
    expect(liveIds(h)).toEqual(idsOf(first).sort());

    // t=12 s: refresh time passed and the mid moved: one batch cancels both and places two new orders
    await h.tickAt(12_000, 100.5);
    const second = await h.resting();
    expect(quotesOf(second)).toEqual([
      ["buy", "99.49", "1"],
      ["sell", "101.51", "1"],
    ]);
    expect(log.batches[1]).toEqual({ cancel: idsOf(first), place: idsOf(second), skipped: false });
    // every cancel reached the venue before any place of the batch
    const batchOps = log.ops.slice(2);
    expect(batchOps.slice(0, 2).every((op) => op.startsWith("cancel:"))).toBe(true);
    expect(batchOps.slice(2).every((op) => op.startsWith("place:"))).toBe(true);
    for (const id of idsOf(first)) expect(await h.statusOf(id)).toBe("canceled");
    expect(liveIds(h)).toEqual(idsOf(second).sort());
    expect(log.direct).toEqual({ place: 0, cancel: 0 }); // requotes never took the two-round path
    expect(h.counts).toEqual({ placed: 4, refused: 0, cancelled: 2 });
    expect(h.warnings).toEqual([]);

    // quotePlaced as before, stamped with the backtester's simulated clock (no fractional wall clock there)
    expect(h.quotes).toEqual([
      { bid: "99.00", ask: "101.00", tickReceivedAt: T0, orderAckAt: T0 },
      { bid: "99.49", ask: "101.51", tickReceivedAt: T0 + 12_000, orderAckAt: T0 + 12_000 },
    ]);
    await h.stop();
    expect(await h.resting()).toEqual([]);
    expect(h.live()).toEqual([]);
  });

  it("a failed cancel places nothing and keeps that order live; the next requote finishes the job", async () => {
    const log = newLog();
    const h = new Harness({ params: PMM, wrap: withReplace(log) });
    await h.start();
    await h.tickAt(0, 100);
    const [bid, ask] = await h.resting();
    log.failCancel.add(bid.clientOrderId);

    await h.tickAt(12_000, 100.5);
    expect(log.batches[1]).toMatchObject({ cancel: [bid.clientOrderId, ask.clientOrderId], skipped: true });
    // the ask was cancelled, the bid's cancel failed: the bid is still live (and resting), nothing new was placed
    expect(idsOf(await h.resting())).toEqual([bid.clientOrderId]);
    expect(liveIds(h)).toEqual([bid.clientOrderId]);
    expect(h.counts).toEqual({ placed: 2, refused: 0, cancelled: 1 });
    expect(h.warnings).toEqual([expect.stringContaining(`cancel ${bid.clientOrderId} failed: paper: exchange unavailable`)]);
    expect(h.quotes).toHaveLength(1);

    log.failCancel.clear();
    await h.tickAt(12_100, 100.5);
    expect(log.batches[2]).toMatchObject({ cancel: [bid.clientOrderId], skipped: false });
    expect(log.batches[2].place).toHaveLength(2);
    const now = await h.resting();
    expect(quotesOf(now)).toEqual([
      ["buy", "99.49", "1"],
      ["sell", "101.51", "1"],
    ]);
    expect(liveIds(h)).toEqual(idsOf(now).sort());
    expect(log.direct).toEqual({ place: 0, cancel: 0 });
    await h.stop();
  });

  it("a refused order is warned about and dropped; the acknowledged one is live and reported", async () => {
    const log = newLog();
    const h = new Harness({ params: PMM, wrap: withReplace(log) });
    await h.start();
    log.refuseSide = "sell";
    await h.tickAt(0, 100);
    const resting = await h.resting();
    expect(quotesOf(resting)).toEqual([["buy", "99", "1"]]);
    expect(liveIds(h)).toEqual(idsOf(resting));
    expect(h.warnings).toEqual([expect.stringMatching(/sell 1\.000@101\.00 refused: paper: insufficient funds/)]);
    expect(h.quotes).toEqual([{ bid: "99.00", ask: null, tickReceivedAt: T0, orderAckAt: T0 }]);

    // next tick: the missing ask is placed alone (nothing to cancel), the bid kept
    log.refuseSide = null;
    await h.tickAt(100, 100);
    expect(log.batches[1]).toMatchObject({ cancel: [], skipped: false });
    expect(log.batches[1].place).toHaveLength(1);
    expect(quotesOf(await h.resting())).toEqual([
      ["buy", "99", "1"],
      ["sell", "101", "1"],
    ]);
    expect(liveIds(h)).toEqual(idsOf(await h.resting()).sort());
    await h.stop();
  });

  it("a replace whose answer is lost (outcome unknown) leaves nothing at the venue the bot does not know: the next requote cancels what may rest", async () => {
    const log = newLog();
    let mode: "ok" | "lost" | "refused" = "ok";
    const h = new Harness({
      params: PMM,
      wrap: (inner) => {
        const v = withReplace(log)(inner);
        return {
          ...v,
          replace: async (c, p) => {
            if (mode === "refused") throw new Error("request timed out before it was sent");
            const result = await v.replace!(c, p);
            if (mode === "lost") throw new Error("request timed out"); // the venue did it; the answer is lost
            return result;
          },
        };
      },
    });
    await h.start();
    await h.tickAt(0, 100);
    mode = "lost";
    await h.tickAt(12_000, 100.5);
    expect(h.warnings).toEqual([expect.stringContaining("replace (cancel 2, place 2) failed: request timed out")]);
    mode = "ok";
    await h.tickAt(12_100, 100.5);
    await h.tickAt(12_200, 100.5);
    // Only the bot's current two quotes rest, and the bot knows exactly those.
    expect(quotesOf(await h.resting())).toEqual([
      ["buy", "99.49", "1"],
      ["sell", "101.51", "1"],
    ]);
    expect(liveIds(h)).toEqual(idsOf(await h.resting()).sort());

    mode = "refused"; // nothing reached the venue this time
    await h.tickAt(24_000, 101);
    mode = "ok";
    await h.tickAt(24_100, 101);
    await h.tickAt(24_200, 101);
    expect(quotesOf(await h.resting())).toEqual([
      ["buy", "99.99", "1"],
      ["sell", "102.01", "1"],
    ]);
    expect(liveIds(h)).toEqual(idsOf(await h.resting()).sort());
    await h.stop();
  });
});

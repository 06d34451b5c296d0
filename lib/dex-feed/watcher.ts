/**
 * Pool prices from chain events, block by block: each poll reads the logs of the new blocks
 * (V2 `Sync`, V3 `Swap`) for the watched pools, checks the new blocks chain onto the last
 * processed one (parentHash), and turns the latest event per pool into a price update.
 * A rewind or fork (parent hash mismatch, head below or equal with another hash) or a gap
 * of more than `maxBlockGap` blocks triggers a resync: every pool's state is re-read at the
 * head. A pool with no event for `fallbackBlocks` blocks is re-read too (the polling
 * fallback: catches Mint/Burn and anything the logs missed) and reported only if it changed.
 */
import { getAddress, type JsonRpcApiProvider } from "ethers";
import { PAIR_IFACE, V3_POOL_IFACE, basePrice, readPoolState, sqrtFloor, formatRatio, formatAmount, priceFromReserves, priceFromSqrtX96, type DexPool, type Protocol, type Ratio } from "../dex";

export interface DexPriceUpdate {
  dex: Protocol;
  pool: string;
  base: string;
  quote: string;
  /** base priced in quote, 18 significant digits */
  price: string;
  /** Uniswap L: V3 pool liquidity, V2 sqrt(reserve0·reserve1), base units */
  liquidity: string;
  block: number;
  ts: number;
  fee: number;
  source: "event" | "poll" | "resync";
  sqrtPriceX96?: string;
  tick?: number;
  reserve0?: string;
  reserve1?: string;
}

export interface WatcherOptions {
  /** More new blocks than this at once: re-read state instead of scanning logs. */
  maxBlockGap: number;
  /** Re-read a pool's state after this many blocks without an event (0: never). */
  fallbackBlocks: number;
}

export interface WatcherStatus {
  pools: number;
  lastBlock: number | null;
  lastHash: string | null;
  updates: number;
  events: number;
  resyncs: number;
  reorgs: number;
  gaps: number;
  fallbackReads: number;
  lastResyncReason: string | null;
  lastError: string | null;
}

const SYNC_TOPIC = PAIR_IFACE.getEvent("Sync")!.topicHash;
const SWAP_TOPIC = V3_POOL_IFACE.getEvent("Swap")!.topicHash;

interface PoolTrack {
  pool: DexPool;
  lastEventBlock: number;
  lastCheckBlock: number;
  lastKey: string | null;
}

interface RawBlock {
  number: string;
  hash: string;
  parentHash: string;
  timestamp: string;
}

export class DexPoolWatcher {
  private readonly tracks = new Map<string, PoolTrack>();
  private last: { number: number; hash: string } | null = null;
  private readonly counters = { updates: 0, events: 0, resyncs: 0, reorgs: 0, gaps: 0, fallbackReads: 0 };
  private lastResyncReason: string | null = null;
  private lastError: string | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly provider: JsonRpcApiProvider,
    pools: DexPool[],
    private readonly opts: WatcherOptions,
    private readonly onUpdate: (u: DexPriceUpdate) => void,
  ) {
    for (const p of pools) this.tracks.set(p.address.toLowerCase(), { pool: p, lastEventBlock: 0, lastCheckBlock: 0, lastKey: null });
  }

  status(): WatcherStatus {
    return { pools: this.tracks.size, lastBlock: this.last?.number ?? null, lastHash: this.last?.hash ?? null, ...this.counters, lastResyncReason: this.lastResyncReason, lastError: this.lastError };
  }

  /** One poll; concurrent calls share the one in progress. */
  tick(): Promise<void> {
    this.running ??= this.poll()
      .then(() => {
        this.lastError = null;
      })
      .catch((err: Error) => {
        this.lastError = err.message;
        throw err;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async block(tag: number | "latest"): Promise<RawBlock> {
    const b = (await this.provider.send("eth_getBlockByNumber", [typeof tag === "number" ? `0x${tag.toString(16)}` : tag, false])) as RawBlock | null;
    if (!b) throw new Error(`block ${tag} not found`);
    return b;
  }

  private async poll(): Promise<void> {
    const headBlock = await this.block("latest");
    const head = Number(headBlock.number);
    const last = this.last;
    if (!last) return this.resync(headBlock, "init");
    if (head < last.number) return this.resync(headBlock, "reorg");
    if (head === last.number) {
      if (headBlock.hash !== last.hash) return this.resync(headBlock, "reorg");
      return;
    }
    if (head - last.number > this.opts.maxBlockGap) return this.resync(headBlock, "gap");
    const next = head === last.number + 1 ? headBlock : await this.block(last.number + 1);
    if (next.parentHash !== last.hash) return this.resync(headBlock, "reorg");

    const logs = (await this.provider.send("eth_getLogs", [{
      fromBlock: `0x${(last.number + 1).toString(16)}`, toBlock: `0x${head.toString(16)}`,
      address: [...this.tracks.values()].map((t) => t.pool.address), topics: [[SYNC_TOPIC, SWAP_TOPIC]],
    }])) as Array<{ address: string; topics: string[]; data: string; blockNumber: string; blockHash: string; logIndex: string; removed?: boolean }>;
    // The logs must come from the chain we just checked: a log of another fork means a reorg in between.
    if (logs.some((l) => Number(l.blockNumber) === head && l.blockHash !== headBlock.hash)) return this.resync(await this.block("latest"), "reorg");

    const latest = new Map<string, (typeof logs)[number]>();
    for (const l of logs) {
      if (l.removed) continue;
      const key = l.address.toLowerCase();
      const track = this.tracks.get(key);
      if (!track) continue;
      const wanted = track.pool.protocol === "uniswap-v2" ? SYNC_TOPIC : SWAP_TOPIC;
      if (l.topics[0] !== wanted) continue;
      this.counters.events += 1;
      latest.set(key, l);
    }
    for (const [key, l] of latest) {
      const track = this.tracks.get(key)!;
      const block = Number(l.blockNumber);
      track.lastEventBlock = block;
      track.lastCheckBlock = head;
      this.publish(track, fromLog(track.pool, l), block, "event");
    }
    if (this.opts.fallbackBlocks > 0) {
      for (const track of this.tracks.values()) {
        if (latest.has(track.pool.address.toLowerCase())) continue;
        if (head - Math.max(track.lastEventBlock, track.lastCheckBlock) < this.opts.fallbackBlocks) continue;
        this.counters.fallbackReads += 1;
        track.lastCheckBlock = head;
        const s = await readPoolState(this.provider, track.pool, head);
        this.publish(track, { price: s.price, liquidity: s.liquidity, sqrtPriceX96: s.sqrtPriceX96, tick: s.tick, reserve0: s.reserve0, reserve1: s.reserve1 }, head, "poll", true);
      }
    }
    this.last = { number: head, hash: headBlock.hash };
  }

  private async resync(headBlock: RawBlock, reason: "init" | "reorg" | "gap"): Promise<void> {
    const head = Number(headBlock.number);
    if (reason !== "init") {
      this.counters.resyncs += 1;
      if (reason === "reorg") this.counters.reorgs += 1;
      else this.counters.gaps += 1;
    }
    this.lastResyncReason = reason;
    for (const track of this.tracks.values()) {
      const s = await readPoolState(this.provider, track.pool, head);
      track.lastCheckBlock = head;
      this.publish(track, { price: s.price, liquidity: s.liquidity, sqrtPriceX96: s.sqrtPriceX96, tick: s.tick, reserve0: s.reserve0, reserve1: s.reserve1 }, head, "resync");
    }
    this.last = { number: head, hash: headBlock.hash };
  }

  private publish(track: PoolTrack, s: StateBits, block: number, source: DexPriceUpdate["source"], onlyIfChanged = false): void {
    const p = track.pool;
    const price = formatRatio(basePrice(p, s.price));
    const key = `${price}|${s.liquidity}`;
    if (onlyIfChanged && key === track.lastKey) return;
    track.lastKey = key;
    const u: DexPriceUpdate = { dex: p.protocol, pool: getAddress(p.address), base: p.base, quote: p.quote, price, liquidity: s.liquidity.toString(), block, ts: Date.now(), fee: p.fee, source };
    if (s.sqrtPriceX96 !== undefined) Object.assign(u, { sqrtPriceX96: s.sqrtPriceX96.toString(), tick: s.tick });
    if (s.reserve0 !== undefined && s.reserve1 !== undefined) Object.assign(u, { reserve0: formatAmount(s.reserve0, p.token0.decimals), reserve1: formatAmount(s.reserve1, p.token1.decimals) });
    this.counters.updates += 1;
    this.onUpdate(u);
  }
}

interface StateBits {
  price: Ratio;
  liquidity: bigint;
  sqrtPriceX96?: bigint;
  tick?: number;
  reserve0?: bigint;
  reserve1?: bigint;
}

function fromLog(pool: DexPool, l: { topics: string[]; data: string }): StateBits {
  const { token0: t0, token1: t1 } = pool;
  if (pool.protocol === "uniswap-v2") {
    const ev = PAIR_IFACE.parseLog(l)!;
    const r0 = BigInt(ev.args[0]);
    const r1 = BigInt(ev.args[1]);
    return { price: priceFromReserves(r0, r1, t0.decimals, t1.decimals), liquidity: sqrtFloor(r0 * r1), reserve0: r0, reserve1: r1 };
  }
  const ev = V3_POOL_IFACE.parseLog(l)!;
  const sqrtPriceX96 = BigInt(ev.args.sqrtPriceX96);
  return { price: priceFromSqrtX96(sqrtPriceX96, t0.decimals, t1.decimals), liquidity: BigInt(ev.args.liquidity), sqrtPriceX96, tick: Number(ev.args.tick) };
}

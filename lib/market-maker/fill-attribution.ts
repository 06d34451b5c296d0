/**
 * Which bot a fill belongs to: the tag at the front of its client order id
 * (lib/market-maker/client-order-id.ts) names the bot, or the bot's hedger (`<bot>#hedge`).
 *
 * The known tags are the bots in config plus every bot with a row in mm_bots: a bot removed
 * from config keeps its tag, so the fills of its last orders are still booked under its name.
 * A bot-like tag nobody here knows (a bot another node started since our last sync) re-reads
 * the bots' rows, at most once per `rereadMs`.
 */
import type { WireFill } from "../cex";
import { botTag } from "./client-order-id";
import type { AttributedFill } from "./store";
import { hedgeTagOf } from "./venues";

export interface FillOwner {
  bot: string;
  role: "maker" | "hedge";
}

export interface FillAttributionDeps {
  /** Names of every bot with a row (removed ones included). */
  listBotNames(): Promise<string[]>;
  now?: () => number;
  /** Unknown bot-like tags re-read the rows at most this often (default 5 s). */
  rereadMs?: number;
}

/** What the client order ids of the market-maker's own orders start with. */
const BOT_TAG = /^mm[0-9a-f]{8}$/;

export class FillAttribution {
  private tags = new Map<string, FillOwner>();
  private readAt = 0;
  private readonly now: () => number;
  private readonly rereadMs: number;

  constructor(private readonly deps: FillAttributionDeps) {
    this.now = deps.now ?? Date.now;
    this.rereadMs = deps.rereadMs ?? 5_000;
  }

  /** Replaces the known bots (config and rows, read together by a sync). */
  reset(names: Iterable<string>): void {
    this.tags = new Map();
    this.add(names);
  }

  add(names: Iterable<string>): void {
    for (const name of names) {
      this.tags.set(botTag(name), { bot: name, role: "maker" });
      this.tags.set(botTag(hedgeTagOf(name)), { bot: name, role: "hedge" });
    }
  }

  /** The fill as its bot's (and role's); null for orders that are not a bot's. */
  async attribute(wire: WireFill): Promise<AttributedFill | null> {
    const tag = tagOf(wire.clientOrderId);
    if (tag === null) return null;
    let owner = this.tags.get(tag);
    if (!owner && BOT_TAG.test(tag) && this.now() - this.readAt > this.rereadMs) {
      // A bot's order we cannot place: maybe a bot another node started since our last sync.
      this.readAt = this.now();
      this.add(await this.deps.listBotNames());
      owner = this.tags.get(tag);
    }
    return owner ? attributed(wire, owner) : null;
  }
}

function tagOf(clientOrderId: string | null | undefined): string | null {
  const dash = clientOrderId ? clientOrderId.indexOf("-") : -1;
  return clientOrderId && dash >= 0 ? clientOrderId.slice(0, dash) : null;
}

/** A venue fill as booked for `owner`. */
export function attributed(wire: WireFill, owner: FillOwner): AttributedFill {
  return {
    bot: owner.bot,
    role: owner.role,
    exchange: wire.exchange,
    symbol: wire.symbol,
    clientOrderId: wire.clientOrderId,
    tradeId: wire.tradeId,
    side: wire.side as "buy" | "sell",
    price: wire.price,
    amount: wire.amount,
    feeCost: wire.fee?.cost ?? null,
    feeCurrency: wire.fee?.currency ?? null,
    ts: wire.timestamp,
  };
}

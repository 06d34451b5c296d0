/**
 * Client order ids that tie a venue order back to the bot that placed it, so a restarted
 * bot can find (and cancel) its own leftovers among everything open on the account.
 *
 * Format: `<tag>-<time>-<seq>-<rand>`, e.g. `mm1a2b3c4d-lq3k9x2a-000f-9c1e22ab`
 * - tag: botTag(bot) = "mm" + first 8 hex of sha256(bot) — stable across restarts;
 * - time: Date.now() in base 36 (8 chars until 2059);
 * - seq: the caller's `seq`, else a process-wide counter, base 36, 4–6 chars;
 * - rand: 8 hex from crypto.randomBytes.
 * At most 36 characters from [A-Za-z0-9_-] (Binance and most ccxt venues accept it).
 */
import { createHash, randomBytes } from "node:crypto";

const SEQ_MOD = 36 ** 6;
let counter = 0;
/** Tags by bot name: every requote names its orders, and a hash per order is wasted work. */
const tags = new Map<string, string>();

export function botTag(bot: string): string {
  let tag = tags.get(bot);
  if (tag === undefined) {
    tag = "mm" + createHash("sha256").update(bot, "utf8").digest("hex").slice(0, 8);
    if (tags.size >= 10_000) tags.clear(); // bounded: bot names come from config
    tags.set(bot, tag);
  }
  return tag;
}

export function newClientOrderId(bot: string, seq?: number): string {
  let n: number;
  if (seq !== undefined && Number.isFinite(seq)) {
    n = ((Math.trunc(seq) % SEQ_MOD) + SEQ_MOD) % SEQ_MOD;
  } else {
    counter = (counter + 1) % SEQ_MOD;
    n = counter;
  }
  const time = Date.now().toString(36);
  const s = n.toString(36).padStart(4, "0");
  const rand = randomBytes(4).toString("hex");
  return `${botTag(bot)}-${time}-${s}-${rand}`.slice(0, 36);
}

export function isBotOrder(bot: string, clientOrderId: string | null | undefined): boolean {
  return typeof clientOrderId === "string" && clientOrderId.startsWith(botTag(bot) + "-");
}

/**
 * The client order id of the hedge of one maker fill (`makerFill`: the fill's venue and trade id):
 * the same for every attempt, on any node, so a fill delivered twice (a redelivery, a restart, two
 * nodes during a lease handover) is hedged once: the cex returns the order already placed under it.
 * Format `<tag>-<25 hex of sha256(makerFill)>`, 36 characters.
 */
export function hedgeClientOrderId(hedgeBot: string, makerFill: string): string {
  return `${botTag(hedgeBot)}-${createHash("sha256").update(makerFill, "utf8").digest("hex").slice(0, 25)}`;
}

import type { MarketSnapshot } from "./types";

export const midOf = (m: MarketSnapshot): number => (m.bestBid + m.bestAsk) / 2;

/** A usable two-sided top of book: both sides positive and not crossed. */
export const hasTopOfBook = (m: MarketSnapshot | undefined): m is MarketSnapshot =>
  m !== undefined && m.bestBid > 0 && m.bestAsk > 0 && m.bestBid <= m.bestAsk;

export const toNumber = (v: string | number): number => (typeof v === "number" ? v : Number(v));

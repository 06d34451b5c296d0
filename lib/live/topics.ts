/** The `topics` query parameter of the live stream: a comma-separated subset of the topics, or all. */
import { invalid } from "../errors";
import type { LiveTopic } from "./messages";

export const LIVE_TOPICS: readonly LiveTopic[] = ["quote", "fill", "pnl", "inventory", "alert", "bot", "node", "breaker", "arbitrage", "backtest"];

export function parseTopics(raw: unknown): ReadonlySet<LiveTopic> | null {
  if (raw === undefined || raw === null || raw === "") return null;
  if (typeof raw !== "string") throw invalid("topics must be a comma-separated list", "topics");
  const names = raw.split(",").map((t) => t.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(LIVE_TOPICS as readonly string[]).includes(n));
  if (unknown.length > 0) throw invalid(`Unknown topic(s): ${unknown.join(", ")}; known: ${LIVE_TOPICS.join(", ")}`, "topics");
  return new Set(names as LiveTopic[]);
}

/**
 * Fail closed in a cluster: a node started with a transporter whose services need a shared
 * setting refuses to start when that setting is empty or missing. Alone, each node would
 * otherwise fall back to its own SQLite file, in-process bus, generated JWT secret or embedded
 * EVM, and the mesh would silently split (k8s/secret.yaml ships empty values, read as unset).
 * Explicit local choices stay allowed: DATABASE_URL=sqlite:<file>, AMQP_URL=memory.
 */
import { EnvError, type RuntimeEnv, type ServiceName } from "./env";

type Env = Record<string, string | undefined>;

interface Requirement {
  variable: string;
  services: readonly ServiceName[];
  why: string;
  /** Whether this node's settings need it at all (e.g. MASTER_KEY only for the file keystore). */
  applies?: (env: RuntimeEnv) => boolean;
}

export const CLUSTER_REQUIREMENTS: readonly Requirement[] = [
  { variable: "DATABASE_URL", services: ["alerting", "arbitrage", "auth", "backtest", "cex", "config", "db-maintenance", "market-maker"], why: "a database shared by the cluster (postgres://..., or an explicit sqlite:<file>)" },
  { variable: "AMQP_URL", services: ["alerting", "cex", "market-maker", "notification"], why: "the durable bus shared by the cluster (amqp://..., or an explicit AMQP_URL=memory)" },
  { variable: "JWT_SECRET", services: ["auth", "api"], why: "one token secret for every auth and api node (32+ characters)" },
  { variable: "MASTER_KEY", services: ["keys"], why: "the file keystore's master key (12+ characters)", applies: (env) => env.keystore.backend === "file" },
  { variable: "RPC_URL", services: ["arbitrage", "dex", "dex-price-feed", "liquidity", "wallet"], why: "the one chain every node uses (http(s):// or ws(s)://)" },
];

/** Throws an EnvError naming the first required setting that is empty or missing; no-op without a transporter. */
export function requireClusterSettings(env: RuntimeEnv, raw: Env = process.env): void {
  if (env.transporter === null) return;
  for (const req of CLUSTER_REQUIREMENTS) {
    const users = env.services.filter((s) => req.services.includes(s));
    if (users.length === 0 || (req.applies && !req.applies(env))) continue;
    if (!raw[req.variable]?.trim()) {
      throw new EnvError(req.variable, `required with a transporter by ${users.join(", ")}: ${req.why}; it is empty or missing`);
    }
  }
}

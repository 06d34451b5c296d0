/**
 * The node groups of a distributed mmesh: which services run together on one node.
 * docker-compose.yml (SERVICES per node), k8s/ and `npm run mesh` (lib/runtime/mesh-launcher.ts)
 * all follow this table; test/unit/runtime/node-groups.test.ts checks docker-compose.yml against it.
 */
import type { ServiceName } from "./env";

export const NODE_GROUPS = {
  gateway: ["api", "auth", "config", "keys"],
  trading: ["cex", "fee", "wallet", "liquidity", "dex", "arbitrage", "market-maker"],
  feeds: ["cex-price-feed", "subgraph", "dex-price-feed"],
  ops: ["notification", "alerting", "monitoring", "db-maintenance", "backtest"],
} as const satisfies Record<string, readonly ServiceName[]>;

export type NodeGroup = keyof typeof NODE_GROUPS;
/** Start order: the gateway (auth, config, keys) first, since every other node reads config. */
export const NODE_GROUP_NAMES = Object.keys(NODE_GROUPS) as NodeGroup[];

export function isNodeGroup(name: string): name is NodeGroup {
  return Object.prototype.hasOwnProperty.call(NODE_GROUPS, name);
}

/** The SERVICES value of a group's nodes. */
export function servicesOf(group: NodeGroup): string {
  return NODE_GROUPS[group].join(",");
}

/** Groups whose services need an EVM chain (they must share one in a mesh: RPC_URL + DATA_DIR/chain/deployment.json). */
export const CHAIN_GROUPS: readonly NodeGroup[] = ["trading", "feeds"];

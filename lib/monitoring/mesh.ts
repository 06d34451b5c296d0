/**
 * Health of the nodes of the mesh, assembled from what the broker knows: `$node.list`
 * (withServices), each node's `$node.health`, and circuit-breaker states (the local
 * registry's endpoint `state`, plus `$circuit-breaker.*` events broadcast by the
 * other nodes' breakers).
 */

export type BreakerState = "open" | "half-open" | "closed";

export interface BreakerRecord {
  /** Node whose endpoint the breaker guards. */
  nodeID: string;
  action: string;
  state: BreakerState;
  /** Node whose breaker reported it. */
  reportedBy: string;
  since: number;
}

/** What `$node.list({ withServices: true })` returns per node (the parts used). */
export interface RegistryNode {
  id: string;
  available: boolean;
  local?: boolean;
  cpu?: number | null;
  hostname?: string;
  lastHeartbeatTime?: number;
  services?: Array<{ name: string; fullName?: string; version?: unknown; actions?: Record<string, unknown> }>;
}

/** The parts of `$node.health` used. */
export interface NodeHealthStatus {
  cpu?: { load1?: number; utilization?: number | null; cores?: number };
  mem?: { free?: number; total?: number; percent?: number | null };
  process?: { memory?: { rss?: number; heapUsed?: number; heapTotal?: number }; uptime?: number; pid?: number };
}

export interface NodeStatus {
  id: string;
  /**
   * down: the registry lost the node (no heartbeat for heartbeatTimeout); unresponsive: still
   * registered but its health call failed (killed or hung: the registry notices only later).
   */
  state: "up" | "unresponsive" | "down";
  available: boolean;
  local: boolean;
  hostname: string | null;
  cpu: { utilization: number | null; load1: number | null; cores: number | null };
  memory: { rssBytes: number | null; heapUsedBytes: number | null; systemUsedPercent: number | null };
  uptimeSeconds: number | null;
  services: string[];
  circuitBreakers: Array<{ action: string; state: BreakerState; reportedBy: string; since: number }>;
  /** Why the health call failed (unreachable node), null when it answered. */
  error: string | null;
}

/** Keeps the latest breaker state per (node, action, reporter) from `$circuit-breaker.*` events. */
export class BreakerBook {
  private readonly records = new Map<string, BreakerRecord>();

  record(event: "opened" | "half-opened" | "closed", payload: { nodeID?: string; action?: string }, reportedBy: string, now = Date.now()): void {
    if (!payload.nodeID || !payload.action) return;
    const key = `${payload.nodeID}\u0000${payload.action}\u0000${reportedBy}`;
    if (event === "closed") {
      this.records.delete(key);
      return;
    }
    this.records.set(key, { nodeID: payload.nodeID, action: payload.action, state: event === "opened" ? "open" : "half-open", reportedBy, since: now });
  }

  forgetNode(nodeID: string): void {
    for (const [key, r] of this.records) if (r.nodeID === nodeID || r.reportedBy === nodeID) this.records.delete(key);
  }

  list(): BreakerRecord[] {
    return [...this.records.values()];
  }
}

/** Endpoints whose state is false in the local registry (`$node.actions` withEndpoints): the local breaker is open. */
export function openLocalBreakers(
  actions: Array<{ name: string; endpoints?: Array<{ nodeID: string; state: boolean }> }>,
  localNodeID: string,
  now = Date.now(),
): BreakerRecord[] {
  const out: BreakerRecord[] = [];
  for (const a of actions) {
    for (const ep of a.endpoints ?? []) {
      if (ep.state === false) out.push({ nodeID: ep.nodeID, action: a.name, state: "open", reportedBy: localNodeID, since: now });
    }
  }
  return out;
}

const n = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);

export function nodeStatus(node: RegistryNode, health: NodeHealthStatus | null, error: string | null, breakers: BreakerRecord[]): NodeStatus {
  const services = [...new Set((node.services ?? []).map((s) => s.fullName ?? s.name))].filter((s) => !s.startsWith("$")).sort();
  const seen = new Set<string>();
  const circuitBreakers = breakers
    .filter((b) => b.nodeID === node.id)
    .filter((b) => {
      // One entry per action: the local registry's view first, then other nodes' reports.
      const key = b.action;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map(({ action, state, reportedBy, since }) => ({ action, state, reportedBy, since }));
  const memPercent = n(health?.mem?.percent);
  return {
    id: node.id,
    state: !node.available ? "down" : error === null ? "up" : "unresponsive",
    available: node.available,
    local: Boolean(node.local),
    hostname: node.hostname ?? null,
    cpu: { utilization: n(health?.cpu?.utilization) ?? n(node.cpu), load1: n(health?.cpu?.load1), cores: n(health?.cpu?.cores) },
    memory: {
      rssBytes: n(health?.process?.memory?.rss),
      heapUsedBytes: n(health?.process?.memory?.heapUsed),
      // Moleculer reports mem.percent as the free share; used = 100 - free.
      systemUsedPercent: memPercent === null ? null : Math.round((100 - memPercent) * 10) / 10,
    },
    uptimeSeconds: n(health?.process?.uptime),
    services,
    circuitBreakers,
    error,
  };
}

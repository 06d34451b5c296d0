/**
 * Readiness of a gateway node for probes (GET /api/v1/ready): 200 only once every local
 * service has started and every local REST action has its route on this gateway; 503 before
 * that (a login right after start would 404) and from the moment the node begins to stop.
 * Liveness stays /api/v1/health.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { GatewayAlias } from "./routes";

export interface LocalAction {
  name: string;
  action?: { rest?: unknown; visibility?: string };
}

export interface ReadinessInput {
  /** Every local service has started (broker.started). */
  started: boolean;
  /** The node has begun to stop (broker.stopping). */
  stopping: boolean;
  localActions: readonly LocalAction[];
  aliases: readonly GatewayAlias[];
}

export type Readiness = { ready: true } | { ready: false; reason: string; missingRoutes?: string[] };

export function readiness(input: ReadinessInput): Readiness {
  if (input.stopping) return { ready: false, reason: "stopping" };
  if (!input.started) return { ready: false, reason: "starting" };
  const routed = new Set(input.aliases.map((a) => a.action).filter(Boolean));
  const missing = input.localActions
    .filter((a) => a.action?.rest !== undefined && (a.action.visibility ?? "published") === "published" && !routed.has(a.name))
    .map((a) => a.name)
    .sort();
  if (missing.length > 0) return { ready: false, reason: "routes not registered yet", missingRoutes: missing };
  return { ready: true };
}

interface GatewayThis {
  aliases: GatewayAlias[];
  broker: { started: boolean; stopping: boolean; registry: { getActionList(o: object): unknown[] } };
}

/** moleculer-web alias handler (`this` is the api service) answering the readiness as JSON. */
export function readinessHandler(this: GatewayThis, _req: IncomingMessage, res: ServerResponse): void {
  const state = readiness({
    started: this.broker.started,
    stopping: this.broker.stopping,
    localActions: this.broker.registry.getActionList({ onlyLocal: true, skipInternal: true }) as LocalAction[],
    aliases: this.aliases,
  });
  res.writeHead(state.ready ? 200 : 503, { "Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store" });
  res.end(JSON.stringify(state.ready ? { status: "ready" } : { status: "not-ready", ...state }));
}

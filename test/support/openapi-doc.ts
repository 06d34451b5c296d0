/** The gateway's OpenAPI document once every service's routes are in it. */
import { http } from "./http";

/** The services that add routes (tags) to the gateway's document. */
export const SERVICES_WITH_ROUTES = ["alerting", "arbitrage", "auth", "backtest", "cex", "config", "db-maintenance", "dex", "fee", "keys", "liquidity", "mm", "monitoring", "notification", "subgraph", "wallet"];

export interface GatewayDoc {
  paths: Record<string, Record<string, unknown>>;
  tags: Array<{ name: string }>;
}

/** How many operations the document lists (every method of every path). */
export const operationCount = (d: GatewayDoc): number => Object.values(d.paths).reduce((n, item) => n + Object.keys(item).length, 0);

/**
 * GET /api/openapi.json until it is settled: the gateway rebuilds its routes as services come up,
 * so wait for every service's tag, then for the same operation count on three reads 300 ms apart
 * (20 s at most).
 */
export async function settledOpenApiDoc<D extends GatewayDoc>(base: string, services: readonly string[] = SERVICES_WITH_ROUTES): Promise<D> {
  let doc = (await http(base, "GET", "/api/openapi.json")).body as D;
  for (let settled = 0, deadline = Date.now() + 20_000; settled < 3; ) {
    if (Date.now() > deadline) throw new Error(`the gateway's routes did not settle; tags ${doc.tags.map((t) => t.name).join(", ")}`);
    await new Promise((r) => setTimeout(r, 300));
    const now = (await http(base, "GET", "/api/openapi.json")).body as D;
    const complete = services.every((t) => now.tags.some((x) => x.name === t));
    settled = complete && operationCount(now) === operationCount(doc) ? settled + 1 : 0;
    doc = now;
  }
  return doc;
}

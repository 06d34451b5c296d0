/**
 * Moleculer's Prometheus reporter (same registry, same text format), with what it lacks:
 * - it listens on the given host even with port 0 (Moleculer's drops the host then and binds
 *   every interface); mmesh passes METRICS_HOST, which defaults to API_HOST (loopback);
 * - with a token (METRICS_TOKEN), /metrics answers 401 unless the request carries
 *   `Authorization: Bearer <token>`: PnL, inventory and balances are not public;
 * - GET /health answers "ok" without a token and without data, for container probes.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { MetricReporters } from "moleculer";

export interface MetricsReporterOptions {
  host: string;
  port: number;
  path?: string;
  /** Bearer token required on /metrics; null: no token (loopback or a private network only). */
  token: string | null;
  defaultLabels?: () => Record<string, string>;
}

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Whether an Authorization header carries exactly this bearer token (constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match !== null && timingSafeEqual(digest(match[1]), digest(token));
}

type PrometheusReporter = InstanceType<typeof MetricReporters.Prometheus>;
const Prometheus = MetricReporters.Prometheus as unknown as new (opts: object) => PrometheusReporter;

export class MetricsReporter extends Prometheus {
  private readonly token: string | null;

  constructor(options: MetricsReporterOptions) {
    const { token, ...opts } = options;
    super({ path: "/metrics", ...opts });
    this.token = token;
    // Moleculer deletes the host for port 0 (any free port), which would bind every interface.
    this.opts.host = options.host;
  }

  override handler(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? "").split("?")[0];
    if (path === "/health" && req.method === "GET") {
      res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("ok\n");
      return;
    }
    if (this.token !== null && !bearerMatches(req.headers.authorization, this.token)) {
      res.writeHead(401, { "Content-Type": "text/plain; charset=utf-8", "WWW-Authenticate": 'Bearer realm="metrics"' });
      res.end("Unauthorized\n");
      return;
    }
    super.handler(req, res);
  }
}

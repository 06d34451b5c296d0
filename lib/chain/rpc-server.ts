/**
 * Serves an in-process chain as an HTTP JSON-RPC endpoint on loopback, so other
 * processes and nodes can use the embedded chain through RPC_URL; with a deployment
 * description, also `GET /deployment.json` (addresses only, nothing secret), which nodes
 * that share no volume with the chain fetch through CHAIN_DEPLOYMENT_URL (k8s).
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { EdrChain } from "./edr";
import type { Deployment } from "./types";

export interface RpcServer {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY = 5 * 1024 * 1024;

export async function serveJsonRpc(chain: Pick<EdrChain, "handle">, opts: { host?: string; port?: number; deployment?: Deployment } = {}): Promise<RpcServer> {
  const described = opts.deployment ? JSON.stringify(opts.deployment) : null;
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && described !== null && req.url === "/deployment.json") {
      res.writeHead(200, { "content-type": "application/json", "cache-control": "no-store" }).end(described);
      return;
    }
    if (req.method !== "POST") {
      res.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on("end", async () => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }));
        return;
      }
      const one = (r: unknown) => {
        const q = r as { id?: unknown; method?: unknown; params?: unknown };
        if (typeof q?.method !== "string") return Promise.resolve({ jsonrpc: "2.0", id: q?.id ?? null, error: { code: -32600, message: "Invalid request" } });
        return chain.handle({ id: q.id ?? null, method: q.method, params: q.params });
      };
      const out = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(out));
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => resolve());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

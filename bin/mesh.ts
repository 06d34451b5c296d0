#!/usr/bin/env node
/**
 * `npm run mesh`: the whole system as separate processes on loopback, one per node group
 * (gateway, trading, feeds, ops; lib/runtime/node-groups.ts) plus the local chain, over
 * NATS (default) or AMQP, with Redis, PostgreSQL and the RabbitMQ durable bus. Ctrl-C stops
 * everything. See README "Mesh".
 */
import { parseArgs } from "node:util";
import path from "node:path";
import { describeUrl, parseReplicas, startMesh, type Mesh, type MeshTransport } from "../lib/runtime/mesh-launcher";
import { NODE_GROUPS } from "../lib/runtime/node-groups";
import { PRIVATE_UMASK } from "../lib/runtime/private-files";

const USAGE = `usage: npm run mesh -- [options]
  --transport nats|amqp      transporter between nodes (default nats: nats://127.0.0.1:4222;
                             amqp: amqp://guest:guest@127.0.0.1:5672)
  --replicas group=n[,...]   extra nodes of a group, e.g. --replicas trading=2 (repeatable; 0 leaves a group out)
  --database-url URL         PostgreSQL database (default postgres://postgres@127.0.0.1:5432/mmesh_mesh, created if missing)
  --namespace NAME           Moleculer namespace and durable-bus prefix (default mmesh-mesh)
  --api-port N               gateway port (default 3000)
  --chain-port N             local chain JSON-RPC port (default 8545)
  --metrics-port N           first Prometheus port, one per node counting up (default 3030; "off")
  --data-dir DIR             shared DATA_DIR (default ./data/mesh): keystore, chain deployment, mesh-secrets.json
  --nats-url / --amqp-url / --redis-url URL   server addresses
  --log-level LEVEL          nodes' LOG_LEVEL (default info; warnings and errors are shown)
  --verbose                  show every log line of every node`;

async function main(): Promise<void> {
  // DATA_DIR (mesh-secrets.json, keystore, chain deployment) is private to this user; the nodes set it too.
  process.umask(PRIVATE_UMASK);
  const { values } = parseArgs({
    options: {
      transport: { type: "string", default: "nats" },
      replicas: { type: "string", multiple: true, default: [] },
      "database-url": { type: "string" },
      namespace: { type: "string", default: "mmesh-mesh" },
      "api-port": { type: "string", default: "3000" },
      "chain-port": { type: "string", default: "8545" },
      "metrics-port": { type: "string", default: "3030" },
      "data-dir": { type: "string", default: path.resolve("data", "mesh") },
      "nats-url": { type: "string" },
      "amqp-url": { type: "string" },
      "redis-url": { type: "string" },
      "log-level": { type: "string" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const transport = values.transport as MeshTransport;
  if (transport !== "nats" && transport !== "amqp") throw new Error(`--transport must be nats or amqp, not "${values.transport}"`);
  const port = (name: string, v: string) => {
    if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`--${name} expects a port number, got "${v}"`);
    return Number(v);
  };
  const replicas = parseReplicas(values.replicas as string[]);
  const started = Date.now();
  let mesh: Mesh | null = null;
  let stopping = false;
  const starting = new AbortController();
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\nmesh: ${signal}, stopping every node (SIGTERM, SIGKILL after 15 s)\n`);
    // Still starting: startMesh stops what it started and rejects (main's catch exits).
    if (!mesh) return starting.abort();
    await mesh.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));

  mesh = await startMesh({
    transport,
    replicas,
    databaseUrl: values["database-url"],
    namespace: values.namespace,
    apiPort: port("api-port", values["api-port"] as string),
    chainPort: port("chain-port", values["chain-port"] as string),
    metricsPortBase: values["metrics-port"] === "off" ? null : port("metrics-port", values["metrics-port"] as string),
    dataDir: path.resolve(values["data-dir"] as string),
    persistSecrets: true,
    natsUrl: values["nats-url"],
    amqpUrl: values["amqp-url"],
    redisUrl: values["redis-url"],
    logLevel: values["log-level"],
    verbose: values.verbose,
    signal: starting.signal,
  });
  const out: string[] = [];
  out.push(`mesh: ${mesh.nodes.filter((n) => n.group !== "chain").length} nodes up in ${((Date.now() - started) / 1000).toFixed(1)} s, namespace '${mesh.namespace}'`);
  out.push(`  transporter  ${describeUrl(mesh.transporter)}`);
  out.push(`  durable bus  ${describeUrl(mesh.amqpUrl)} (prefix '${mesh.namespace}')`);
  out.push(`  cacher       ${describeUrl(mesh.redisUrl)}`);
  out.push(`  database     ${describeUrl(mesh.databaseUrl)}`);
  out.push(`  chain        ${mesh.rpcUrl} (deployment in ${mesh.dataDir}/chain/deployment.json)`);
  for (const n of mesh.nodes.filter((x) => x.group !== "chain")) {
    out.push(`  ${n.id.padEnd(11)} pid ${String(n.pid).padEnd(8)} ${NODE_GROUPS[n.group as keyof typeof NODE_GROUPS].join(", ")}`);
  }
  out.push(`gateway: ${mesh.gatewayUrl}/api/v1   (Swagger UI ${mesh.gatewayUrl}/api/docs)`);
  out.push(
    mesh.adminPasswordGenerated
      ? `admin password (generated, shown once; kept in ${mesh.dataDir}/mesh-secrets.json): ${mesh.adminPassword}`
      : `admin password: as set on the first start (kept in ${mesh.dataDir}/mesh-secrets.json)`,
  );
  out.push("Ctrl-C stops the mesh.");
  process.stdout.write(`${out.join("\n")}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`mesh: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

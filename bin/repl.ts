#!/usr/bin/env node
/**
 * Attaches an interactive REPL node to a running mesh (same TRANSPORTER and NAMESPACE),
 * e.g. `call config.get --kind markets --name btc-paper`. It runs no services of its own.
 */
import { ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../moleculer.config";
import { EnvError, readEnv } from "../lib/runtime/env";

async function main(): Promise<void> {
  const env = readEnv({ ...process.env, NODE_ID: process.env.NODE_ID ?? `repl-${process.pid}`, METRICS_PORT: "off" });
  if (!env.transporter) {
    process.stderr.write("mmesh repl: set TRANSPORTER (e.g. nats://127.0.0.1:4222) to the running mesh's transporter\n");
    process.exit(1);
  }
  const broker = new ServiceBroker({ ...createBrokerOptions(env), logger: { type: "Console", options: { level: "warn" } } });
  await broker.start();
  await broker.repl();
}

main().catch((err: unknown) => {
  process.stderr.write(`mmesh repl: ${err instanceof EnvError || err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

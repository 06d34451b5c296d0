#!/usr/bin/env node
/** Starts an mmesh node: the services named by SERVICES (all by default), configured by the environment. */
import { EnvError, readEnv } from "../lib/runtime/env";
import { requireClusterSettings } from "../lib/runtime/cluster-settings";
import { PRIVATE_UMASK, restrictDataDir } from "../lib/runtime/private-files";
import { createNode } from "../services";

async function main(): Promise<void> {
  const env = readEnv();
  requireClusterSettings(env);
  // Everything this process creates is private to its user (files 0600, folders 0700), and
  // what an older version left readable under DATA_DIR is fixed now.
  process.umask(PRIVATE_UMASK);
  const tightened = restrictDataDir(env);
  // Stopped here, once: Moleculer's own signal handlers would start a second stop alongside,
  // whose services release the shared database while the first is still writing behind.
  const broker = createNode(env, { skipProcessEventRegistration: true });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    broker.logger.info(`${signal} received, stopping`);
    try {
      await broker.stop();
    } catch (err) {
      broker.logger.error(`stop failed: ${(err as Error).message}`);
      process.exit(1);
    }
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  if (tightened.length > 0) broker.logger.warn(`Made ${tightened.length} path(s) under DATA_DIR private (0600 files, 0700 folders): ${tightened.join(", ")}`);
  await broker.start();
  const mode = env.transporter ? `distributed (${env.transporter.split(":")[0]})` : "embedded (one process)";
  broker.logger.info(`mmesh node ${env.nodeID} started in ${mode} mode with services: ${env.services.join(", ")}`);
}

main().catch((err: unknown) => {
  if (err instanceof EnvError) {
    process.stderr.write(`mmesh: ${err.message}\n`);
  } else {
    process.stderr.write(`mmesh: start-up failed: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
});

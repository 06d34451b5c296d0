#!/usr/bin/env node
/**
 * `npm run chain`: the local development chain as its own process, for running mmesh as
 * several nodes. Starts the in-process EVM with Uniswap V2/V3, test tokens and funded dev
 * accounts, serves JSON-RPC on CHAIN_HOST:CHAIN_PORT (127.0.0.1:8545) and writes the
 * deployment description to <DATA_DIR>/chain/deployment.json. Nodes started with
 * RPC_URL=http://127.0.0.1:8545 and the same DATA_DIR then share this one chain.
 */
import fs from "node:fs";
import path from "node:path";
import { deploymentFile, startLocalChain } from "../lib/chain";
import { EnvError, readEnv } from "../lib/runtime/env";
import { PRIVATE_UMASK } from "../lib/runtime/private-files";

async function main(): Promise<void> {
  const env = readEnv();
  process.umask(PRIVATE_UMASK);
  const port = Number(process.env.CHAIN_PORT ?? 8545);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new EnvError("CHAIN_PORT", `expected a port number, got "${process.env.CHAIN_PORT}"`);
  const host = process.env.CHAIN_HOST ?? "127.0.0.1";
  const chain = await startLocalChain({ serve: { host, port }, chainId: env.chainId ?? undefined });
  const file = deploymentFile(env);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(chain.deployment, null, 2));
  process.stdout.write(`mmesh chain: JSON-RPC on ${chain.rpcUrl} (chain id ${chain.deployment.chainId}), deployment written to ${file}\n`);
  const stop = async () => {
    await chain.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`mmesh chain: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

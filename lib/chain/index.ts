/**
 * The chain mmesh's DEX side talks to. Without RPC_URL: an in-process EDR chain with
 * Uniswap V2/V3 and test tokens deployed and seeded at start, also served as HTTP
 * JSON-RPC on 127.0.0.1 so other processes can point RPC_URL at it. With RPC_URL: that
 * chain, with the deployment description passed in (or read from
 * `<DATA_DIR>/chain/deployment.json`; none: wallet features only).
 *
 * One chain per process: services share it through acquireChain/releaseChain.
 */
import fs from "node:fs";
import path from "node:path";
import { BrowserProvider, JsonRpcProvider, Network, Wallet, type JsonRpcApiProvider } from "ethers";
import type { RuntimeEnv } from "../runtime/env";
import { DEV_PRIVATE_KEYS, startEdrChain, type EdrChain, type EdrChainOptions } from "./edr";
import { serveJsonRpc, type RpcServer } from "./rpc-server";
import { seedLocalChain, type SeedOptions } from "./seed";
import { isDeployment, type Deployment } from "./types";

export * from "./types";
export { ARTIFACTS, V2_ROUTER_PAIR_INIT_CODE_HASH, erc20WithDecimals, v2PairInitCodeHash } from "./artifacts";
export { DEV_PRIVATE_KEYS, RpcError, startEdrChain, type EdrChain, type EdrChainOptions, type Eip1193Provider } from "./edr";
export { serveJsonRpc, type RpcServer } from "./rpc-server";
export { DEFAULT_FUND_AMOUNTS, DEFAULT_POOLS, DEFAULT_TOKENS, seedLocalChain, type SeedOptions, type SeedPool, type SeedToken } from "./seed";
export { encodeSqrtPriceX96, fullRangeTicks, sqrtBigInt } from "./v3-math";

export interface ChainHandle {
  provider: JsonRpcApiProvider;
  /** Uniswap addresses and tokens; null when connected by RPC_URL without a description. */
  deployment: Deployment | null;
  /** "local" (embedded EDR) or "rpc". */
  kind: "local" | "rpc";
  /** JSON-RPC URL other processes can use (the served embedded chain, or RPC_URL). */
  rpcUrl: string | null;
  /** Funded dev keys of the embedded chain (public, test-only keys); empty for RPC chains. */
  devKeys: string[];
  close(): Promise<void>;
}

export interface LocalChain extends ChainHandle {
  kind: "local";
  chain: EdrChain;
  deployment: Deployment;
  timings: { startMs: number; seedMs: number };
  snapshot(): Promise<string>;
  revert(id: string): Promise<void>;
  mine(blocks?: number): Promise<void>;
  setAutomine(on: boolean): Promise<void>;
}

export interface LocalChainOptions extends EdrChainOptions {
  /** Serve HTTP JSON-RPC on 127.0.0.1 (port 0: any free port). Default: not served. */
  serve?: boolean | { host?: string; port?: number };
  /** Seeding overrides; deployer = first dev key, funded = the other dev keys. */
  seed?: Partial<Omit<SeedOptions, "deployerKey">>;
  /** ethers polling interval for tx.wait()/events (ms, default 20). */
  pollingInterval?: number;
}

/** An ethers provider over an in-process EIP-1193 chain (no HTTP). */
export function providerFor(chain: EdrChain, pollingInterval = 20): BrowserProvider {
  return new BrowserProvider(chain, Network.from(chain.chainId), { staticNetwork: Network.from(chain.chainId), pollingInterval });
}

/** Starts the embedded EVM, deploys Uniswap + tokens, seeds pools and funds the dev accounts. */
export async function startLocalChain(opts: LocalChainOptions = {}): Promise<LocalChain> {
  const t0 = performance.now();
  const chain = await startEdrChain({ ...opts, autoMine: true });
  const provider = providerFor(chain, opts.pollingInterval);
  const t1 = performance.now();
  const keys = [...(opts.accounts ?? DEV_PRIVATE_KEYS)];
  const deployment = await seedLocalChain(provider, {
    deployerKey: keys[0],
    fund: keys.slice(1).map((k) => new Wallet(k).address),
    ...opts.seed,
  });
  const t2 = performance.now();
  if (opts.autoMine === false) await chain.request({ method: "evm_setAutomine", params: [false] });
  let server: RpcServer | null = null;
  if (opts.serve) server = await serveJsonRpc(chain, { ...(typeof opts.serve === "object" ? opts.serve : {}), deployment });
  return {
    kind: "local",
    chain,
    provider,
    deployment,
    rpcUrl: server?.url ?? null,
    devKeys: keys,
    timings: { startMs: t1 - t0, seedMs: t2 - t1 },
    snapshot: async () => (await chain.request({ method: "evm_snapshot" })) as string,
    revert: async (id) => {
      const ok = await chain.request({ method: "evm_revert", params: [id] });
      if (ok !== true) throw new Error(`evm_revert ${id} failed`);
    },
    mine: async (blocks = 1) => {
      for (let i = 0; i < blocks; i++) await chain.request({ method: "evm_mine" });
    },
    setAutomine: async (on) => {
      await chain.request({ method: "evm_setAutomine", params: [on] });
    },
    async close() {
      await server?.close();
      provider.destroy();
      await chain.close();
    },
  };
}

/** Where a deployment description for an RPC_URL chain is read from when none is passed in. */
export function deploymentFile(env: Pick<RuntimeEnv, "dataDir">): string {
  return path.join(env.dataDir, "chain", "deployment.json");
}

/** The deployment description served at `url` (`npm run chain`'s GET /deployment.json). */
export async function fetchDeployment(url: string, timeoutMs = 10_000): Promise<Deployment> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    throw new Error(`CHAIN_DEPLOYMENT_URL does not answer: ${(err as Error & { cause?: unknown }).cause ?? (err as Error).message}`);
  }
  if (!res.ok) throw new Error(`CHAIN_DEPLOYMENT_URL answered HTTP ${res.status}`);
  const parsed: unknown = await res.json().catch(() => null);
  if (!isDeployment(parsed)) throw new Error("CHAIN_DEPLOYMENT_URL did not answer a deployment description (chainId, contracts, tokens, pools, accounts)");
  return parsed;
}

export function readDeploymentFile(file: string): Deployment | null {
  if (!fs.existsSync(file)) return null;
  const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!isDeployment(parsed)) throw new Error(`${file} is not a deployment description (chainId, contracts, tokens, pools, accounts)`);
  return parsed;
}

/**
 * The chain for this process's environment: RPC_URL → that chain (CHAIN_ID checked when
 * set); otherwise the embedded chain, seeded and served on 127.0.0.1.
 */
export async function createChainFromEnv(
  env: Pick<RuntimeEnv, "rpcUrl" | "chainId" | "dataDir"> & Partial<Pick<RuntimeEnv, "chainDeploymentUrl">>,
  opts: { deployment?: Deployment | null; local?: LocalChainOptions } = {},
): Promise<ChainHandle> {
  if (!env.rpcUrl) return startLocalChain({ serve: true, chainId: env.chainId ?? undefined, ...opts.local });
  const network = env.chainId ? Network.from(env.chainId) : undefined;
  const provider = new JsonRpcProvider(env.rpcUrl, network, network ? { staticNetwork: network } : {});
  let actual: number;
  try {
    actual = Number(await provider.send("eth_chainId", []));
  } catch (err) {
    provider.destroy();
    throw new Error(`RPC_URL does not answer eth_chainId: ${(err as Error).message}`);
  }
  if (env.chainId && actual !== env.chainId) {
    provider.destroy();
    throw new Error(`RPC_URL reports chain id ${actual}, CHAIN_ID says ${env.chainId}`);
  }
  let deployment: Deployment | null;
  try {
    deployment = opts.deployment !== undefined ? opts.deployment : env.chainDeploymentUrl ? await fetchDeployment(env.chainDeploymentUrl) : readDeploymentFile(deploymentFile(env));
  } catch (err) {
    provider.destroy();
    throw err;
  }
  if (deployment && deployment.chainId !== actual) {
    provider.destroy();
    throw new Error(`deployment description is for chain ${deployment.chainId}, RPC_URL is chain ${actual}`);
  }
  return { kind: "rpc", provider, deployment, rpcUrl: env.rpcUrl, devKeys: [], close: async () => provider.destroy() };
}

/* One chain per process, shared by the services that need it (wallet, dex, ...). */
const shared = new Map<string, { refs: number; handle: Promise<ChainHandle> }>();

function sharedKey(env: Pick<RuntimeEnv, "rpcUrl" | "chainId">): string {
  return env.rpcUrl ?? `local:${env.chainId ?? 31337}`;
}

export function acquireChain(env: Pick<RuntimeEnv, "rpcUrl" | "chainId" | "dataDir"> & Partial<Pick<RuntimeEnv, "chainDeploymentUrl">>, opts?: Parameters<typeof createChainFromEnv>[1]): Promise<ChainHandle> {
  const key = sharedKey(env);
  let entry = shared.get(key);
  if (!entry) {
    entry = { refs: 0, handle: createChainFromEnv(env, opts) };
    shared.set(key, entry);
    entry.handle.catch(() => shared.delete(key));
  }
  entry.refs += 1;
  return entry.handle;
}

export async function releaseChain(env: Pick<RuntimeEnv, "rpcUrl" | "chainId">): Promise<void> {
  const key = sharedKey(env);
  const entry = shared.get(key);
  if (!entry) return;
  entry.refs -= 1;
  if (entry.refs > 0) return;
  shared.delete(key);
  await (await entry.handle.catch(() => null))?.close();
}

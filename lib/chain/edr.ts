/**
 * An in-process EVM: EDR (hardhat 3's Rust EVM) used directly. EDR is a native N-API
 * module loaded with plain `require`, so it works both under jest (CommonJS, no VM
 * modules) and in the built `node dist/...`; hardhat 3 itself is ESM-only and is not
 * needed for a local network.
 */
import { Wallet, getBytes } from "ethers";

/** The well-known hardhat/anvil dev keys ("test test ... junk" mnemonic); public, for local chains only. */
export const DEV_PRIVATE_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
  "0x92db14e403b83dfe3df233f83dfa3a0d7096f21ca9b0d6d6b8d88b2b4ec1564e",
  "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356",
  "0xdbda1821b80551c9d65939329250298aa3472ba22feea921c0cf5d620ea67b97",
  "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6",
] as const;

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | Record<string, unknown> }): Promise<unknown>;
}

export interface EdrChainOptions {
  chainId?: number;
  /** Private keys funded at genesis (default: the 10 dev keys). */
  accounts?: readonly string[];
  /** Genesis balance of each account in wei (default 10,000 ETH). */
  balanceWei?: bigint;
  /** Mine every transaction at once (default true); turn off to test pending transactions. */
  autoMine?: boolean;
  initialBaseFeePerGas?: bigint;
  blockGasLimit?: bigint;
}

/** A JSON-RPC error from the EVM, shaped like a node's: `code`, `message`, `data` (revert data). */
export class RpcError extends Error {
  constructor(message: string, public readonly code: number, public readonly data?: unknown) {
    super(message);
    this.name = "RpcError";
  }
}

export interface EdrChain extends Eip1193Provider {
  chainId: number;
  /** Raw JSON-RPC: one request object in, one response object out (for an HTTP front end). */
  handle(request: { id?: unknown; method: string; params?: unknown }): Promise<{ jsonrpc: "2.0"; id: unknown; result?: unknown; error?: { code: number; message: string; data?: unknown } }>;
  close(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
type EdrModule = typeof import("@nomicfoundation/edr");
let edrModule: EdrModule | null = null;
let edrContext: Promise<InstanceType<EdrModule["EdrContext"]>> | null = null;

function edr(): EdrModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  edrModule ??= require("@nomicfoundation/edr") as EdrModule;
  return edrModule;
}

/** EDR allows one context per process; every chain shares it. */
function context(): Promise<InstanceType<EdrModule["EdrContext"]>> {
  edrContext ??= (async () => {
    const m = edr();
    const ctx = new m.EdrContext();
    await ctx.registerProviderFactory(m.L1_CHAIN_TYPE, m.l1ProviderFactory());
    return ctx;
  })();
  return edrContext;
}

export async function startEdrChain(opts: EdrChainOptions = {}): Promise<EdrChain> {
  const m = edr();
  const chainId = opts.chainId ?? 31337;
  const keys = [...(opts.accounts ?? DEV_PRIVATE_KEYS)];
  const balance = opts.balanceWei ?? 10_000n * 10n ** 18n;
  const hardfork = m.l1HardforkLatest();
  const genesisState = [
    ...m.l1GenesisState(hardfork),
    ...keys.map((k) => ({ address: getBytes(new Wallet(k).address), balance, code: new Uint8Array() })),
  ];
  const gasLimit = opts.blockGasLimit ?? 60_000_000n;
  const provider = await (await context()).createProvider(
    m.L1_CHAIN_TYPE,
    {
      allowBlocksWithSameTimestamp: false,
      allowUnlimitedContractSize: false,
      // eth_call / eth_estimateGas answer reverts with an error (as nodes do); a reverting
      // transaction is still mined with status 0, as on a real chain.
      bailOnCallFailure: true,
      bailOnTransactionFailure: false,
      chainId: BigInt(chainId),
      coinbase: getBytes("0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e"),
      defaultTransactionGasLimit: 16_000_000n,
      genesisState,
      hardfork: m.l1HardforkToString(hardfork),
      initialBaseFeePerGas: opts.initialBaseFeePerGas ?? 1_000_000_000n,
      minGasPrice: 0n,
      mining: { autoMine: opts.autoMine ?? true, blockGasLimit: gasLimit, memPool: { order: m.MineOrdering.Priority } },
      network: { genesisBlockGasLimit: gasLimit, genesisBlockTime: BigInt(Math.floor(Date.now() / 1000)) },
      networkId: BigInt(chainId),
      observability: {},
      ownedAccounts: keys,
      precompileOverrides: [],
    },
    { enable: false, decodeConsoleLogInputsCallback: () => [], printLineCallback: () => undefined },
    { subscriptionCallback: () => undefined },
    new m.ContractDecoder(),
  );

  let closed = false;
  let nextId = 1;
  const handle: EdrChain["handle"] = async (req) => {
    const id = req.id ?? nextId++;
    if (closed) return { jsonrpc: "2.0", id, error: { code: -32603, message: "chain closed" } };
    const res = await provider.handleRequest(JSON.stringify({ jsonrpc: "2.0", id, method: req.method, params: req.params ?? [] }));
    const body = typeof res.data === "string" ? JSON.parse(res.data) : res.data;
    return { ...body, jsonrpc: "2.0", id };
  };
  return {
    chainId,
    handle,
    async request({ method, params }) {
      const res = await handle({ method, params });
      if (res.error) throw new RpcError(res.error.message, res.error.code, res.error.data);
      return res.result;
    },
    async close() {
      closed = true;
    },
  };
}

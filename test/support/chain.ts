/** Helpers for tests on the embedded chain: ERC-20 contracts, ABIs, percentile. */
import { Contract, type ContractRunner } from "ethers";
import { ARTIFACTS, type Deployment, type LocalChain, type PoolInfo } from "../../lib/chain";

export const erc20 = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.ERC20PresetMinterPauser().abi, runner);
export const v2Router = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.UniswapV2Router02().abi, runner);
export const swapRouter = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.SwapRouter().abi, runner);
export const quoterV2 = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.QuoterV2().abi, runner);
export const v3Pool = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.UniswapV3Pool().abi, runner);

/**
 * Per test: a snapshot of the chain taken before and reverted to after (automine back on first,
 * for a test that turned it off), so every test starts from the same chain state.
 */
export function revertChainAfterEach(chain: () => LocalChain): void {
  let snap: string;
  beforeEach(async () => {
    snap = await chain().snapshot();
  });
  afterEach(async () => {
    await chain().setAutomine(true);
    await chain().revert(snap);
  });
}

/** The seeded WETH/USDC pool of `kind` (and of fee tier `fee`, when given). */
export function wethUsdcPool(deployment: Deployment, kind: "v2" | "v3", fee?: number): PoolInfo {
  const pool = deployment.pools.find((p) => p.kind === kind && (fee === undefined || p.fee === fee) && [p.token0, p.token1].includes("WETH") && [p.token0, p.token1].includes("USDC"));
  if (!pool) throw new Error(`no seeded WETH/USDC ${kind} pool${fee === undefined ? "" : ` with fee ${fee}`}`);
  return pool;
}

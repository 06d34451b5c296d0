/** Helpers for tests on the embedded chain: ERC-20 contracts, ABIs, percentile. */
import { Contract, type ContractRunner } from "ethers";
import { ARTIFACTS } from "../../lib/chain";

export const erc20 = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.ERC20PresetMinterPauser().abi, runner);
export const v2Router = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.UniswapV2Router02().abi, runner);
export const swapRouter = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.SwapRouter().abi, runner);
export const quoterV2 = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.QuoterV2().abi, runner);
export const v3Pool = (address: string, runner: ContractRunner) => new Contract(address, ARTIFACTS.UniswapV3Pool().abi, runner);

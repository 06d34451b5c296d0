/**
 * Compiled contracts from the npm packages (no solc on these machines): Uniswap V2/V3
 * core and periphery, WETH9 and OpenZeppelin 4's ERC20PresetMinterPauser.
 */
import { keccak256, type InterfaceAbi } from "ethers";

export interface Artifact {
  name: string;
  abi: InterfaceAbi;
  bytecode: string;
}

function load(name: string, file: string): Artifact {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const json = require(file) as { abi: InterfaceAbi; bytecode: string };
  const code = json.bytecode.startsWith("0x") ? json.bytecode : `0x${json.bytecode}`;
  return { name, abi: json.abi, bytecode: code };
}

const cache = new Map<string, Artifact>();
function artifact(name: string, file: string): Artifact {
  let a = cache.get(name);
  if (!a) cache.set(name, (a = load(name, file)));
  return a;
}

const V3C = "@uniswap/v3-core/artifacts/contracts";
const V3P = "@uniswap/v3-periphery/artifacts/contracts";

export const ARTIFACTS = {
  WETH9: () => artifact("WETH9", "@uniswap/v2-periphery/build/WETH9.json"),
  UniswapV2Factory: () => artifact("UniswapV2Factory", "@uniswap/v2-core/build/UniswapV2Factory.json"),
  UniswapV2Pair: () => artifact("UniswapV2Pair", "@uniswap/v2-core/build/UniswapV2Pair.json"),
  UniswapV2Router02: () => artifact("UniswapV2Router02", "@uniswap/v2-periphery/build/UniswapV2Router02.json"),
  UniswapV3Factory: () => artifact("UniswapV3Factory", `${V3C}/UniswapV3Factory.sol/UniswapV3Factory.json`),
  UniswapV3Pool: () => artifact("UniswapV3Pool", `${V3C}/UniswapV3Pool.sol/UniswapV3Pool.json`),
  SwapRouter: () => artifact("SwapRouter", `${V3P}/SwapRouter.sol/SwapRouter.json`),
  QuoterV2: () => artifact("QuoterV2", `${V3P}/lens/QuoterV2.sol/QuoterV2.json`),
  NonfungiblePositionManager: () => artifact("NonfungiblePositionManager", `${V3P}/NonfungiblePositionManager.sol/NonfungiblePositionManager.json`),
  ERC20PresetMinterPauser: () => artifact("ERC20PresetMinterPauser", "@openzeppelin/contracts/build/contracts/ERC20PresetMinterPauser.json"),
};

/** The pair init-code hash hard-coded in UniswapV2Library.pairFor (Router02). */
export const V2_ROUTER_PAIR_INIT_CODE_HASH = "0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f";

export function v2PairInitCodeHash(): string {
  return keccak256(ARTIFACTS.UniswapV2Pair().bytecode);
}

/**
 * ERC20PresetMinterPauser with `decimals()` returning `decimals` instead of 18. The preset
 * hard-codes 18 as the single `PUSH1 0x12` of its runtime code (in `decimals()`); that byte
 * is patched in the creation code. seedLocalChain checks `decimals()` after deployment.
 */
export function erc20WithDecimals(decimals: number): Artifact {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 36) throw new RangeError(`decimals must be 0-36, got ${decimals}`);
  const base = ARTIFACTS.ERC20PresetMinterPauser();
  if (decimals === 18) return base;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const json = require("@openzeppelin/contracts/build/contracts/ERC20PresetMinterPauser.json") as { deployedBytecode: string };
  const creation = Buffer.from(base.bytecode.slice(2), "hex");
  const runtime = Buffer.from(json.deployedBytecode.slice(2), "hex");
  const runtimeAt = creation.indexOf(runtime.subarray(0, 64));
  const pushes: number[] = [];
  for (let i = 0; i < runtime.length; ) {
    const op = runtime[i];
    if (op === 0x60 && runtime[i + 1] === 0x12) pushes.push(i);
    if (op === 0xfe && i > runtime.length - 100) break; // INVALID before the CBOR metadata: data follows
    i += op >= 0x60 && op <= 0x7f ? op - 0x5e : 1;
  }
  if (runtimeAt < 0 || pushes.length !== 1) throw new Error("ERC20PresetMinterPauser bytecode is not the expected OpenZeppelin 4.9 build");
  const patched = Buffer.from(creation);
  patched[runtimeAt + pushes[0] + 1] = decimals;
  return { name: `ERC20PresetMinterPauser(decimals=${decimals})`, abi: base.abi, bytecode: `0x${patched.toString("hex")}` };
}

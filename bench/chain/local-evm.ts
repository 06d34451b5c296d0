/** Embedded EVM figures: start, deploy+seed, and V2 swap latency (p50/p99) through ethers. */
import { Contract, NonceManager, Wallet, parseUnits } from "ethers";
import { ARTIFACTS, startLocalChain } from "../../lib/chain";

async function main(): Promise<void> {
  const N = Number(process.env.SWAPS ?? 200);
  const local = await startLocalChain();
  const d = local.deployment;
  const trader = new NonceManager(new Wallet(local.devKeys[1], local.provider));
  const me = await trader.getAddress();
  const weth = new Contract(d.tokens.WETH.address, ARTIFACTS.WETH9().abi, trader);
  const router = new Contract(d.contracts.v2Router02, ARTIFACTS.UniswapV2Router02().abi, trader);
  const amountIn = parseUnits("0.01", 18);
  await (await weth.approve(d.contracts.v2Router02, amountIn * BigInt(N))).wait();
  const path = [d.tokens.WETH.address, d.tokens.USDC.address];
  const lat: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const rc = await (await router.swapExactTokensForTokens(amountIn, 0, path, me, 2n ** 40n)).wait();
    if (rc.status !== 1) throw new Error("swap failed");
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))].toFixed(2);
  console.log(`local EVM (EDR in-process): start ${local.timings.startMs.toFixed(0)} ms, deploy+seed ${local.timings.seedMs.toFixed(0)} ms`);
  console.log(`V2 swap (send + receipt) x${N}: p50 ${pct(50)} ms, p99 ${pct(99)} ms`);
  await local.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

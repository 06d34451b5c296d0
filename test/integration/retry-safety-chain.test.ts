/**
 * Chain writes (wallet.transfer, dex.swap, liquidity add/remove) are never repeated blindly:
 * on the broker's real options (retry policy on), a write whose answer comes after the
 * caller's timeout is sent once, and a transaction not mined within the call's time
 * (automine off) is answered with its hash as pending, then followed with wallet.txStatus.
 */
import { Errors, ServiceBroker } from "moleculer";
import { createBrokerOptions } from "../../moleculer.config";
import { acquireChain, releaseChain, type LocalChain } from "../../lib/chain";
import { SERVICE_FACTORIES } from "../../services";
import { erc20, wethUsdcPool } from "../support/chain";
import { testEnv } from "../support/env";
import { lateAnswer } from "../support/late-answer";

jest.setTimeout(60_000);

describe("chain writes are sent once", () => {
  const env = testEnv({ SERVICES: "wallet,dex,liquidity" });
  const late = lateAnswer();
  let broker: ServiceBroker;
  let chain: LocalChain;
  let snap: string;

  const account = () => chain.deployment.accounts[1].address; // dev-1
  const nonce = async (tag: "latest" | "pending" = "pending") => Number(await chain.provider.send("eth_getTransactionCount", [account(), tag]));
  const v2 = () => wethUsdcPool(chain.deployment, "v2");
  const approveAll = async (spender: string, tokens: string[]) => {
    for (const token of tokens) await broker.call("wallet.approve", { account: "dev-1", token, spender, unlimited: true });
  };

  beforeAll(async () => {
    broker = new ServiceBroker({ ...createBrokerOptions(env, [late.middleware]), logger: false });
    for (const name of env.services) broker.createService(SERVICE_FACTORIES[name](env));
    await broker.start();
    chain = (await acquireChain(env)) as LocalChain;
  });
  afterAll(async () => {
    await late.drained();
    await releaseChain(env);
    await broker?.stop();
    env.cleanup();
  });
  beforeEach(async () => {
    snap = await chain.snapshot();
  });
  afterEach(async () => {
    await late.drained();
    await chain.setAutomine(true);
    await chain.revert(snap);
  });

  it("wallet.transfer answered after the caller's timeout is sent once and found by nonce", async () => {
    const before = await nonce();
    late.hold("wallet.transfer", 400);
    const call = broker.call("wallet.transfer", { account: "dev-1", to: chain.deployment.accounts[5].address, token: "USDC", amount: "5" }, { timeout: 150 });
    await expect(call).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
    await late.drained();
    expect(late.runs.get("wallet.transfer")).toBe(1);
    expect(await nonce()).toBe(before + 1);
    const [sent] = await broker.call<Array<{ hash: string; nonce: number }>, object>("wallet.txs", { account: "dev-1", nonce: before });
    expect(sent).toMatchObject({ nonce: before, kind: "erc20-transfer", status: "confirmed" });
    const [status] = await broker.call<Array<{ status: string }>, object>("wallet.txStatus", { hash: sent.hash });
    expect(status).toMatchObject({ hash: sent.hash, status: "confirmed" });
  });

  it("dex.swap answered after the caller's timeout swaps once", async () => {
    await approveAll(chain.deployment.contracts.v2Router02, ["WETH"]);
    const weth = erc20(chain.deployment.tokens.WETH.address, chain.provider);
    const [before, wethBefore] = [await nonce(), (await weth.balanceOf(account())) as bigint];
    // The swap calls wallet.sendTx within its caller's time: leave it room to send, then hold the answer past the timeout.
    late.hold("dex.swap", 2_500);
    const call = broker.call("dex.swap", { pool: v2().address, tokenIn: "WETH", amountIn: "1", account: "dev-1", slippageBps: 100 }, { timeout: 2_000 });
    await expect(call).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
    await late.drained();
    expect(late.runs.get("dex.swap")).toBe(1);
    expect(await nonce()).toBe(before + 1);
    expect(wethBefore - ((await weth.balanceOf(account())) as bigint)).toBe(10n ** 18n);
  });

  it("dex.swap not mined within the call's time answers pending with its hash, and is sent once", async () => {
    await approveAll(chain.deployment.contracts.v2Router02, ["WETH"]);
    await chain.setAutomine(false);
    const before = await nonce();
    const answer = await broker.call<{ status: string; hash: string; nonce: number; step: string }, object>(
      "dex.swap", { pool: v2().address, tokenIn: "WETH", amountIn: "1", account: "dev-1", slippageBps: 100 }, { timeout: 1500 },
    );
    expect(answer).toMatchObject({ status: "pending", step: "swap", nonce: before, reconcile: { action: "wallet.txStatus" } });
    expect(await nonce()).toBe(before + 1);
    const [pending] = await broker.call<Array<{ status: string }>, object>("wallet.txStatus", { hash: answer.hash });
    expect(pending.status).toBe("pending");
    await chain.mine();
    const [mined] = await broker.call<Array<{ status: string; hash: string }>, object>("wallet.txStatus", { hash: answer.hash });
    expect(mined).toMatchObject({ hash: answer.hash, status: "confirmed" });
    expect(await nonce("latest")).toBe(before + 1);
  });

  it("liquidity.v2Add answered after the caller's timeout adds once", async () => {
    await approveAll(chain.deployment.contracts.v2Router02, ["WETH", "USDC"]);
    const before = await nonce();
    late.hold("liquidity.v2Add", 400);
    const call = broker.call("liquidity.v2Add", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", amountA: "1", amountB: "3100" }, { timeout: 150 });
    await expect(call).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
    await late.drained();
    expect(late.runs.get("liquidity.v2Add")).toBe(1);
    expect(await nonce()).toBe(before + 1);
  });

  it("liquidity.v2Add not mined within the call's time answers pending with its hash", async () => {
    await approveAll(chain.deployment.contracts.v2Router02, ["WETH", "USDC"]);
    await chain.setAutomine(false);
    const before = await nonce();
    const answer = await broker.call<{ status: string; hash: string }, object>(
      "liquidity.v2Add", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", amountA: "1", amountB: "3100" }, { timeout: 1500 },
    );
    expect(answer).toMatchObject({ status: "pending", step: "V2 addLiquidity", nonce: before });
    await chain.mine();
    expect(await nonce("latest")).toBe(before + 1);
    const [mined] = await broker.call<Array<{ status: string }>, object>("wallet.txStatus", { hash: answer.hash });
    expect(mined.status).toBe("confirmed");
  });

  it("liquidity.v2Remove answered after the caller's timeout removes once", async () => {
    const added = await broker.call<{ liquidity: { amount: string; baseUnits: string } }, object>("liquidity.v2Add", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", amountA: "1", amountB: "3100" });
    const lp = erc20(v2().address, chain.provider);
    const lpBefore = (await lp.balanceOf(account())) as bigint;
    late.hold("liquidity.v2Remove", 400);
    const half = (BigInt(added.liquidity.baseUnits) / 2n).toString();
    const call = broker.call("liquidity.v2Remove", { account: "dev-1", tokenA: "WETH", tokenB: "USDC", liquidity: formatLp(half) }, { timeout: 150 });
    await expect(call).rejects.toBeInstanceOf(Errors.RequestTimeoutError);
    await late.drained();
    expect(late.runs.get("liquidity.v2Remove")).toBe(1);
    expect(lpBefore - ((await lp.balanceOf(account())) as bigint)).toBe(BigInt(half));
  });
});

/** LP base units (18 decimals) as a decimal string. */
function formatLp(baseUnits: string): string {
  const padded = baseUnits.padStart(19, "0");
  return `${padded.slice(0, -18)}.${padded.slice(-18)}`.replace(/\.?0+$/, "");
}

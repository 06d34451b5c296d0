/**
 * The wallet service on the embedded chain (dev accounts): concurrent transfers get
 * consecutive nonces, exact vs unlimited approvals, clear errors, speed-up of a pending
 * transaction with automine off, and the tx events.
 */
import { MaxUint256 } from "ethers";
import { ServiceBroker } from "moleculer";
import { acquireChain, releaseChain, type LocalChain } from "../../lib/chain";
import createWalletService from "../../services/wallet.service";
import { revertChainAfterEach } from "../support/chain";
import { testEnv } from "../support/env";

describe("wallet service", () => {
  const env = testEnv({ SERVICES: "wallet" });
  let broker: ServiceBroker;
  let chain: LocalChain;
  const events: Array<{ name: string; payload: any }> = [];

  beforeAll(async () => {
    broker = new ServiceBroker({ logger: false, nodeID: env.nodeID, namespace: env.namespace });
    broker.createService(createWalletService(env, { pollMs: 10 }));
    broker.createService({
      name: "listener",
      events: {
        "wallet.tx.*"(ctx: any) {
          events.push({ name: ctx.eventName, payload: ctx.params });
        },
      },
    });
    await broker.start();
    chain = (await acquireChain(env)) as LocalChain;
  });
  afterAll(async () => {
    await releaseChain(env);
    await broker?.stop();
    env.cleanup();
  });
  revertChainAfterEach(() => chain);
  beforeEach(() => {
    events.length = 0;
  });

  const waitFor = async (pred: () => boolean, ms = 5000) => {
    const end = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > end) throw new Error("condition not met in time");
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it("lists the seeded dev accounts and their balances as decimal strings", async () => {
    const { accounts } = await broker.call<any, any>("wallet.accounts", {});
    expect(accounts[0].label).toBe("deployer");
    expect(accounts).toHaveLength(10);
    const b = await broker.call<any, any>("wallet.balance", { account: "dev-1", token: "USDC" });
    expect(b).toMatchObject({ token: "USDC", decimals: 6, balance: "1000000", baseUnits: "1000000000000" });
    const eth = await broker.call<any, any>("wallet.balance", { account: "dev-1" });
    expect(eth.token).toBe("ETH");
    expect(typeof eth.balance).toBe("string");
  });

  it("sends 20 concurrent transfers from one account, all mined with consecutive nonces", async () => {
    const to = chain.deployment.accounts[3].address;
    const before = await broker.call<any, any>("wallet.balance", { account: to, token: "USDC" });
    const sent = await Promise.all(
      Array.from({ length: 20 }, () => broker.call<any, any>("wallet.transfer", { account: "dev-2", to, token: "USDC", amount: "1.5" })),
    );
    const nonces = sent.map((s) => s.nonce).sort((a, b) => a - b);
    expect(nonces).toEqual(Array.from({ length: 20 }, (_, i) => nonces[0] + i));
    await waitFor(() => events.filter((e) => e.name === "wallet.tx.confirmed").length === 20);
    for (const s of sent) expect((await chain.provider.getTransactionReceipt(s.hash))!.status).toBe(1);
    const after = await broker.call<any, any>("wallet.balance", { account: to, token: "USDC" });
    expect(BigInt(after.baseUnits) - BigInt(before.baseUnits)).toBe(30_000_000n);
    expect(events.filter((e) => e.name === "wallet.tx.sent")).toHaveLength(20);
  });

  it("approves exact amounts by default and unlimited only when asked", async () => {
    const spender = chain.deployment.contracts.v2Router02;
    const exact = await broker.call<any, any>("wallet.approve", { account: "dev-1", token: "WETH", spender, amount: "2.5" });
    expect(exact.kind).toBe("approve");
    await waitFor(() => events.some((e) => e.name === "wallet.tx.confirmed" && e.payload.hash === exact.hash));
    expect(await broker.call("wallet.allowance", { account: "dev-1", token: "WETH", spender })).toMatchObject({ allowance: "2.5", baseUnits: "2500000000000000000" });
    const unl = await broker.call<any, any>("wallet.approve", { account: "dev-1", token: "WETH", spender, unlimited: true });
    await waitFor(() => events.some((e) => e.name === "wallet.tx.confirmed" && e.payload.hash === unl.hash));
    const a = await broker.call<any, any>("wallet.allowance", { account: "dev-1", token: "WETH", spender });
    expect(a.baseUnits).toBe(MaxUint256.toString());
    await expect(broker.call("wallet.approve", { account: "dev-1", token: "WETH", spender })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
  });

  it("refuses a transfer above the balance with INSUFFICIENT_FUNDS and bad amounts with a validation error", async () => {
    const to = chain.deployment.accounts[4].address;
    await expect(broker.call("wallet.transfer", { account: "dev-1", to, token: "WBTC", amount: "11" })).rejects.toMatchObject({ code: 422, type: "INSUFFICIENT_FUNDS" });
    await expect(broker.call("wallet.transfer", { account: "dev-1", to, amount: "100000" })).rejects.toMatchObject({ type: "INSUFFICIENT_FUNDS" });
    await expect(broker.call("wallet.transfer", { account: "dev-1", to, token: "USDC", amount: "1.0000001" })).rejects.toMatchObject({ type: "VALIDATION_ERROR" });
    await expect(broker.call("wallet.transfer", { account: "dev-1", to, token: "USDC", amount: 1 as unknown as string })).rejects.toMatchObject({ name: "ValidationError" });
    // The nonce sequence is intact after refused sends.
    const ok = await broker.call<any, any>("wallet.transfer", { account: "dev-1", to, token: "USDC", amount: "1" });
    await waitFor(() => events.some((e) => e.name === "wallet.tx.confirmed" && e.payload.hash === ok.hash));
  });

  it("speeds up a pending transaction: the replacement is mined at the same nonce", async () => {
    await chain.setAutomine(false);
    const to = chain.deployment.accounts[5].address;
    const first = await broker.call<any, any>("wallet.transfer", { account: "dev-3", to, token: "USDC", amount: "7" });
    expect((await broker.call<any, any>("wallet.tx", { hash: first.hash })).status).toBe("pending");
    const fast = await broker.call<any, any>("wallet.speedUp", { hash: first.hash });
    expect(fast.nonce).toBe(first.nonce);
    expect(BigInt(fast.maxPriorityFeePerGas) > BigInt(first.maxPriorityFeePerGas)).toBe(true);
    await chain.mine();
    await waitFor(() => events.some((e) => e.name === "wallet.tx.confirmed" && e.payload.hash === fast.hash));
    expect(await chain.provider.getTransactionReceipt(first.hash)).toBeNull();
    expect((await broker.call<any, any>("wallet.tx", { hash: first.hash })).status).toBe("replaced");
    await expect(broker.call("wallet.speedUp", { hash: first.hash })).rejects.toMatchObject({ type: "TX_NOT_PENDING" });
  });

  it("cancels a pending transaction with a 0-value self-transfer", async () => {
    await chain.setAutomine(false);
    const to = chain.deployment.accounts[5].address;
    const first = await broker.call<any, any>("wallet.transfer", { account: "dev-4", to, amount: "1" });
    const cancel = await broker.call<any, any>("wallet.cancel", { hash: first.hash });
    expect(cancel).toMatchObject({ kind: "cancel", nonce: first.nonce, value: "0", to: first.from });
    await chain.mine();
    await waitFor(() => events.some((e) => e.name === "wallet.tx.confirmed" && e.payload.hash === cancel.hash));
  });

  it("reports a reverted transaction as wallet.tx.failed with the reason", async () => {
    // Router02 swap with an expired deadline reverts; gasLimit set so the send is not refused by estimation.
    const d = chain.deployment;
    const { Interface } = await import("ethers");
    const { ARTIFACTS } = await import("../../lib/chain");
    const data = new Interface(ARTIFACTS.UniswapV2Router02().abi as any).encodeFunctionData("swapExactTokensForTokens", [1n, 0n, [d.tokens.WETH.address, d.tokens.USDC.address], d.accounts[1].address, 1n]);
    const svc = broker.getLocalService("wallet") as any;
    const rec = await svc.wallet.send("dev-1", { to: d.contracts.v2Router02, data, gasLimit: 200000n });
    svc.sent({ emit: (n: string, p: unknown) => broker.emit(n, p) }, rec);
    await waitFor(() => events.some((e) => e.name === "wallet.tx.failed" && e.payload.hash === rec.hash));
    expect(events.find((e) => e.name === "wallet.tx.failed")!.payload.reason).toMatch(/EXPIRED/);
  });
});

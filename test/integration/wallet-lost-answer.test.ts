/**
 * A broadcast whose answer is lost (the node got the transaction, the reply never came):
 * the wallet answers status "unknown" with the hash it signed, does not send it again,
 * finds it by hash and nonce once mined, and the account's next send takes the next nonce.
 * The EVM is the real embedded chain; only the reply to eth_sendRawTransaction is dropped.
 */
import { BrowserProvider, Network } from "ethers";
import { acquireChain, releaseChain, type LocalChain } from "../../lib/chain";
import { EvmWallet } from "../../lib/wallet";
import { testEnv } from "../support/env";

describe("wallet: a broadcast without an answer", () => {
  const env = testEnv({ SERVICES: "wallet" });
  let chain: LocalChain;
  let wallet: EvmWallet;
  let dropNextReply = false;
  let broadcasts = 0;

  beforeAll(async () => {
    chain = (await acquireChain(env)) as LocalChain;
    const lossy = {
      request: async (args: { method: string; params?: unknown[] }) => {
        const result = await chain.chain.request(args as never);
        if (args.method === "eth_sendRawTransaction") {
          broadcasts++;
          if (dropNextReply) {
            dropNextReply = false;
            throw new Error("socket hang up");
          }
        }
        return result;
      },
    };
    const network = Network.from(chain.chain.chainId);
    wallet = new EvmWallet(new BrowserProvider(lossy, network, { staticNetwork: network, pollingInterval: 10 }), { pollMs: 10 });
    wallet.addAccount(chain.devKeys[6], "dev-6");
  });
  afterAll(async () => {
    await releaseChain(env);
    env.cleanup();
  });

  it("answers unknown with the signed hash, sends it once, reconciles it as confirmed and keeps the nonce sequence", async () => {
    const to = chain.deployment.accounts[5].address;
    const before = broadcasts;
    dropNextReply = true;
    const lost = await wallet.transfer("dev-6", to, "0.5");
    expect(lost).toMatchObject({ status: "unknown", reason: expect.stringContaining("socket hang up") });
    expect(broadcasts - before).toBe(1);
    const [found] = await wallet.reconcile(lost.hash);
    expect(found).toMatchObject({ hash: lost.hash, status: "confirmed" });
    expect(wallet.sentBy("dev-6", lost.nonce).map((r) => r.hash)).toEqual([lost.hash]);
    const next = await wallet.transfer("dev-6", to, "0.5");
    expect(next).toMatchObject({ status: "pending", nonce: lost.nonce + 1 });
  });

  it("a refusal the node answered is an error, nothing is recorded", async () => {
    await expect(wallet.send("dev-6", { to: chain.deployment.accounts[5].address, value: 10n ** 30n, gasLimit: 21_000n }, "native-transfer")).rejects.toMatchObject({ code: "INSUFFICIENT_FUNDS" });
    expect(wallet.sentBy("dev-6").every((r) => r.status !== "unknown")).toBe(true);
  });
});

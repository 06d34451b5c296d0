/**
 * One nonce sequence per account. Sign-and-send runs under a per-account lock, so
 * concurrent sends get consecutive nonces and a send the node refuses does not leave a
 * gap. When the lock was idle, the sequence re-reads the pending nonce from the node
 * (a raw `eth_getTransactionCount`, bypassing ethers' ~250 ms read cache), which heals
 * after evm_revert, external sends from the same key, or a refused transaction.
 */
import type { JsonRpcApiProvider } from "ethers";

export class NonceSequence {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private next: number | null = null;

  constructor(private readonly provider: JsonRpcApiProvider, readonly address: string) {}

  /**
   * Runs `send(nonce)` with the next nonce; the nonce is consumed only if `send` resolves.
   * `resync(result)` true: the send's outcome is unknown (a broadcast that got no answer), so
   * the next send re-reads the node's pending nonce instead of assuming either way.
   */
  use<T>(send: (nonce: number) => Promise<T>, resync: (result: T) => boolean = () => false): Promise<T> {
    this.waiting += 1;
    const run = async () => {
      try {
        if (this.next === null || this.waiting === 1) {
          this.next = Number(await this.provider.send("eth_getTransactionCount", [this.address, "pending"]));
        }
        const result = await send(this.next);
        this.next = resync(result) ? null : this.next + 1;
        return result;
      } catch (err) {
        this.next = null; // unknown state: resynchronise on the next send
        throw err;
      } finally {
        this.waiting -= 1;
      }
    };
    const p = this.tail.then(run, run);
    this.tail = p.catch(() => undefined);
    return p;
  }

  reset(): void {
    this.next = null;
  }
}

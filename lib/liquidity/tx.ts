/**
 * Sending through the wallet's signer (one nonce sequence per account), simulating
 * with eth_call first, and reading receipts' logs. No broker.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { Contract, Interface, getAddress, type JsonRpcApiProvider, type Log } from "ethers";
import { ERC20_ABI, WalletError, toWalletError, type TxKind, type TxRecord } from "../wallet";
import { LiquidityError, SLIPPAGE_REASONS } from "./errors";

/** What liquidity needs from a wallet: EvmWallet satisfies it. */
export interface TxSender {
  resolve(account: string): string;
  send(account: string, req: { to: string; value?: bigint; data?: string; gasLimit?: bigint }, kind?: TxKind): Promise<TxRecord>;
  waitFor(hash: string, confirmations?: number, timeoutMs?: number): Promise<TxRecord>;
}

export interface Mined {
  tx: TxRecord;
  logs: Log[];
}

export const erc20Iface = new Interface(ERC20_ABI);

/** Maps a wallet/ethers error to a LiquidityError (reverts of min-amount checks → SLIPPAGE_EXCEEDED). */
export function toLiquidityError(err: unknown, what: string): LiquidityError {
  if (err instanceof LiquidityError) return err;
  const w = toWalletError(err);
  if (w.code === "TX_REVERTED") {
    const reason = String(w.data.reason ?? "execution reverted");
    if (SLIPPAGE_REASONS.test(reason)) return new LiquidityError("SLIPPAGE_EXCEEDED", `${what}: minimum amounts not met (${reason})`, { reason });
    if (/STF|TRANSFER_FROM_FAILED|transfer amount exceeds balance/.test(reason)) return new LiquidityError("INSUFFICIENT_FUNDS", `${what}: token transfer failed (${reason})`, { reason });
    return new LiquidityError("TX_FAILED", `${what} reverted: ${reason}`, { reason });
  }
  if (w.code === "INSUFFICIENT_FUNDS") return new LiquidityError("INSUFFICIENT_FUNDS", `${what}: ${w.message}`);
  return new LiquidityError("TX_FAILED", `${what}: ${w.message}`, { walletCode: w.code });
}

/** When the current call's transactions must stop waiting (epoch ms), set by `withWaitDeadline`. */
const waitDeadline = new AsyncLocalStorage<number>();

/** Runs `fn` with its transaction waits bounded by `ms` (null: the default wait). */
export function withWaitDeadline<T>(ms: number | null, fn: () => Promise<T>): Promise<T> {
  return ms === null ? fn() : waitDeadline.run(Date.now() + ms, fn);
}

const DEFAULT_WAIT_MS = 120_000;

/** ms the current call may still wait for a transaction (the default when no deadline is set). */
export function currentWaitMs(fallbackMs = DEFAULT_WAIT_MS): number {
  const deadline = waitDeadline.getStore();
  return deadline === undefined ? fallbackMs : Math.max(0, deadline - Date.now());
}

export class TxRunner {
  constructor(readonly provider: JsonRpcApiProvider, readonly sender: TxSender, readonly confirmations = 1) {}

  /** eth_call from `from`; returns the raw result or throws a LiquidityError with the revert reason. */
  async simulate(from: string, to: string, data: string, what: string): Promise<string> {
    try {
      return await this.provider.call({ from, to, data });
    } catch (err) {
      throw toLiquidityError(err, what);
    }
  }

  /** Sends, waits for the receipt and returns its logs; a failed transaction throws. */
  async execute(account: string, to: string, data: string, what: string, kind: TxKind = "call"): Promise<Mined> {
    let tx: TxRecord;
    try {
      tx = await this.sender.send(account, { to, data }, kind);
    } catch (err) {
      throw toLiquidityError(err, what);
    }
    const done = tx.status === "unknown" ? tx : await this.sender.waitFor(tx.hash, this.confirmations, currentWaitMs()).catch((err: unknown) => {
      if (err instanceof WalletError && err.code === "TIMEOUT") return { ...tx, status: "pending" as const };
      throw err;
    });
    if (done.status === "pending" || done.status === "unknown") {
      // Not mined in the caller's time: it is not sent again; the caller follows it by hash.
      throw new LiquidityError("TX_PENDING", `${what}: transaction ${done.hash} is not mined yet`, { hash: done.hash, nonce: done.nonce, from: done.from, status: done.status, step: what });
    }
    if (done.status !== "confirmed") throw new LiquidityError("TX_FAILED", `${what} failed: ${done.reason ?? done.status}`, { hash: done.hash, reason: done.reason });
    const rc = (await this.provider.send("eth_getTransactionReceipt", [done.hash])) as { logs: Array<{ address: string; topics: string[]; data: string }> };
    return { tx: done, logs: rc.logs as unknown as Log[] };
  }

  /** Approves `spender` for exactly `amount` when the allowance is below it. */
  async ensureAllowance(account: string, token: string, spender: string, amount: bigint): Promise<TxRecord | null> {
    if (amount === 0n) return null;
    const owner = this.sender.resolve(account);
    const current = (await new Contract(token, ERC20_ABI, this.provider).allowance(owner, spender)) as bigint;
    if (current >= amount) return null;
    const data = erc20Iface.encodeFunctionData("approve", [getAddress(spender), amount]);
    return (await this.execute(account, token, data, `approve ${token}`, "approve")).tx;
  }

  async balanceOf(token: string, owner: string): Promise<bigint> {
    return (await new Contract(token, ERC20_ABI, this.provider).balanceOf(owner)) as bigint;
  }

  /** Deadline = latest block timestamp + seconds (the chain's clock, not the host's). */
  async deadline(seconds: number): Promise<bigint> {
    const block = (await this.provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    return BigInt(block.timestamp) + BigInt(seconds);
  }
}

/** Decoded events of one contract from a receipt's logs. */
export function eventsOf(iface: Interface, address: string, logs: Log[], name: string): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  for (const log of logs) {
    if (log.address.toLowerCase() !== address.toLowerCase()) continue;
    try {
      const parsed = iface.parseLog({ topics: [...log.topics], data: log.data });
      if (parsed?.name === name) out.push(parsed.args.toObject());
    } catch {
      /* another event */
    }
  }
  return out;
}

/**
 * EVM accounts on one chain: signing with one nonce sequence per account, EIP-1559 fees
 * within a cap, ERC-20 helpers (exact approvals by default), confirmation waits and
 * replacement of stuck transactions (speed-up, cancel). No broker: the wallet service
 * wraps this.
 */
import { Contract, MaxUint256, Wallet, getAddress, keccak256, parseUnits, formatUnits, type JsonRpcApiProvider } from "ethers";
import { WalletError, toWalletError } from "./errors";
import { DEFAULT_FEE_POLICY, bumpedFees, feeFields, type FeeFields, type FeePolicy } from "./fees";
import { NonceSequence } from "./nonce";

export const ERC20_ABI = [
  "function balanceOf(address) view returns (uint256)",
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function transfer(address to, uint256 amount) returns (bool)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

export interface TokenRef {
  address: string;
  decimals: number;
  symbol?: string;
}

export type TxKind = "native-transfer" | "erc20-transfer" | "approve" | "call" | "speed-up" | "cancel";
/** unknown: signed and broadcast, but the node's answer was lost; reconcile (`reconcile`) finds out. */
export type TxStatus = "pending" | "confirmed" | "failed" | "replaced" | "unknown";

export interface TxRecord {
  hash: string;
  kind: TxKind;
  from: string;
  to: string;
  nonce: number;
  value: string;
  data: string;
  gasLimit: string;
  maxFeePerGas: string;
  maxPriorityFeePerGas: string;
  status: TxStatus;
  replaces?: string;
  replacedBy?: string;
  blockNumber?: number;
  gasUsed?: string;
  reason?: string;
}

export interface WalletOptions {
  feePolicy?: Partial<FeePolicy>;
  /** Receipt polling period in ms (default 1000; 20 suits the in-process chain). */
  pollMs?: number;
}

const DECIMAL = /^\d+(\.\d+)?$/;

export function toBaseUnits(amount: string, decimals: number, field = "amount"): bigint {
  if (!DECIMAL.test(amount)) throw new WalletError("INVALID_AMOUNT", `${field} must be a decimal string such as "1.5"`, { field });
  const frac = amount.split(".")[1] ?? "";
  if (frac.length > decimals) throw new WalletError("INVALID_AMOUNT", `${field} has more than ${decimals} decimals`, { field });
  return parseUnits(amount, decimals);
}

export const fromBaseUnits = (v: bigint, decimals: number) => formatUnits(v, decimals).replace(/\.0$/, "");

/** True when the node answered with a JSON-RPC error (a refusal), not when the answer never came. */
function answeredByNode(err: unknown): boolean {
  const e = err as { code?: unknown; error?: { code?: unknown }; info?: { error?: { code?: unknown } } } | null;
  return typeof e?.code === "number" || typeof e?.error?.code === "number" || typeof e?.info?.error?.code === "number";
}

export class EvmWallet {
  private readonly signers = new Map<string, { wallet: Wallet; label: string; nonces: NonceSequence }>();
  private readonly txs = new Map<string, TxRecord>();
  readonly policy: FeePolicy;
  readonly pollMs: number;

  constructor(readonly provider: JsonRpcApiProvider, opts: WalletOptions = {}) {
    this.policy = { ...DEFAULT_FEE_POLICY, ...opts.feePolicy };
    this.pollMs = opts.pollMs ?? 1000;
  }

  addAccount(privateKey: string, label?: string): string {
    const wallet = new Wallet(privateKey, this.provider);
    this.signers.set(wallet.address, { wallet, label: label ?? wallet.address, nonces: new NonceSequence(this.provider, wallet.address) });
    return wallet.address;
  }

  accounts(): Array<{ address: string; label: string }> {
    return [...this.signers.entries()].map(([address, s]) => ({ address, label: s.label }));
  }

  /** Address for a label or an address of a held account. */
  resolve(account: string): string {
    for (const [address, s] of this.signers) if (s.label === account || address.toLowerCase() === account.toLowerCase()) return address;
    throw new WalletError("TX_NOT_FOUND", `unknown account ${account}`, { field: "account" });
  }

  private signer(account: string) {
    return this.signers.get(this.resolve(account))!;
  }

  resetNonces(): void {
    for (const s of this.signers.values()) s.nonces.reset();
  }

  token(address: string): Contract {
    return new Contract(address, ERC20_ABI, this.provider);
  }

  async nativeBalance(account: string): Promise<bigint> {
    return BigInt(await this.provider.send("eth_getBalance", [account.startsWith("0x") ? account : this.resolve(account), "latest"]));
  }

  async tokenBalance(token: TokenRef, owner: string): Promise<bigint> {
    return (await this.token(token.address).balanceOf(owner)) as bigint;
  }

  async allowance(token: TokenRef, owner: string, spender: string): Promise<bigint> {
    return (await this.token(token.address).allowance(owner, spender)) as bigint;
  }

  /** Signs and sends with the account's next nonce; fees from the node within the cap. */
  async send(account: string, req: { to: string; value?: bigint; data?: string; gasLimit?: bigint }, kind: TxKind = "call", fees?: FeeFields, nonce?: number): Promise<TxRecord> {
    const s = this.signer(account);
    try {
      const f = fees ?? (await feeFields(this.provider, this.policy));
      const base = { to: getAddress(req.to), value: req.value ?? 0n, data: req.data ?? "0x", chainId: (await this.provider.getNetwork()).chainId, type: 2, ...f };
      // An estimate is exact for the state it ran on; the mined block may differ (a new timestamp
      // makes a V3 pool write its oracle, for one), so leave the usual 20% headroom.
      const gasLimit = req.gasLimit ?? ((await this.provider.estimateGas({ ...base, from: s.wallet.address })) * 120n) / 100n;
      // The hash is known once signed, so the record exists before the broadcast: a send whose
      // answer is lost is still found by hash or by (account, nonce).
      const sendWith = async (n: number): Promise<TxRecord> => {
        const raw = await s.wallet.signTransaction({ ...base, gasLimit, nonce: n });
        const rec: TxRecord = {
          hash: keccak256(raw), kind, from: s.wallet.address, to: base.to, nonce: n, value: base.value.toString(), data: base.data, gasLimit: gasLimit.toString(),
          maxFeePerGas: f.maxFeePerGas.toString(), maxPriorityFeePerGas: f.maxPriorityFeePerGas.toString(), status: "pending",
        };
        this.remember(rec);
        try {
          await this.provider.send("eth_sendRawTransaction", [raw]);
        } catch (err) {
          const mapped = toWalletError(err);
          // A refusal is definite: nothing was sent. No answer (RPC down, timeout) may still have been sent.
          if (mapped.code !== "RPC_UNAVAILABLE" || answeredByNode(err)) {
            this.txs.delete(rec.hash);
            throw mapped;
          }
          rec.status = "unknown";
          rec.reason = mapped.message;
        }
        return rec;
      };
      return nonce === undefined ? await s.nonces.use(sendWith, (rec) => rec.status === "unknown") : await sendWith(nonce);
    } catch (err) {
      throw toWalletError(err);
    }
  }

  async transfer(account: string, to: string, amount: string, token?: TokenRef): Promise<TxRecord> {
    const from = this.resolve(account);
    const decimals = token?.decimals ?? 18;
    const units = toBaseUnits(amount, decimals);
    const balance = token ? await this.tokenBalance(token, from) : await this.nativeBalance(from);
    if (balance < units) {
      throw new WalletError("INSUFFICIENT_FUNDS", `balance ${fromBaseUnits(balance, decimals)} ${token?.symbol ?? "ETH"} is below ${amount}`, {
        balance: fromBaseUnits(balance, decimals), required: amount,
      });
    }
    if (!token) return this.send(from, { to, value: units }, "native-transfer");
    const data = this.token(token.address).interface.encodeFunctionData("transfer", [getAddress(to), units]);
    return this.send(from, { to: token.address, data }, "erc20-transfer");
  }

  /** Approves exactly `amount`; unlimited (2^256-1) only when asked. */
  async approve(account: string, token: TokenRef, spender: string, amount: string | null, unlimited = false): Promise<TxRecord> {
    const units = unlimited ? MaxUint256 : toBaseUnits(amount ?? "", token.decimals);
    const data = this.token(token.address).interface.encodeFunctionData("approve", [getAddress(spender), units]);
    return this.send(account, { to: token.address, data }, "approve");
  }

  get(hash: string): TxRecord | undefined {
    return this.txs.get(hash);
  }

  /** Records of an account, newest first (optionally one nonce: the original and its replacements). */
  sentBy(account: string, nonce?: number): TxRecord[] {
    const from = this.resolve(account);
    // The map keeps sending order: reversed, then by nonce, newest first.
    return [...this.txs.values()].reverse().filter((r) => r.from === from && (nonce === undefined || r.nonce === nonce)).sort((a, b) => b.nonce - a.nonce);
  }

  /**
   * One look at the chain for a transaction's nonce group: the record that was mined
   * (confirmed or failed), or, not mined yet, each record as pending when the node holds it
   * and unknown when it does not (a lost broadcast: its nonce is free again unless the
   * account's nonce moved past it, in which case it failed).
   */
  async reconcile(hash: string): Promise<TxRecord[]> {
    const start = this.txs.get(hash);
    if (!start) throw new WalletError("TX_NOT_FOUND", `transaction ${hash} was not sent by this wallet`);
    try {
      const won = await this.waitFor(hash, 1, 0);
      const group = this.sentBy(start.from, start.nonce);
      return [won, ...group.filter((r) => r !== won)];
    } catch (err) {
      if (!(err instanceof WalletError) || err.code !== "TIMEOUT") throw err;
    }
    const group = this.sentBy(start.from, start.nonce);
    for (const r of group) {
      if (r.status !== "pending" && r.status !== "unknown") continue;
      const known = await this.provider.send("eth_getTransactionByHash", [r.hash]).catch(() => undefined);
      if (known !== undefined) r.status = known ? "pending" : "unknown";
    }
    return [start, ...group.filter((r) => r !== start)];
  }

  private remember(rec: TxRecord): void {
    this.txs.set(rec.hash, rec);
    // Bounded: the oldest settled records go first.
    if (this.txs.size <= 10_000) return;
    for (const [hash, r] of this.txs) {
      if (r.status !== "pending" && r.status !== "unknown") {
        this.txs.delete(hash);
        if (this.txs.size <= 9_000) break;
      }
    }
  }

  private pending(hash: string): TxRecord {
    const rec = this.txs.get(hash);
    if (!rec) throw new WalletError("TX_NOT_FOUND", `transaction ${hash} was not sent by this wallet`);
    if (rec.status !== "pending" && rec.status !== "unknown") throw new WalletError("TX_NOT_PENDING", `transaction ${hash} is ${rec.status}`, { status: rec.status, replacedBy: rec.replacedBy });
    return rec;
  }

  private async replace(hash: string, req: { to: string; value: bigint; data: string; gasLimit: bigint }, kind: TxKind): Promise<TxRecord> {
    const old = this.pending(hash);
    const market = await feeFields(this.provider, { ...this.policy, maxFeePerGasCap: MaxUint256 });
    const fees = bumpedFees({ maxFeePerGas: BigInt(old.maxFeePerGas), maxPriorityFeePerGas: BigInt(old.maxPriorityFeePerGas) }, market, this.policy);
    const rec = await this.send(old.from, req, kind, fees, old.nonce);
    rec.replaces = old.hash;
    old.status = "replaced";
    old.replacedBy = rec.hash;
    return rec;
  }

  /** Same transaction, same nonce, higher fees. */
  speedUp(hash: string): Promise<TxRecord> {
    const old = this.pending(hash);
    return this.replace(hash, { to: old.to, value: BigInt(old.value), data: old.data, gasLimit: BigInt(old.gasLimit) }, "speed-up");
  }

  /** A 0-value self-transfer at the same nonce, with higher fees. */
  cancel(hash: string): Promise<TxRecord> {
    const old = this.pending(hash);
    return this.replace(hash, { to: old.from, value: 0n, data: "0x", gasLimit: 21000n }, "cancel");
  }

  /**
   * Waits until one transaction of the nonce group (the original and its replacements)
   * has `confirmations` blocks; returns the record that won (confirmed or failed with
   * the revert reason). A nonce used by a transaction this wallet did not send fails.
   */
  async waitFor(hash: string, confirmations = 1, timeoutMs = 120_000): Promise<TxRecord> {
    const start = this.txs.get(hash);
    if (!start) throw new WalletError("TX_NOT_FOUND", `transaction ${hash} was not sent by this wallet`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const group = [...this.txs.values()].filter((r) => r.from === start.from && r.nonce === start.nonce);
      for (const r of group) {
        const rc = (await this.provider.send("eth_getTransactionReceipt", [r.hash]).catch(() => null)) as { status: string; blockNumber: string; gasUsed: string } | null;
        if (!rc) continue;
        const head = Number(await this.provider.send("eth_blockNumber", []));
        const bn = Number(rc.blockNumber);
        if (head - bn + 1 < confirmations) break;
        for (const other of group) if (other !== r && (other.status === "pending" || other.status === "unknown")) other.status = "replaced";
        r.blockNumber = bn;
        r.gasUsed = BigInt(rc.gasUsed).toString();
        if (Number(rc.status) === 1) r.status = "confirmed";
        else {
          r.status = "failed";
          r.reason = await this.revertReason(r, bn);
        }
        return r;
      }
      const chainNonce = Number(await this.provider.send("eth_getTransactionCount", [start.from, "latest"]));
      if (chainNonce > start.nonce && !(await this.anyReceipt(group))) {
        for (const r of group) if (r.status === "pending" || r.status === "unknown") { r.status = "failed"; r.reason = "nonce used by another transaction"; }
        return start;
      }
      if (Date.now() >= deadline) throw new WalletError("TIMEOUT", `transaction ${hash} not confirmed within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  private async anyReceipt(group: TxRecord[]): Promise<boolean> {
    for (const r of group) if (await this.provider.send("eth_getTransactionReceipt", [r.hash]).catch(() => null)) return true;
    return false;
  }

  private async revertReason(r: TxRecord, block: number): Promise<string> {
    try {
      await this.provider.call({ from: r.from, to: r.to, data: r.data, value: BigInt(r.value), blockTag: block - 1 });
      return "execution reverted";
    } catch (err) {
      return (toWalletError(err).data.reason as string | undefined) ?? "execution reverted";
    }
  }
}

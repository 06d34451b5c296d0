/**
 * EVM accounts, balances, approvals and transfers, one nonce sequence per account.
 * Keys come from the keystore (`keys.reveal`, answered only to "wallet") for the ids in
 * the `keyIds` setting; on the embedded chain with no key configured, the seeded dev
 * accounts are used. Emits wallet.tx.sent / wallet.tx.confirmed / wallet.tx.failed.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { acquireChain, releaseChain, type ChainHandle } from "../lib/chain";
import { invalid, notFound, unavailable } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";
import { EvmWallet, WalletError, fromBaseUnits, type TokenRef, type TxRecord } from "../lib/wallet";
import { waitBudgetMs, type DeadlineCarrier } from "../lib/wallet/wait-budget";

export interface WalletSettings extends ServiceSettingSchema {
  /** Keystore ids of EVM keys (kind "evm") to load. */
  keyIds: string[];
  confirmations: number;
  pollMs: number;
  maxFeePerGasGwei: number;
}

interface WalletVars {
  chain: ChainHandle | null;
  wallet: EvmWallet | null;
  stopping: boolean;
}

const ADDRESS = { type: "string", pattern: /^0x[0-9a-fA-F]{40}$/ };
const AMOUNT = { type: "string", pattern: /^\d+(\.\d+)?$/ };
const HASH = { type: "string", pattern: /^0x[0-9a-fA-F]{64}$/ };

export function toMoleculerError(err: unknown): Error {
  if (!(err instanceof WalletError)) return err as Error;
  switch (err.code) {
    case "INVALID_AMOUNT":
      return invalid(err.message, (err.data.field as string) ?? "amount");
    case "TX_NOT_FOUND":
      if (err.data.field) return invalid(err.message, err.data.field as string);
      return notFound(err.message.replace(/ was not sent by this wallet$/, ""), err.data);
    case "RPC_UNAVAILABLE":
      return unavailable(err.message, { reason: "RPC_UNAVAILABLE" });
    case "INSUFFICIENT_FUNDS":
    case "TX_REVERTED":
    case "FEE_CAP_EXCEEDED":
      return new Errors.MoleculerClientError(err.message, 422, err.code, err.data);
    default:
      return new Errors.MoleculerClientError(err.message, 409, err.code, err.data);
  }
}

export default function createWalletService(env: RuntimeEnv, overrides: Partial<WalletSettings> = {}): ServiceSchema {
  // Handlers are typed by their own `this` (WalletVars); the schema object itself is loosely typed.
  const schema: Record<string, unknown> = {
    name: "wallet",
    settings: { keyIds: [], confirmations: 1, pollMs: env.rpcUrl ? 1000 : 20, maxFeePerGasGwei: 500, ...overrides },

    hooks: {
      before: {
        "*"(this: WalletVars) {
          if (!this.wallet) throw unavailable("Wallet is not connected to a chain yet");
        },
      },
      error: {
        "*"(_ctx: Context, err: Error) {
          throw toMoleculerError(err);
        },
      },
    },

    actions: {
      accounts: {
        rest: "GET /accounts",
        role: "viewer",
        summary: "Accounts this wallet signs for (addresses and labels)",
        handler(this: WalletVars) {
          return { chainId: this.chain!.deployment?.chainId ?? null, accounts: this.wallet!.accounts() };
        },
      },
      balance: {
        rest: "GET /balance",
        role: "viewer",
        summary: "ETH or ERC-20 balance of an account (decimal string and base units)",
        params: { account: "string", token: { type: "string", optional: true } },
        async handler(this: WalletVars & { token(t: string): Promise<TokenRef> }, ctx: Context<{ account: string; token?: string }>) {
          const address = ctx.params.account.startsWith("0x") ? ctx.params.account : this.wallet!.resolve(ctx.params.account);
          if (!ctx.params.token) {
            const wei = await this.wallet!.nativeBalance(address);
            return { account: address, token: "ETH", decimals: 18, balance: fromBaseUnits(wei, 18), baseUnits: wei.toString() };
          }
          const t = await this.token(ctx.params.token);
          const v = await this.wallet!.tokenBalance(t, address);
          return { account: address, token: t.symbol ?? t.address, address: t.address, decimals: t.decimals, balance: fromBaseUnits(v, t.decimals), baseUnits: v.toString() };
        },
      },
      transfer: {
        rest: "POST /transfer",
        role: "trader",
        summary: "Send ETH or an ERC-20 token (amount as a decimal string)",
        description: "Never retried (a repeat would be a second transfer). The answer carries the hash and nonce; status unknown means the node did not answer the broadcast: reconcile with GET /tx/{hash}/status.",
        idempotent: false,
        params: { account: "string", to: ADDRESS, token: { type: "string", optional: true }, amount: AMOUNT },
        async handler(this: WalletVars & Record<string, any>, ctx: Context<{ account: string; to: string; token?: string; amount: string }>) {
          const t = ctx.params.token ? await this.token(ctx.params.token) : undefined;
          return this.sent(ctx, await this.wallet!.transfer(ctx.params.account, ctx.params.to, ctx.params.amount, t));
        },
      },
      approve: {
        rest: "POST /approve",
        role: "trader",
        summary: "Approve a spender for an exact amount (unlimited only with unlimited=true)",
        idempotent: false,
        params: { account: "string", token: "string", spender: ADDRESS, amount: { ...AMOUNT, optional: true }, unlimited: { type: "boolean", optional: true } },
        async handler(this: WalletVars & Record<string, any>, ctx: Context<{ account: string; token: string; spender: string; amount?: string; unlimited?: boolean }>) {
          if (!ctx.params.unlimited && ctx.params.amount === undefined) throw invalid("amount is required unless unlimited is true", "amount");
          const t = await this.token(ctx.params.token);
          return this.sent(ctx, await this.wallet!.approve(ctx.params.account, t, ctx.params.spender, ctx.params.amount ?? null, ctx.params.unlimited === true));
        },
      },
      allowance: {
        rest: "GET /allowance",
        role: "viewer",
        params: { account: "string", token: "string", spender: ADDRESS },
        async handler(this: WalletVars & Record<string, any>, ctx: Context<{ account: string; token: string; spender: string }>) {
          const t: TokenRef = await this.token(ctx.params.token);
          const owner = ctx.params.account.startsWith("0x") ? ctx.params.account : this.wallet!.resolve(ctx.params.account);
          const v = await this.wallet!.allowance(t, owner, ctx.params.spender);
          return { account: owner, token: t.symbol ?? t.address, spender: ctx.params.spender, allowance: fromBaseUnits(v, t.decimals), baseUnits: v.toString() };
        },
      },
      sendTx: {
        // Internal (no REST route): contract calls for other services (dex, liquidity) signed here,
        // so each account keeps ONE nonce sequence whichever service sends.
        summary: "Sign and send a contract call from an account (internal); wait=true returns the mined record, or the pending one when it is not mined within timeoutMs or the caller's deadline",
        idempotent: false,
        params: {
          account: "string",
          to: ADDRESS,
          data: { type: "string", pattern: /^0x([0-9a-fA-F]{2})*$/ },
          value: { type: "string", pattern: /^\d+$/, optional: true },
          gasLimit: { type: "string", pattern: /^\d+$/, optional: true },
          kind: { type: "enum", values: ["call", "approve"], optional: true },
          wait: { type: "boolean", optional: true },
          timeoutMs: { type: "number", integer: true, positive: true, optional: true },
        },
        async handler(this: WalletVars & Record<string, any>, ctx: Context<{ account: string; to: string; data: string; value?: string; gasLimit?: string; kind?: "call" | "approve"; wait?: boolean; timeoutMs?: number }>) {
          const p = ctx.params;
          const rec = await this.wallet!.send(p.account, { to: p.to, data: p.data, value: p.value ? BigInt(p.value) : undefined, gasLimit: p.gasLimit ? BigInt(p.gasLimit) : undefined }, p.kind ?? "call");
          this.sent(ctx, rec);
          if (!p.wait || rec.status === "unknown") return rec;
          try {
            return { ...(await this.wallet!.waitFor(rec.hash, this.settings.confirmations, waitBudgetMs(ctx as unknown as DeadlineCarrier, p.timeoutMs, 120_000))) };
          } catch (err) {
            // Not mined in time: answer the pending record rather than outlive the caller (who would
            // then know nothing of the transaction, or repeat it).
            if (err instanceof WalletError && err.code === "TIMEOUT") return { ...(this.wallet!.get(rec.hash) ?? rec) };
            throw err;
          }
        },
      },
      tx: {
        rest: "GET /tx/:hash",
        role: "viewer",
        summary: "Status of a transaction sent by this wallet",
        params: { hash: HASH },
        handler(this: WalletVars, ctx: Context<{ hash: string }>) {
          const rec = this.wallet!.get(ctx.params.hash);
          if (!rec) throw notFound(`transaction ${ctx.params.hash}`);
          return rec;
        },
      },
      txStatus: {
        rest: "GET /tx/:hash/status",
        role: "viewer",
        summary: "A transaction's nonce group as the chain sees it now: the mined record, or each one pending (held by the node) or unknown (not held: its broadcast was lost)",
        params: { hash: HASH },
        handler(this: WalletVars, ctx: Context<{ hash: string }>) {
          return this.wallet!.reconcile(ctx.params.hash);
        },
      },
      txs: {
        rest: "GET /txs",
        role: "viewer",
        summary: "Transactions this wallet sent from an account, newest first; with nonce, that nonce group reconciled with the chain as txStatus does: how a caller that lost an answer finds its transaction",
        params: { account: { type: "string", min: 1, max: 64 }, nonce: { type: "number", integer: true, min: 0, max: Number.MAX_SAFE_INTEGER, optional: true, convert: true } },
        async handler(this: WalletVars, ctx: Context<{ account: string; nonce?: number }>) {
          const sent = this.wallet!.sentBy(ctx.params.account, ctx.params.nonce);
          if (ctx.params.nonce !== undefined && sent.length > 0) return this.wallet!.reconcile(sent[0].hash);
          return sent.slice(0, 100);
        },
      },
      speedUp: {
        rest: "POST /tx/:hash/speed-up",
        role: "trader",
        summary: "Re-send a pending transaction at the same nonce with higher fees",
        idempotent: false,
        params: { hash: HASH },
        async handler(this: WalletVars & Record<string, any>, ctx: Context<{ hash: string }>) {
          return this.sent(ctx, await this.wallet!.speedUp(ctx.params.hash));
        },
      },
      cancel: {
        rest: "POST /tx/:hash/cancel",
        role: "trader",
        summary: "Replace a pending transaction by a 0-value self-transfer at the same nonce",
        idempotent: false,
        params: { hash: HASH },
        async handler(this: WalletVars & Record<string, any>, ctx: Context<{ hash: string }>) {
          return this.sent(ctx, await this.wallet!.cancel(ctx.params.hash));
        },
      },
    },

    methods: {
      async token(this: WalletVars, ref: string): Promise<TokenRef> {
        const known = this.chain!.deployment?.tokens[ref.toUpperCase()];
        if (known) return { address: known.address, decimals: known.decimals, symbol: known.symbol };
        if (!/^0x[0-9a-fA-F]{40}$/.test(ref)) throw invalid(`unknown token ${ref}: use a symbol of the deployment or an address`, "token");
        const c = this.wallet!.token(ref);
        try {
          return { address: ref, decimals: Number(await c.decimals()), symbol: String(await c.symbol()) };
        } catch {
          throw invalid(`${ref} is not an ERC-20 token`, "token");
        }
      },
      sent(this: WalletVars & { settings: WalletSettings; broker: any; logger: any }, ctx: Context, rec: TxRecord): TxRecord {
        ctx.emit("wallet.tx.sent", rec);
        void this.wallet!.waitFor(rec.hash, this.settings.confirmations)
          .then((won) => {
            if (this.stopping) return;
            if (won.status === "confirmed") this.broker.emit("wallet.tx.confirmed", won);
            else if (won.status === "failed") this.broker.emit("wallet.tx.failed", won);
          })
          .catch((err: Error) => {
            if (!this.stopping) this.broker.emit("wallet.tx.failed", { ...rec, status: "failed", reason: err.message });
          });
        return rec;
      },
    },

    created(this: WalletVars) {
      this.chain = null;
      this.wallet = null;
      this.stopping = false;
    },

    async started(this: WalletVars & { settings: WalletSettings; broker: any; logger: any }) {
      this.chain = await acquireChain(env);
      this.wallet = new EvmWallet(this.chain.provider, { pollMs: this.settings.pollMs, feePolicy: { maxFeePerGasCap: BigInt(this.settings.maxFeePerGasGwei) * 10n ** 9n } });
      for (const id of this.settings.keyIds) {
        const secret = (await this.broker.call("keys.reveal", { id })) as { kind?: string; payload: { privateKey?: string } };
        if (!secret.payload?.privateKey) throw new Error(`keystore entry ${id} is not an EVM key`);
        this.wallet.addAccount(secret.payload.privateKey, id);
      }
      if (this.settings.keyIds.length === 0 && this.chain.kind === "local") {
        this.chain.devKeys.forEach((k, i) => this.wallet!.addAccount(k, i === 0 ? "deployer" : `dev-${i}`));
      }
      this.logger.info(`Wallet on chain ${this.chain.kind}${this.chain.rpcUrl ? ` (${this.chain.rpcUrl})` : ""} with ${this.wallet.accounts().length} account(s)`);
    },

    async stopped(this: WalletVars) {
      this.stopping = true;
      this.wallet = null;
      this.chain = null;
      await releaseChain(env);
    },
  };
  return schema as unknown as ServiceSchema;
}

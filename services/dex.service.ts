/**
 * Uniswap V2/V3 quotes and swaps on the process's chain (lib/dex). Quotes expire
 * (`quoteTtlMs`); a swap executes a stored quote (`quoteId`, refused once expired) or a
 * fresh one, with amountOutMinimum / amountInMaximum computed once from that quote and a
 * deadline. Transactions are signed by the wallet service (`wallet.sendTx`), so each
 * account keeps one nonce sequence across wallet, dex and liquidity.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { acquireChain, releaseChain, type ChainHandle, type Deployment } from "../lib/chain";
import {
  DEX_ERROR_STATUS, DexError, PoolRegistry, QuoteStore, bestQuote, formatAmount, planSwap, readPoolState, resolveTrades, revertError, settledAmounts, viewPoolState,
  type ConfigDexMarket, type DexPool, type Quote, type TradeParams,
} from "../lib/dex";
import { ERC20_ABI } from "../lib/wallet";
import { pendingAnswer } from "../lib/wallet/wait-budget";
import { Contract, getAddress } from "ethers";
import { invalid, unavailable } from "../lib/errors";
import type { RuntimeEnv } from "../lib/runtime/env";

export interface DexSettings extends ServiceSettingSchema {
  quoteTtlMs: number;
  defaultSlippageBps: number;
  defaultDeadlineSeconds: number;
  /** How long a swap waits for its transaction to be mined. */
  txTimeoutMs: number;
  /** How long `dex.pools` waits for the config service's markets. */
  configTimeoutMs: number;
}

export const DEFAULT_DEX_SETTINGS: DexSettings = { quoteTtlMs: 15_000, defaultSlippageBps: 50, defaultDeadlineSeconds: 300, txTimeoutMs: 120_000, configTimeoutMs: 2_000 };

interface DexVars {
  chain: ChainHandle | null;
  registry: PoolRegistry | null;
  quotes: QuoteStore;
  settings: DexSettings;
  broker: any;
  logger: any;
}

const ADDRESS = { type: "string", pattern: /^0x[0-9a-fA-F]{40}$/ };
const AMOUNT = { type: "string", pattern: /^\d+(\.\d+)?$/, optional: true };
const TOKEN = { type: "string", min: 1, max: 64 };
const TRADE = {
  pool: { ...ADDRESS, optional: true },
  protocol: { type: "enum", values: ["v2", "v3", "uniswap-v2", "uniswap-v3"], optional: true },
  fee: { type: "number", integer: true, positive: true, optional: true },
  tokenIn: TOKEN,
  tokenOut: { ...TOKEN, optional: true },
  amountIn: AMOUNT,
  amountOut: AMOUNT,
};

export function toDexMoleculerError(err: unknown): Error {
  if (!(err instanceof DexError)) return err as Error;
  if (err.code === "INVALID_PARAMS") return invalid(err.message, (err.data.field as string) ?? "params");
  return new Errors.MoleculerClientError(err.message, DEX_ERROR_STATUS[err.code], err.code, err.data);
}

type SwapParams = TradeParams & { quoteId?: string; account: string; slippageBps?: number; deadlineSeconds?: number; deadline?: number; recipient?: string; approve?: boolean };

export default function createDexService(env: RuntimeEnv, overrides: Partial<DexSettings> = {}): ServiceSchema {
  const schema: Record<string, unknown> = {
    name: "dex",
    settings: { ...DEFAULT_DEX_SETTINGS, ...overrides },

    hooks: {
      before: {
        "*"(this: DexVars) {
          if (!this.chain) throw unavailable("dex is not connected to a chain yet");
          if (!this.chain.deployment) throw unavailable("no Uniswap deployment is known for this chain (deployment.json missing)");
        },
      },
      error: {
        "*"(_ctx: Context, err: Error) {
          throw toDexMoleculerError(err);
        },
      },
    },

    actions: {
      pools: {
        rest: "GET /pools",
        role: "viewer",
        summary: "Pools of the deployment and of config markets (kind dex): protocol, tokens, fee tier",
        async handler(this: DexVars & Record<string, any>) {
          await this.loadConfigMarkets();
          return { chainId: this.chain!.deployment!.chainId, pools: this.registry!.list().map(describePool) };
        },
      },
      poolState: {
        rest: "GET /pools/:pool",
        role: "viewer",
        summary: "V2 reserves or V3 sqrtPriceX96/tick/liquidity, fee tier and exact decimal prices",
        params: { pool: ADDRESS, block: { type: "number", integer: true, min: 0, optional: true, convert: true } },
        async handler(this: DexVars, ctx: Context<{ pool: string; block?: number }>) {
          const pool = await this.registry!.get(ctx.params.pool);
          return viewPoolState(await readPoolState(this.chain!.provider, pool, ctx.params.block));
        },
      },
      quote: {
        rest: "POST /quote",
        idempotent: true,
        role: "viewer",
        summary: "Quote exact-in (amountIn) or exact-out (amountOut) on a pool, or the best matching pool; expires after quoteTtlMs",
        params: TRADE,
        async handler(this: DexVars, ctx: Context<TradeParams>) {
          const q = await bestQuote(this.chain!.provider, this.chain!.deployment!, await resolveTrades(this.registry!, ctx.params), this.settings.quoteTtlMs);
          this.quotes.put(q);
          return q;
        },
      },
      swap: {
        rest: "POST /swap",
        role: "trader",
        summary: "Swap a stored quote (quoteId) or a fresh one, with a slippage bound and deadline; approve=true approves the exact amount first",
        description: "Never retried. A transaction not mined within the call's time is answered 202 with status pending (or unknown), its hash and nonce: follow it with GET /wallet/tx/{hash}/status rather than swapping again.",
        idempotent: false,
        params: {
          ...TRADE,
          tokenIn: { ...TOKEN, optional: true },
          quoteId: { type: "string", optional: true, max: 64 },
          account: { type: "string", min: 1, max: 64 },
          slippageBps: { type: "number", integer: true, min: 0, max: 5000, optional: true },
          deadlineSeconds: { type: "number", integer: true, min: 1, max: 86_400, optional: true },
          deadline: { type: "number", integer: true, positive: true, optional: true },
          recipient: { ...ADDRESS, optional: true },
          approve: { type: "boolean", optional: true },
        },
        async handler(this: DexVars & Record<string, any>, ctx: Context<SwapParams>) {
          return this.swap(ctx);
        },
      },
    },

    methods: {
      async loadConfigMarkets(this: DexVars) {
        const hasConfig = this.broker.registry.getServiceList({ onlyAvailable: true }).some((s: { name: string }) => s.name === "config");
        if (!hasConfig) return;
        try {
          const docs = (await this.broker.call("config.list", { kind: "markets" }, { timeout: this.settings.configTimeoutMs })) as unknown[];
          const markets = docs
            .map((d) => ((d as { data?: unknown }).data ?? d) as ConfigDexMarket & { kind?: string })
            .filter((m) => m.kind === "dex" && m.pool);
          await this.registry!.addConfigMarkets(markets);
        } catch (err) {
          this.logger.warn(`config.list failed (${(err as Error).message}); listing deployment pools only`);
        }
      },

      async resolveAccount(this: DexVars, ctx: Context, account: string): Promise<string> {
        const { accounts } = (await ctx.call("wallet.accounts", {})) as { accounts: Array<{ address: string; label: string }> };
        const hit = accounts.find((a) => a.label === account || a.address.toLowerCase() === account.toLowerCase());
        if (!hit) throw invalid(`unknown account ${account}`, "account");
        return getAddress(hit.address);
      },

      async swap(this: DexVars & Record<string, any>, ctx: Context<SwapParams>) {
        const p = ctx.params;
        const chain = this.chain!;
        const deployment: Deployment = chain.deployment!;
        let q: Quote;
        if (p.quoteId) q = this.quotes.take(p.quoteId);
        else {
          if (!p.tokenIn) throw invalid("tokenIn is required without quoteId", "tokenIn");
          q = await bestQuote(chain.provider, deployment, await resolveTrades(this.registry!, p as TradeParams), this.settings.quoteTtlMs);
        }
        const from: string = await this.resolveAccount(ctx, p.account);
        const recipient = p.recipient ? getAddress(p.recipient) : from;
        const slippageBps = p.slippageBps ?? this.settings.defaultSlippageBps;
        // From the later of the chain's clock and ours: a dev chain that mines a block a second runs ahead of the wall clock.
        const latest = (await chain.provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string } | null;
        const now = Math.max(Math.floor(Date.now() / 1000), latest ? Number(latest.timestamp) : 0);
        const deadline = p.deadline ?? now + (p.deadlineSeconds ?? this.settings.defaultDeadlineSeconds);
        const plan = planSwap(deployment, q, { recipient, slippageBps, deadline });
        const bounds = {
          quoteId: q.id, slippageBps, deadline,
          ...(q.tradeType === "exact-in"
            ? { amountOutMinimum: formatAmount(plan.minAmountOut, q.tokenOut.decimals), amountOutMinimumBaseUnits: plan.minAmountOut.toString() }
            : { amountInMaximum: formatAmount(plan.maxAmountIn, q.tokenIn.decimals), amountInMaximumBaseUnits: plan.maxAmountIn.toString() }),
        };

        // Balance, then allowance (approving exactly what is needed when asked).
        const token = new Contract(q.tokenIn.address, ERC20_ABI, chain.provider);
        const balance = (await token.balanceOf(from)) as bigint;
        if (balance < plan.maxAmountIn) {
          throw new DexError("INSUFFICIENT_BALANCE", `${p.account} holds ${formatAmount(balance, q.tokenIn.decimals)} ${q.tokenIn.symbol}, the swap needs up to ${formatAmount(plan.maxAmountIn, q.tokenIn.decimals)}`, {
            token: q.tokenIn.symbol, balance: formatAmount(balance, q.tokenIn.decimals), required: formatAmount(plan.maxAmountIn, q.tokenIn.decimals),
          });
        }
        const allowance = (await token.allowance(from, plan.router)) as bigint;
        let approval: unknown = null;
        if (allowance < plan.maxAmountIn) {
          if (!p.approve) {
            throw new DexError("INSUFFICIENT_ALLOWANCE", `${p.account} allows the router ${formatAmount(allowance, q.tokenIn.decimals)} ${q.tokenIn.symbol}, the swap needs ${formatAmount(plan.maxAmountIn, q.tokenIn.decimals)}: approve it or pass approve=true`, {
              token: q.tokenIn.symbol, spender: plan.router, allowance: formatAmount(allowance, q.tokenIn.decimals), required: formatAmount(plan.maxAmountIn, q.tokenIn.decimals),
            });
          }
          const data = token.interface.encodeFunctionData("approve", [plan.router, plan.maxAmountIn]);
          const rec = (await this.sendTx(ctx, { account: from, to: q.tokenIn.address, data, kind: "approve", wait: true, timeoutMs: this.settings.txTimeoutMs })) as { hash: string; status: string; reason?: string; from: string; nonce: number };
          if (rec.status === "pending" || rec.status === "unknown") return this.notMinedYet(ctx, rec, `approval of ${q.tokenIn.symbol} (the swap is not sent)`, bounds);
          if (rec.status !== "confirmed") throw new DexError("TX_REVERTED", `approval ${rec.hash} failed: ${rec.reason ?? rec.status}`, { hash: rec.hash });
          approval = { hash: rec.hash, amount: formatAmount(plan.maxAmountIn, q.tokenIn.decimals), spender: plan.router };
        }

        let rec: { hash: string; status: string; reason?: string; blockNumber?: number; gasUsed?: string; nonce: number; from: string };
        try {
          rec = (await this.sendTx(ctx, { account: from, to: plan.router, data: plan.data, wait: true, timeoutMs: this.settings.txTimeoutMs })) as typeof rec;
        } catch (err) {
          const e = err as { type?: string; data?: { reason?: string } };
          if (e.type === "TX_REVERTED") throw await this.revertFor(e.data?.reason ?? "execution reverted", deadline, bounds);
          throw err;
        }
        if (rec.status === "pending" || rec.status === "unknown") return this.notMinedYet(ctx, rec, "swap", bounds);
        if (rec.status !== "confirmed") throw await this.revertFor(rec.reason ?? "execution reverted", deadline, { ...bounds, hash: rec.hash }, rec.blockNumber);
        const receipt = await chain.provider.getTransactionReceipt(rec.hash);
        const settled = settledAmounts(receipt?.logs ?? [], q, from, recipient);
        return {
          hash: rec.hash, status: rec.status, blockNumber: rec.blockNumber, gasUsed: rec.gasUsed, nonce: rec.nonce,
          account: from, recipient, protocol: q.protocol, pool: q.pool, fee: q.fee, tradeType: q.tradeType,
          tokenIn: q.tokenIn.symbol, tokenOut: q.tokenOut.symbol,
          amountIn: formatAmount(settled.amountIn, q.tokenIn.decimals), amountOut: formatAmount(settled.amountOut, q.tokenOut.decimals),
          amountInBaseUnits: settled.amountIn.toString(), amountOutBaseUnits: settled.amountOut.toString(),
          quoted: { amountIn: q.amountIn, amountOut: q.amountOut, blockNumber: q.blockNumber },
          approval, ...bounds,
        };
      },

      /** wallet.sendTx; when the wallet gives no answer in time the transaction's fate is unknown: say so, never send again. */
      async sendTx(this: DexVars, ctx: Context, params: Record<string, unknown>): Promise<unknown> {
        try {
          return await ctx.call("wallet.sendTx", params);
        } catch (err) {
          if (!(err instanceof Errors.RequestTimeoutError)) throw err;
          throw new Errors.MoleculerError(`The wallet did not answer in time: a transaction from ${String(params.account)} may have been sent. Find it with GET /api/v1/wallet/txs?account=${String(params.account)} before trying again`, 504, "TX_STATUS_UNKNOWN", { account: params.account, reconcile: { action: "wallet.txs", params: { account: params.account } } });
        }
      },

      /** The answer of a swap whose transaction is sent but not mined within the call's time (HTTP 202). */
      notMinedYet(this: DexVars, ctx: Context, rec: { hash: string; from: string; nonce: number; status: string }, step: string, bounds: Record<string, unknown>) {
        (ctx.meta as { $statusCode?: number }).$statusCode = 202;
        return { ...pendingAnswer({ ...rec, status: rec.status as "pending" | "unknown" }, step), ...bounds };
      },

      /** A revert as a DexError; a bare revert mined after the deadline is DEADLINE_PASSED. */
      async revertFor(this: DexVars, reason: string, deadline: number, data: Record<string, unknown>, block?: number): Promise<DexError> {
        const err = revertError(reason, data);
        if (err.code !== "TX_REVERTED") return err;
        // Mined: that block's time. Refused at estimation: the next block is at least latest + 1 s.
        const b = (await this.chain!.provider.send("eth_getBlockByNumber", [block !== undefined ? `0x${block.toString(16)}` : "latest", false])) as { timestamp: string } | null;
        const ts = b ? Number(b.timestamp) + (block === undefined ? 1 : 0) : Math.floor(Date.now() / 1000);
        if (ts > deadline) return new DexError("DEADLINE_PASSED", `Deadline passed: mined at ${ts}, deadline ${deadline}`, { ...data, reason });
        return err;
      },
    },

    created(this: DexVars) {
      this.chain = null;
      this.registry = null;
      this.quotes = new QuoteStore();
    },

    async started(this: DexVars) {
      this.chain = await acquireChain(env);
      this.registry = new PoolRegistry(this.chain.provider, this.chain.deployment);
      this.logger.info(`dex on chain ${this.chain.kind} with ${this.registry.list().length} pool(s)`);
    },

    async stopped(this: DexVars) {
      this.chain = null;
      this.registry = null;
      await releaseChain(env);
    },
  };
  return schema as unknown as ServiceSchema;
}

function describePool(p: DexPool) {
  return {
    address: p.address, protocol: p.protocol, fee: p.fee, base: p.base, quote: p.quote, source: p.source,
    token0: { symbol: p.token0.symbol, address: p.token0.address, decimals: p.token0.decimals },
    token1: { symbol: p.token1.symbol, address: p.token1.address, decimals: p.token1.decimals },
  };
}

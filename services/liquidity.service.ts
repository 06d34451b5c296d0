/**
 * Uniswap V2 liquidity and V3 positions for the wallet's accounts, and range policies
 * that re-centre a V3 position when the price leaves its range.
 *
 * Signing (setting `signer`): through the EvmWallet of the wallet service running in the
 * same process when there is one, otherwise through the `wallet.sendTx` action; either
 * way the wallet service holds the keys and the one NonceSequence per account, and its
 * tx records and speed-up/cancel also see liquidity's transactions.
 *
 * Policy loop: reacts to `price.dex.updated` for a policy's pool and, since the
 * dex-price-feed may not run, also evaluates every `policyIntervalMs`. Emits
 * liquidity.position.opened / liquidity.position.closed / liquidity.position.recentered.
 */
import type { Context, ServiceSchema, ServiceSettingSchema } from "moleculer";
import { Errors } from "moleculer";
import { acquireChain, releaseChain, type ChainHandle } from "../lib/chain";
import { invalid, notFound, unavailable } from "../lib/errors";
import {
  LiquidityClient, LiquidityError, type TxSender, currentWaitMs, withWaitDeadline, beginRecenter, evaluatePolicy, initialMemory, recenterDone, recenterFailed, recenterReopening, validatePolicyParams,
  type PolicyDecision, type PolicyMemory, type RangePolicyParams,
} from "../lib/liquidity";
import type { RuntimeEnv } from "../lib/runtime/env";
import { WalletError, type EvmWallet, type TxKind, type TxRecord } from "../lib/wallet";
import { toMoleculerError as walletToMoleculer } from "./wallet.service";
import { pendingAnswer, waitBudgetMs, type DeadlineCarrier } from "../lib/wallet/wait-budget";

export interface LiquiditySettings extends ServiceSettingSchema {
  confirmations: number;
  defaultSlippageBps: number;
  deadlineSec: number;
  /** Timer fallback for the policy loop (ms); 0 disables the timer. */
  policyIntervalMs: number;
  /** Defaults for setPolicy. */
  defaultMinIntervalMs: number;
  defaultOutOfRangeGraceMs: number;
  /**
   * How transactions are signed: "local" = the wallet service's EvmWallet in this process,
   * "remote" = the `wallet.sendTx` action (wallet on any node), "auto" = local when the
   * wallet service runs in this process, remote otherwise. Either way the wallet service's
   * NonceSequence is the only one for the account.
   */
  signer: "auto" | "local" | "remote";
  txTimeoutMs: number;
}

export interface PolicyRecord {
  tokenId: string;
  account: string;
  pool: string;
  enabled: boolean;
  params: RangePolicyParams;
  slippageBps: number | null;
  memory: PolicyMemory;
  lastDecision: PolicyDecision | null;
  lastCheckedAt: number | null;
  lastError: string | null;
  recenters: number;
  history: string[];
}

const ACCOUNT = { type: "string", min: 1 };
const TOKEN = { type: "string", min: 1 };
const AMOUNT = { type: "string", pattern: /^\d+(\.\d+)?$/ };
const OPT_AMOUNT = { ...AMOUNT, optional: true };
const TOKEN_ID = { type: "string", pattern: /^\d+$/ };
const BPS = { type: "number", integer: true, min: 0, max: 10000, optional: true, convert: true };
const PRICE = { type: "string", pattern: /^\d+(\.\d+)?$/, optional: true };

export function toMoleculerError(err: unknown): Error {
  if (err instanceof WalletError) return walletToMoleculer(err);
  if (!(err instanceof LiquidityError)) return err as Error;
  const field = (err.data.field as string | undefined) ?? "params";
  switch (err.code) {
    case "INVALID_PARAMS":
    case "INVALID_RANGE":
    case "UNKNOWN_TOKEN":
      return invalid(err.message, field);
    case "UNKNOWN_POOL":
    case "POSITION_NOT_FOUND":
      return new Errors.MoleculerClientError(err.message, 404, "NOT_FOUND", { ...err.data, reason: err.code });
    case "NOT_OWNER":
      return new Errors.MoleculerClientError(err.message, 403, "NOT_OWNER", err.data);
    case "NO_DEPLOYMENT":
      return unavailable(err.message, { reason: "NO_DEPLOYMENT" });
    default:
      return new Errors.MoleculerClientError(err.message, 422, err.code, err.data);
  }
}

/**
 * Signs through the `wallet.sendTx` action (the wallet service on any node keeps the
 * account's one nonce sequence). Accounts are read once from `wallet.accounts`.
 */
export class BrokerSender implements TxSender {
  private readonly mined = new Map<string, TxRecord>();
  constructor(private readonly broker: { call(action: string, params: unknown, opts?: { timeout?: number }): Promise<unknown> }, private readonly held: Array<{ address: string; label: string }>, private readonly timeoutMs: number) {}

  resolve(account: string): string {
    const a = this.held.find((h) => h.label === account || h.address.toLowerCase() === account.toLowerCase());
    if (!a) throw new WalletError("TX_NOT_FOUND", `unknown account ${account}`, { field: "account" });
    return a.address;
  }

  async send(account: string, req: { to: string; value?: bigint; data?: string; gasLimit?: bigint }, kind: TxKind = "call"): Promise<TxRecord> {
    try {
      // The wallet answers a pending record when the wait ends, before this call's own deadline.
      const waitMs = currentWaitMs(this.timeoutMs);
      const rec = (await this.broker.call("wallet.sendTx", {
        account, to: req.to, data: req.data ?? "0x", value: req.value?.toString(), gasLimit: req.gasLimit?.toString(),
        kind: kind === "approve" ? "approve" : "call", wait: true, timeoutMs: Math.max(1, Math.floor(waitMs * 0.7)),
      }, { timeout: Math.max(1000, waitMs) })) as TxRecord;
      this.mined.set(rec.hash, rec);
      if (this.mined.size > 1000) this.mined.delete(this.mined.keys().next().value as string);
      return rec;
    } catch (err) {
      const e = err as { type?: string; message: string; data?: Record<string, unknown> };
      if (e.type === "TX_REVERTED" || e.type === "INSUFFICIENT_FUNDS" || e.type === "NONCE_CONFLICT") throw new WalletError(e.type, e.message, e.data ?? {});
      throw err;
    }
  }

  async waitFor(hash: string): Promise<TxRecord> {
    const rec = this.mined.get(hash);
    if (!rec) throw new WalletError("TX_NOT_FOUND", `transaction ${hash} was not sent through this sender`);
    return rec;
  }
}

/** JSON-safe copy (drops bigint internals). */
function pub<T extends Record<string, unknown>>(o: T): Omit<T, "raw"> {
  const { raw: _raw, ...rest } = o as T & { raw?: unknown };
  return rest;
}

type This = {
  settings: LiquiditySettings;
  broker: any;
  logger: any;
  chain: ChainHandle | null;
  client: LiquidityClient | null;
  clientWallet: EvmWallet | BrokerSender | null;
  remote: BrokerSender | null;
  policies: Map<string, PolicyRecord>;
  timer: NodeJS.Timeout | null;
  loop: Promise<void>;
  stopping: boolean;
  liquidity(): Promise<LiquidityClient>;
  runPolicies(pool?: string): Promise<void>;
  checkPolicy(rec: PolicyRecord): Promise<void>;
  publicPolicy(rec: PolicyRecord): unknown;
  budgeted<T>(ctx: Context, fn: () => Promise<T>): Promise<T>;
};

export default function createLiquidityService(env: RuntimeEnv, overrides: Partial<LiquiditySettings> = {}): ServiceSchema {
  const local = !env.rpcUrl;
  const schema: Record<string, unknown> = {
    name: "liquidity",
    settings: {
      confirmations: 1, defaultSlippageBps: 50, deadlineSec: 600, policyIntervalMs: local ? 2000 : 15000,
      defaultMinIntervalMs: 10 * 60_000, defaultOutOfRangeGraceMs: 60_000, signer: "auto", txTimeoutMs: 120_000, ...overrides,
    },

    hooks: {
      error: {
        "*"(ctx: Context, err: Error) {
          if (err instanceof LiquidityError && err.code === "TX_PENDING") {
            // Sent, not mined within the call's time: 202 with the hash to follow, never a repeat.
            (ctx.meta as { $statusCode?: number }).$statusCode = 202;
            const d = err.data as { hash: string; nonce: number; from: string; status: "pending" | "unknown"; step: string };
            return pendingAnswer(d, d.step);
          }
          throw toMoleculerError(err);
        },
      },
    },

    actions: {
      v2Add: {
        rest: "POST /v2/add",
        role: "trader",
        idempotent: false,
        summary: "Add liquidity to a Uniswap V2 pair (mins from a simulation less slippageBps, or explicit)",
        params: {
          account: ACCOUNT, tokenA: TOKEN, tokenB: TOKEN, amountA: AMOUNT, amountB: AMOUNT,
          slippageBps: BPS, amountAMin: OPT_AMOUNT, amountBMin: OPT_AMOUNT, deadlineSec: { type: "number", integer: true, positive: true, optional: true, convert: true },
        },
        async handler(this: This, ctx: Context<any>) {
          return this.budgeted(ctx, async () => (await this.liquidity()).v2Add(ctx.params));
        },
      },
      v2Remove: {
        rest: "POST /v2/remove",
        role: "trader",
        idempotent: false,
        summary: "Remove V2 liquidity (LP amount as a decimal string); approves the LP token to Router02",
        params: {
          account: ACCOUNT, tokenA: TOKEN, tokenB: TOKEN, liquidity: AMOUNT,
          slippageBps: BPS, amountAMin: OPT_AMOUNT, amountBMin: OPT_AMOUNT, deadlineSec: { type: "number", integer: true, positive: true, optional: true, convert: true },
        },
        async handler(this: This, ctx: Context<any>) {
          return this.budgeted(ctx, async () => (await this.liquidity()).v2Remove(ctx.params));
        },
      },
      v3Mint: {
        rest: "POST /v3/positions",
        role: "trader",
        idempotent: false,
        summary: "Mint a V3 position: range by ticks, by prices (tokenB per tokenA) or widthPct around the current price",
        params: {
          account: ACCOUNT, tokenA: TOKEN, tokenB: TOKEN, fee: { type: "number", integer: true, positive: true, convert: true },
          amountA: AMOUNT, amountB: AMOUNT,
          tickLower: { type: "number", integer: true, optional: true, convert: true }, tickUpper: { type: "number", integer: true, optional: true, convert: true },
          priceLower: PRICE, priceUpper: PRICE,
          widthPct: { type: "number", positive: true, max: 199, optional: true, convert: true },
          tickWidth: { type: "number", integer: true, positive: true, optional: true, convert: true },
          slippageBps: BPS,
        },
        async handler(this: This, ctx: Context<any>) {
          const p = ctx.params;
          if (p.tickLower === undefined && p.priceLower === undefined && p.widthPct === undefined && p.tickWidth === undefined) {
            throw invalid("give a range: tickLower/tickUpper, priceLower/priceUpper, widthPct or tickWidth", "widthPct");
          }
          const opened = await this.budgeted(ctx, async () => (await this.liquidity()).v3Mint(p));
          ctx.emit("liquidity.position.opened", opened);
          return opened;
        },
      },
      v3Increase: {
        rest: "POST /v3/positions/:tokenId/increase",
        role: "trader",
        idempotent: false,
        params: { account: ACCOUNT, tokenId: TOKEN_ID, amount0: AMOUNT, amount1: AMOUNT, slippageBps: BPS },
        async handler(this: This, ctx: Context<any>) {
          return this.budgeted(ctx, async () => (await this.liquidity()).v3Increase(ctx.params));
        },
      },
      v3Decrease: {
        rest: "POST /v3/positions/:tokenId/decrease",
        role: "trader",
        idempotent: false,
        summary: "Remove liquidity from a position (all unless liquidity or percent); tokens become collectable",
        params: { account: ACCOUNT, tokenId: TOKEN_ID, liquidity: { type: "string", pattern: /^\d+$/, optional: true }, percent: { type: "number", positive: true, max: 100, optional: true, convert: true }, slippageBps: BPS },
        async handler(this: This, ctx: Context<any>) {
          return this.budgeted(ctx, async () => (await this.liquidity()).v3Decrease(ctx.params));
        },
      },
      v3Collect: {
        rest: "POST /v3/positions/:tokenId/collect",
        role: "trader",
        idempotent: false,
        summary: "Collect fees and decreased liquidity owed to a position",
        params: { account: ACCOUNT, tokenId: TOKEN_ID },
        async handler(this: This, ctx: Context<any>) {
          return this.budgeted(ctx, async () => (await this.liquidity()).v3Collect(ctx.params));
        },
      },
      v3Close: {
        rest: "POST /v3/positions/:tokenId/close",
        role: "trader",
        idempotent: false,
        summary: "Close a position: decrease all + collect + burn in one transaction",
        params: { account: ACCOUNT, tokenId: TOKEN_ID, slippageBps: BPS },
        async handler(this: This, ctx: Context<any>) {
          const closed = pub(await this.budgeted(ctx, async () => (await this.liquidity()).v3Close(ctx.params)));
          this.policies.delete(ctx.params.tokenId);
          ctx.emit("liquidity.position.closed", closed);
          return closed;
        },
      },
      position: {
        rest: "GET /v3/positions/:tokenId",
        role: "viewer",
        params: { tokenId: TOKEN_ID },
        async handler(this: This, ctx: Context<{ tokenId: string }>) {
          return (await this.liquidity()).position(BigInt(ctx.params.tokenId));
        },
      },
      positions: {
        rest: "GET /v3/positions",
        role: "viewer",
        summary: "V3 positions owned by an account (label or address), with range status and uncollected amounts",
        params: { account: ACCOUNT },
        async handler(this: This, ctx: Context<{ account: string }>) {
          const c = await this.liquidity();
          const owner = /^0x[0-9a-fA-F]{40}$/.test(ctx.params.account) ? ctx.params.account : c.sender.resolve(ctx.params.account);
          return { account: owner, positions: await c.positionsOf(owner) };
        },
      },
      policies: {
        rest: "GET /policies",
        role: "viewer",
        summary: "Range policies with their state (in_range, out_of_range, closing, reopening) and last decision",
        handler(this: This) {
          return [...this.policies.values()].map((r) => this.publicPolicy(r));
        },
      },
      setPolicy: {
        rest: "PUT /policies/:tokenId",
        role: "trader",
        summary: "Set the re-centring policy of a V3 position (widthPct or tickWidth, minIntervalMs, grace, enabled)",
        params: {
          tokenId: TOKEN_ID,
          widthPct: { type: "number", positive: true, max: 199, optional: true, convert: true },
          tickWidth: { type: "number", integer: true, positive: true, optional: true, convert: true },
          minIntervalMs: { type: "number", integer: true, min: 0, optional: true, convert: true },
          outOfRangeGraceMs: { type: "number", integer: true, min: 0, optional: true, convert: true },
          enabled: { type: "boolean", optional: true, convert: true },
          slippageBps: BPS,
        },
        async handler(this: This, ctx: Context<any>) {
          const p = ctx.params;
          const c = await this.liquidity();
          const old = this.policies.get(p.tokenId);
          const owner = await c.ownerOf(BigInt(p.tokenId));
          const held = c.sender.resolve(owner); // throws TX_NOT_FOUND (404) when the wallet does not hold the owner
          const pos = await c.rawPosition(BigInt(p.tokenId));
          const pool = await c.v3PoolAddress(await c.token(pos.token0), await c.token(pos.token1), pos.fee);
          const params: RangePolicyParams = {
            widthPct: p.widthPct ?? (p.tickWidth === undefined ? old?.params.widthPct : undefined),
            tickWidth: p.tickWidth ?? (p.widthPct === undefined ? old?.params.tickWidth : undefined),
            minIntervalMs: p.minIntervalMs ?? old?.params.minIntervalMs ?? this.settings.defaultMinIntervalMs,
            outOfRangeGraceMs: p.outOfRangeGraceMs ?? old?.params.outOfRangeGraceMs ?? this.settings.defaultOutOfRangeGraceMs,
          };
          const bad = validatePolicyParams(params);
          if (bad) throw invalid(bad, "widthPct");
          const rec: PolicyRecord = old ?? {
            tokenId: p.tokenId, account: held, pool, enabled: true, params, slippageBps: null, memory: initialMemory(),
            lastDecision: null, lastCheckedAt: null, lastError: null, recenters: 0, history: [],
          };
          rec.params = params;
          rec.enabled = p.enabled ?? old?.enabled ?? true;
          rec.slippageBps = p.slippageBps ?? rec.slippageBps;
          this.policies.set(p.tokenId, rec);
          return this.publicPolicy(rec);
        },
      },
      runPolicies: {
        visibility: "protected",
        summary: "Evaluate all enabled policies now (what the timer and price events do)",
        async handler(this: This) {
          await this.runPolicies();
          return [...this.policies.values()].map((r) => this.publicPolicy(r));
        },
      },
    },

    events: {
      "price.dex.updated"(this: This, ctx: Context<{ pool?: string; address?: string }>) {
        const pool = ctx.params?.pool ?? ctx.params?.address;
        if (typeof pool !== "string") return;
        if (![...this.policies.values()].some((r) => r.enabled && r.pool.toLowerCase() === pool.toLowerCase())) return;
        void this.runPolicies(pool);
      },
    },

    methods: {
      /** Runs a write with its transaction waits inside the caller's deadline (see lib/wallet/wait-budget). */
      budgeted<T>(this: This, ctx: Context, fn: () => Promise<T>): Promise<T> {
        return withWaitDeadline(waitBudgetMs(ctx as unknown as DeadlineCarrier, this.settings.txTimeoutMs, this.settings.txTimeoutMs), fn);
      },

      async liquidity(this: This): Promise<LiquidityClient> {
        if (!this.chain) throw unavailable("liquidity is not connected to a chain yet");
        const mode = this.settings.signer;
        const walletSvc = mode === "remote" ? undefined : (this.broker.getLocalService("wallet") as { wallet?: EvmWallet | null } | undefined);
        let wallet: EvmWallet | BrokerSender | null = walletSvc?.wallet ?? null;
        if (!wallet && mode === "local") throw unavailable("liquidity (signer=local) needs the wallet service started in the same process");
        if (!wallet) {
          if (!this.remote) {
            const { accounts } = (await this.broker.call("wallet.accounts", {})) as { accounts: Array<{ address: string; label: string }> };
            this.remote = new BrokerSender(this.broker, accounts, this.settings.txTimeoutMs);
          }
          wallet = this.remote;
        }
        if (!this.chain.deployment) throw toMoleculerError(new LiquidityError("NO_DEPLOYMENT", "no Uniswap deployment description for this chain"));
        if (!this.client || this.clientWallet !== wallet) {
          this.client = new LiquidityClient(this.chain.provider, this.chain.deployment, wallet, {
            confirmations: this.settings.confirmations, defaultSlippageBps: this.settings.defaultSlippageBps, deadlineSec: this.settings.deadlineSec,
          });
          this.clientWallet = wallet;
        }
        return this.client;
      },

      /** Serialised: one evaluation pass at a time. */
      runPolicies(this: This, pool?: string): Promise<void> {
        const run = async () => {
          for (const rec of [...this.policies.values()]) {
            if (this.stopping) return;
            if (!rec.enabled || (pool && rec.pool.toLowerCase() !== pool.toLowerCase())) continue;
            try {
              await this.checkPolicy(rec);
              rec.lastError = null;
            } catch (err) {
              rec.lastError = (err as Error).message;
              this.logger.warn(`liquidity policy ${rec.tokenId}: ${(err as Error).message}`);
            }
          }
        };
        this.loop = this.loop.then(run, run);
        return this.loop;
      },

      async checkPolicy(this: This, rec: PolicyRecord): Promise<void> {
        const c = await this.liquidity();
        const pos = await c.rawPosition(BigInt(rec.tokenId));
        const pool = await c.poolState(rec.pool);
        const now = Date.now();
        const { memory, decision } = evaluatePolicy(rec.memory, { tick: pool.tick, tickLower: pos.tickLower, tickUpper: pos.tickUpper, tickSpacing: pool.tickSpacing, now }, rec.params);
        if (memory.state.kind !== rec.memory.state.kind) rec.history.push(`${new Date(now).toISOString()} ${memory.state.kind}`);
        rec.memory = memory;
        rec.lastDecision = decision;
        rec.lastCheckedAt = now;
        if (decision.action !== "recenter") return;

        const oldId = rec.tokenId;
        rec.memory = beginRecenter(rec.memory, now);
        rec.history.push(`${new Date(now).toISOString()} closing`);
        try {
          const result = await c.recenter({
            account: rec.account, tokenId: oldId, width: rec.params, slippageBps: rec.slippageBps ?? undefined,
            onClosed: (closed) => {
              rec.memory = recenterReopening(rec.memory, Date.now());
              rec.history.push(`${new Date().toISOString()} reopening`);
              this.broker.emit("liquidity.position.closed", { ...pub(closed), reason: "recenter" });
            },
          });
          rec.memory = recenterDone(rec.memory);
          rec.recenters += 1;
          rec.tokenId = result.opened.tokenId;
          rec.history.push(`${new Date().toISOString()} in_range`);
          this.policies.delete(oldId);
          this.policies.set(rec.tokenId, rec);
          this.broker.emit("liquidity.position.opened", { ...result.opened, reason: "recenter" });
          this.broker.emit("liquidity.position.recentered", {
            oldTokenId: oldId, newTokenId: result.opened.tokenId, account: rec.account, pool: rec.pool,
            tick: pool.tick, oldRange: { tickLower: pos.tickLower, tickUpper: pos.tickUpper },
            newRange: { tickLower: result.opened.tickLower, tickUpper: result.opened.tickUpper },
            closed: pub(result.closed), opened: result.opened, swapTx: result.swapTx,
          });
        } catch (err) {
          rec.memory = recenterFailed(rec.memory, Date.now());
          // A closed-but-not-reopened position cannot be re-centred again: disable and report.
          if (rec.memory.state.kind === "out_of_range" && !(await c.ownerOf(BigInt(oldId)).then(() => true, () => false))) rec.enabled = false;
          throw err;
        }
      },

      publicPolicy(this: This, rec: PolicyRecord) {
        return {
          tokenId: rec.tokenId, account: rec.account, pool: rec.pool, enabled: rec.enabled, params: rec.params, slippageBps: rec.slippageBps,
          state: rec.memory.state, lastRecenterAt: rec.memory.lastRecenterAt, lastDecision: rec.lastDecision, lastCheckedAt: rec.lastCheckedAt,
          lastError: rec.lastError, recenters: rec.recenters, history: rec.history.slice(-20),
        };
      },
    },

    created(this: This) {
      this.remote = null;
      this.chain = null;
      this.client = null;
      this.clientWallet = null;
      this.policies = new Map();
      this.timer = null;
      this.loop = Promise.resolve();
      this.stopping = false;
    },

    async started(this: This) {
      this.chain = await acquireChain(env);
      if (this.settings.policyIntervalMs > 0) {
        this.timer = setInterval(() => {
          if (this.policies.size > 0 && !this.stopping) void this.runPolicies();
        }, this.settings.policyIntervalMs);
        this.timer.unref?.();
      }
    },

    async stopped(this: This) {
      this.stopping = true;
      if (this.timer) clearInterval(this.timer);
      await this.loop.catch(() => undefined);
      this.client = null;
      this.remote = null;
      this.chain = null;
      await releaseChain(env);
    },
  };
  return schema as unknown as ServiceSchema;
}

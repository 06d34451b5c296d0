/** EIP-1559 fee fields from the node's fee data, capped. */
import type { Provider } from "ethers";
import { WalletError } from "./errors";

export interface FeePolicy {
  /** Highest maxFeePerGas ever sent, in wei (default 500 gwei). */
  maxFeePerGasCap: bigint;
  /** Bump applied to both fields when replacing a transaction, in percent (default 20; nodes require ≥ 10). */
  replacementBumpPercent: number;
}

export const DEFAULT_FEE_POLICY: FeePolicy = { maxFeePerGasCap: 500n * 10n ** 9n, replacementBumpPercent: 20 };

export interface FeeFields {
  maxFeePerGas: bigint;
  maxPriorityFeePerGas: bigint;
}

export async function feeFields(provider: Provider, policy: FeePolicy = DEFAULT_FEE_POLICY): Promise<FeeFields> {
  const fd = await provider.getFeeData();
  const priority = fd.maxPriorityFeePerGas ?? 10n ** 9n;
  let maxFee = fd.maxFeePerGas ?? (fd.gasPrice ?? 0n) * 2n;
  if (maxFee < priority) maxFee = priority;
  if (maxFee > policy.maxFeePerGasCap) {
    if (priority > policy.maxFeePerGasCap) throw new WalletError("FEE_CAP_EXCEEDED", `priority fee ${priority} wei exceeds the cap ${policy.maxFeePerGasCap} wei`);
    maxFee = policy.maxFeePerGasCap;
  }
  return { maxFeePerGas: maxFee, maxPriorityFeePerGas: priority };
}

/** Fees for a replacement: the old ones bumped, or the current market if higher; within the cap. */
export function bumpedFees(old: FeeFields, market: FeeFields, policy: FeePolicy = DEFAULT_FEE_POLICY): FeeFields {
  const bump = (v: bigint) => (v * BigInt(100 + policy.replacementBumpPercent) + 99n) / 100n + 1n;
  const max = (a: bigint, b: bigint) => (a > b ? a : b);
  const fees = { maxFeePerGas: max(bump(old.maxFeePerGas), market.maxFeePerGas), maxPriorityFeePerGas: max(bump(old.maxPriorityFeePerGas), market.maxPriorityFeePerGas) };
  if (fees.maxFeePerGas < fees.maxPriorityFeePerGas) fees.maxFeePerGas = fees.maxPriorityFeePerGas;
  if (fees.maxFeePerGas > policy.maxFeePerGasCap) {
    throw new WalletError("FEE_CAP_EXCEEDED", `replacement needs maxFeePerGas ${fees.maxFeePerGas} wei, above the cap ${policy.maxFeePerGasCap} wei`);
  }
  return fees;
}

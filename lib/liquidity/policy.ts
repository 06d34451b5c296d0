/**
 * A pure range policy for a V3 position (after Hummingbot's LP rebalancer): while the
 * pool tick stays in the position's range it holds; once the tick has been out of range
 * for `outOfRangeGraceMs` it asks to re-centre (close, then reopen around the price),
 * never twice within `minIntervalMs`. The caller drives the closing → reopening → in_range
 * transitions with `beginRecenter` / `recenterDone` / `recenterFailed`.
 */
import { centeredRange, inRange, type RangeWidth } from "./math";

export type PolicyState =
  | { kind: "in_range" }
  | { kind: "out_of_range"; since: number }
  | { kind: "closing"; at: number }
  | { kind: "reopening"; at: number };

export interface RangePolicyParams extends RangeWidth {
  /** Least time between two re-centerings, ms. */
  minIntervalMs: number;
  /** How long the tick must stay out of range before re-centering, ms. */
  outOfRangeGraceMs: number;
}

export interface PolicyMemory {
  state: PolicyState;
  /** When the last re-centering started (ms), null if never. */
  lastRecenterAt: number | null;
}

export interface PolicyInput {
  tick: number;
  tickLower: number;
  tickUpper: number;
  tickSpacing: number;
  now: number;
}

export type PolicyDecision =
  | { action: "hold"; reason: "in_range" | "grace" | "min_interval" | "busy" }
  | { action: "recenter"; tickLower: number; tickUpper: number };

export const initialMemory = (): PolicyMemory => ({ state: { kind: "in_range" }, lastRecenterAt: null });

export function validatePolicyParams(p: RangePolicyParams): string | null {
  if (p.widthPct === undefined && p.tickWidth === undefined) return "widthPct or tickWidth is required";
  if (p.widthPct !== undefined && !(p.widthPct > 0 && p.widthPct < 200)) return "widthPct must be between 0 and 200";
  if (p.tickWidth !== undefined && !(p.tickWidth > 0)) return "tickWidth must be positive";
  if (!(p.minIntervalMs >= 0)) return "minIntervalMs must be ≥ 0";
  if (!(p.outOfRangeGraceMs >= 0)) return "outOfRangeGraceMs must be ≥ 0";
  return null;
}

/** One step: the next memory and what to do. Pure: same inputs, same answer. */
export function evaluatePolicy(memory: PolicyMemory, input: PolicyInput, params: RangePolicyParams): { memory: PolicyMemory; decision: PolicyDecision } {
  const { state } = memory;
  if (state.kind === "closing" || state.kind === "reopening") return { memory, decision: { action: "hold", reason: "busy" } };
  if (inRange(input.tick, input.tickLower, input.tickUpper)) {
    return { memory: { ...memory, state: { kind: "in_range" } }, decision: { action: "hold", reason: "in_range" } };
  }
  const since = state.kind === "out_of_range" ? state.since : input.now;
  const next: PolicyMemory = { ...memory, state: { kind: "out_of_range", since } };
  if (input.now - since < params.outOfRangeGraceMs) return { memory: next, decision: { action: "hold", reason: "grace" } };
  if (memory.lastRecenterAt !== null && input.now - memory.lastRecenterAt < params.minIntervalMs) {
    return { memory: next, decision: { action: "hold", reason: "min_interval" } };
  }
  const range = centeredRange(input.tick, input.tickSpacing, params);
  return { memory: next, decision: { action: "recenter", ...range } };
}

/** The caller starts closing the position: the interval clock starts now. */
export function beginRecenter(memory: PolicyMemory, now: number): PolicyMemory {
  return { state: { kind: "closing", at: now }, lastRecenterAt: now };
}

/** The old position is closed; the new one is being minted. */
export function recenterReopening(memory: PolicyMemory, now: number): PolicyMemory {
  return { ...memory, state: { kind: "reopening", at: now } };
}

/** The new position is open. */
export function recenterDone(memory: PolicyMemory): PolicyMemory {
  return { ...memory, state: { kind: "in_range" } };
}

/** Closing or reopening failed: back to out_of_range (retried after minIntervalMs). */
export function recenterFailed(memory: PolicyMemory, now: number): PolicyMemory {
  return { ...memory, state: { kind: "out_of_range", since: now } };
}

import { BookFormatError, LevelInput } from './l2-book';

/** A REST depth snapshot: Binance's `lastUpdateId`, or ccxt's `nonce` from fetchOrderBook(). */
export interface DepthSnapshot {
  bids: readonly LevelInput[];
  asks: readonly LevelInput[];
  lastUpdateId?: number;
  nonce?: number;
}

/** A diff update, Binance's update ids: `U` the first, `u` the final one it covers. Amount 0 removes a level. */
export interface DepthDiff {
  U: number;
  u: number;
  bids: readonly LevelInput[];
  asks: readonly LevelInput[];
}

/** Binance's `depthUpdate` stream payload. */
export interface BinanceDepthEvent {
  e?: string;
  E?: number;
  s?: string;
  U: number;
  u: number;
  b: readonly LevelInput[];
  a: readonly LevelInput[];
}

export function fromBinanceDepthEvent(event: BinanceDepthEvent): DepthDiff {
  return { U: event.U, u: event.u, bids: event.b, asks: event.a };
}

function updateId(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new BookFormatError(field, `must be a non-negative integer update id, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function snapshotUpdateId(snapshot: DepthSnapshot): number {
  return snapshot.lastUpdateId !== undefined ? updateId(snapshot.lastUpdateId, 'lastUpdateId') : updateId(snapshot.nonce, 'nonce');
}

export function diffUpdateIds(diff: DepthDiff): { first: number; final: number } {
  const first = updateId(diff.U, 'U');
  const final = updateId(diff.u, 'u');
  if (first > final) throw new BookFormatError('U', `must not exceed u, got U=${first} u=${final}`);
  return { first, final };
}

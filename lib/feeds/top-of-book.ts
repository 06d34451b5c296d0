import { formatUnits, SCALE } from '../paper/fixed-point';
import { LevelInput, parseLevels } from './l2-book';

export interface TopOfBook {
  /** decimal strings; null where a side is empty */
  bid: string | null;
  ask: string | null;
  /** (bid + ask) / 2, exact: it may carry one decimal more than the prices */
  mid: string | null;
  bidSize: string | null;
  askSize: string | null;
  /** ask - bid */
  spread: string | null;
}

/** Half of a positive units value, exactly: an odd value ends in a 5 at the 19th decimal. */
function exactHalf(units: bigint): string {
  if (units % 2n === 0n) return formatUnits(units / 2n);
  const tenths = units * 5n;
  const scale = SCALE * 10n;
  const fraction = (tenths % scale).toString().padStart(19, '0').replace(/0+$/, '');
  return `${tenths / scale}.${fraction}`;
}

/** Best bid and ask of a best-first book (ccxt numbers or decimal strings). */
export function topOfBook(book: { bids: readonly LevelInput[]; asks: readonly LevelInput[] }): TopOfBook {
  const [bid] = parseLevels(book.bids.slice(0, 1), 'bids');
  const [ask] = parseLevels(book.asks.slice(0, 1), 'asks');
  const both = bid && ask;
  return {
    bid: bid ? formatUnits(bid.price) : null,
    ask: ask ? formatUnits(ask.price) : null,
    mid: both ? exactHalf(bid.price + ask.price) : null,
    bidSize: bid ? formatUnits(bid.amount) : null,
    askSize: ask ? formatUnits(ask.amount) : null,
    spread: both ? formatUnits(ask.price - bid.price) : null,
  };
}

/** The engine's own order and fill records; all figures are units (value × 10^18). */

export type Side = 'buy' | 'sell';
export type OrderKind = 'limit' | 'market';
export type TimeInForce = 'GTC' | 'IOC' | 'FOK' | 'PO';
export type OrderStatus = 'open' | 'closed' | 'canceled';

export interface PriceLevel {
  price: bigint;
  /** sum of the remaining amounts resting at this price */
  volume: bigint;
  count: number;
  head: PaperOrder | null;
  tail: PaperOrder | null;
}

export interface PaperOrder {
  id: string;
  clientOrderId: string | undefined;
  accountId: string;
  symbol: string;
  side: Side;
  type: OrderKind;
  timeInForce: TimeInForce;
  postOnly: boolean;
  /** limit price; undefined for market orders */
  price: bigint | undefined;
  amount: bigint;
  filled: bigint;
  /** quote value of the fills (Σ price × amount) */
  cost: bigint;
  /** fee paid so far, in feeCurrency (negative for maker rebates) */
  fee: bigint;
  feeCurrency: string;
  /** funds still reserved for this order, in the currency it spends */
  locked: bigint;
  status: OrderStatus;
  /** why the order stopped before filling, when it did */
  cancelReason: string | undefined;
  timestamp: number;
  lastTradeTimestamp: number | undefined;
  lastUpdateTimestamp: number;
  /** fills of this order, kept only for accounts that keep history */
  fills: PaperFill[] | undefined;
  /** position in the book while resting */
  level: PriceLevel | null;
  prev: PaperOrder | null;
  next: PaperOrder | null;
}

export interface PaperFill {
  id: string;
  orderId: string;
  clientOrderId: string | undefined;
  accountId: string;
  symbol: string;
  side: Side;
  orderType: OrderKind;
  takerOrMaker: 'taker' | 'maker';
  price: bigint;
  amount: bigint;
  cost: bigint;
  fee: bigint;
  feeCurrency: string;
  feeRate: bigint;
  timestamp: number;
}

export interface PublicTrade {
  id: string;
  symbol: string;
  /** side of the taker */
  side: Side;
  price: bigint;
  amount: bigint;
  cost: bigint;
  timestamp: number;
}

export function remainingOf(order: PaperOrder): bigint {
  return order.amount - order.filled;
}

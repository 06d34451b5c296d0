import { EventEmitter } from 'node:events';
import { formatUnits } from './fixed-point';
import { PaperFill, PaperOrder } from './orders';

export interface BalanceEntry {
  /** everything the account owns */
  total: bigint;
  /** reserved by open orders */
  used: bigint;
}

export interface AccountOptions {
  /**
   * Simulated other traders (background liquidity, takers, replay) have no balance limits and
   * keep no history: their ledger operations are no-ops.
   */
  unlimited?: boolean;
  /** closed/canceled orders kept for fetchOrder & co. (oldest forgotten first) */
  maxClosedOrders?: number;
  /** fills kept for fetchMyTrades */
  maxTrades?: number;
}

export interface DecimalBalance {
  free: string;
  used: string;
  total: string;
}

/**
 * One API key on the venue: its balances (free = total − used), its orders and fills, and the
 * emitter its exchange facades listen to.
 */
export class Account {
  readonly unlimited: boolean;
  readonly events = new EventEmitter();
  /** every order the account still remembers, in creation order */
  readonly orders = new Map<string, PaperOrder>();
  readonly openOrders = new Map<string, PaperOrder>();
  readonly orderIdByClientId = new Map<string, string>();
  readonly fills: PaperFill[] = [];
  private readonly balances = new Map<string, BalanceEntry>();
  private readonly closedOrderIds: string[] = [];
  private closedHead = 0;
  private readonly maxClosedOrders: number;
  private readonly maxTrades: number;

  constructor(
    readonly id: string,
    options: AccountOptions = {},
  ) {
    this.unlimited = options.unlimited ?? false;
    this.maxClosedOrders = options.maxClosedOrders ?? 10_000;
    this.maxTrades = options.maxTrades ?? 10_000;
    this.events.setMaxListeners(0);
  }

  get keepsHistory(): boolean {
    return !this.unlimited;
  }

  balance(currency: string): BalanceEntry {
    return this.balances.get(currency) ?? { total: 0n, used: 0n };
  }

  free(currency: string): bigint {
    const entry = this.balance(currency);
    return entry.total - entry.used;
  }

  currencies(): string[] {
    return [...this.balances.keys()];
  }

  credit(currency: string, amount: bigint): void {
    if (this.unlimited || amount === 0n) return;
    this.entry(currency).total += amount;
  }

  /** Takes free funds out (withdrawal). The caller checks `free` first. */
  debitFree(currency: string, amount: bigint): void {
    if (this.unlimited) return;
    const entry = this.entry(currency);
    if (entry.total - entry.used < amount) throw new Error(`ledger: ${this.id} ${currency} free balance below ${formatUnits(amount)}`);
    entry.total -= amount;
  }

  /** Reserves free funds for an order; false when there are not enough. */
  lock(currency: string, amount: bigint): boolean {
    if (this.unlimited) return true;
    const entry = this.entry(currency);
    if (entry.total - entry.used < amount) return false;
    entry.used += amount;
    return true;
  }

  /** Releases `released` of an order's reservation and spends `spent` (≤ released) of it. */
  spendLocked(currency: string, released: bigint, spent: bigint): void {
    if (this.unlimited) return;
    const entry = this.entry(currency);
    entry.used -= released;
    entry.total -= spent;
    if (entry.used < 0n || entry.total < entry.used) {
      throw new Error(`ledger invariant broken for ${this.id} ${currency}: total ${formatUnits(entry.total)} used ${formatUnits(entry.used)}`);
    }
  }

  unlock(currency: string, amount: bigint): void {
    this.spendLocked(currency, amount, 0n);
  }

  rememberOrder(order: PaperOrder): void {
    if (!this.keepsHistory) return;
    this.orders.set(order.id, order);
    if (order.clientOrderId !== undefined) this.orderIdByClientId.set(order.clientOrderId, order.id);
  }

  /** Called once when an order leaves the open state. */
  orderClosed(order: PaperOrder): void {
    this.openOrders.delete(order.id);
    if (!this.keepsHistory) return;
    this.closedOrderIds.push(order.id);
    while (this.closedOrderIds.length - this.closedHead > this.maxClosedOrders) {
      const forgotten = this.orders.get(this.closedOrderIds[this.closedHead]);
      this.closedHead += 1;
      if (!forgotten) continue;
      this.orders.delete(forgotten.id);
      if (forgotten.clientOrderId !== undefined && this.orderIdByClientId.get(forgotten.clientOrderId) === forgotten.id) {
        this.orderIdByClientId.delete(forgotten.clientOrderId);
      }
    }
    if (this.closedHead > 4096 && this.closedHead * 2 > this.closedOrderIds.length) {
      this.closedOrderIds.splice(0, this.closedHead);
      this.closedHead = 0;
    }
  }

  recordFill(fill: PaperFill): void {
    if (!this.keepsHistory) return;
    this.fills.push(fill);
    if (this.fills.length > this.maxTrades + 1024) this.fills.splice(0, this.fills.length - this.maxTrades);
  }

  decimalBalances(): Record<string, DecimalBalance> {
    const result: Record<string, DecimalBalance> = {};
    for (const [currency, entry] of this.balances) {
      result[currency] = {
        free: formatUnits(entry.total - entry.used),
        used: formatUnits(entry.used),
        total: formatUnits(entry.total),
      };
    }
    return result;
  }

  private entry(currency: string): BalanceEntry {
    let entry = this.balances.get(currency);
    if (!entry) {
      entry = { total: 0n, used: 0n };
      this.balances.set(currency, entry);
    }
    return entry;
  }
}

/**
 * ccxt's own error classes, so callers can `catch (e) { if (e instanceof ccxt.InsufficientFunds) … }`
 * the same way for the paper venue and live exchanges.
 *
 * Why not `import { InvalidOrder } from 'ccxt'`: ccxt's CommonJS entry also loads its crypto
 * dependencies (@noble/*), which are ESM-only; Node 22 can require them, jest's module loader
 * cannot. The error classes live in a dependency-free module of ccxt's CommonJS build, the very
 * file its entry loads, so these are the identical classes (checked by a test).
 */
import { dirname, join } from 'node:path';
import type * as ccxt from 'ccxt';

interface CcxtErrors {
  BaseError: typeof ccxt.BaseError;
  ExchangeError: typeof ccxt.ExchangeError;
  ArgumentsRequired: typeof ccxt.ArgumentsRequired;
  BadRequest: typeof ccxt.BadRequest;
  BadSymbol: typeof ccxt.BadSymbol;
  InsufficientFunds: typeof ccxt.InsufficientFunds;
  InvalidOrder: typeof ccxt.InvalidOrder;
  OrderNotFound: typeof ccxt.OrderNotFound;
  OrderImmediatelyFillable: typeof ccxt.OrderImmediatelyFillable;
  DuplicateOrderId: typeof ccxt.DuplicateOrderId;
}

export const CCXT_ERRORS_MODULE = join(dirname(require.resolve('ccxt')), 'cjs', 'src', 'base', 'errors.js');

// eslint-disable-next-line @typescript-eslint/no-require-imports
const errors = require(CCXT_ERRORS_MODULE) as CcxtErrors;

export const {
  BaseError,
  ExchangeError,
  ArgumentsRequired,
  BadRequest,
  BadSymbol,
  InsufficientFunds,
  InvalidOrder,
  OrderNotFound,
  OrderImmediatelyFillable,
  DuplicateOrderId,
} = errors;

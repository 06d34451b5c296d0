import { execFileSync } from 'node:child_process';
import { CCXT_ERRORS_MODULE, InvalidOrder, OrderImmediatelyFillable } from '../../../lib/paper/ccxt-errors';

describe('paper errors are ccxt error classes', () => {
  it('come from the module ccxt itself loads, so instanceof agrees with require("ccxt")', () => {
    // jest cannot load ccxt's entry (ESM-only dependencies); plain Node can, so compare there
    const script = `const c = require('ccxt'); const e = require(${JSON.stringify(CCXT_ERRORS_MODULE)});
      const names = ['InsufficientFunds','InvalidOrder','BadSymbol','OrderNotFound','DuplicateOrderId','OrderImmediatelyFillable','ArgumentsRequired','BadRequest'];
      process.stdout.write(names.filter((n) => c[n] !== e[n] || typeof e[n] !== 'function').join(',') || 'same');`;
    expect(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })).toBe('same');
  });

  it('keep ccxt hierarchy', () => {
    expect(new OrderImmediatelyFillable('x')).toBeInstanceOf(InvalidOrder);
  });
});

import { formatUnits, mulUnits, mulUnitsCeil, parseUnits, toUnits } from '../../../lib/paper/fixed-point';

describe('paper fixed-point units', () => {
  it('parses decimal strings and numbers exactly and formats them back trimmed', () => {
    expect(formatUnits(toUnits('100.50'))).toBe('100.5');
    expect(formatUnits(toUnits('0.000000000000000001'))).toBe('0.000000000000000001');
    expect(formatUnits(toUnits(0.1))).toBe('0.1');
    expect(formatUnits(toUnits(1e-7))).toBe('0.0000001');
    expect(formatUnits(toUnits('1.5e3'))).toBe('1500');
    expect(formatUnits(toUnits('-2.25'))).toBe('-2.25');
    expect(formatUnits(toUnits('.5'))).toBe('0.5');
    expect(formatUnits(0n)).toBe('0');
  });

  it('flags digits beyond 18 decimals instead of rounding silently', () => {
    expect(parseUnits('1.0000000000000000001').exact).toBe(false);
    expect(parseUnits('1.0000000000000000000').exact).toBe(true);
    expect(() => toUnits('0.1234567890123456789', 'price')).toThrow('price has more than 18 decimals');
  });

  it('rejects what is not a number', () => {
    expect(() => toUnits('abc', 'amount')).toThrow('amount is not a decimal number: "abc"');
    expect(() => toUnits(Number.NaN, 'amount')).toThrow('amount must be a finite number');
    expect(() => toUnits('', 'amount')).toThrow('not a decimal number');
  });

  it('multiplies exactly, with fees rounded up', () => {
    expect(formatUnits(mulUnits(toUnits('30000.01'), toUnits('0.0003')))).toBe('9.000003');
    // 0.1 × 0.1 = 0.01 with no float error
    expect(formatUnits(mulUnits(toUnits('0.1'), toUnits('0.1')))).toBe('0.01');
    expect(formatUnits(mulUnitsCeil(toUnits('0.000000000000000001'), toUnits('0.5')))).toBe('0.000000000000000001');
    expect(formatUnits(mulUnitsCeil(toUnits('-0.000000000000000001'), toUnits('0.5')))).toBe('0');
  });
});

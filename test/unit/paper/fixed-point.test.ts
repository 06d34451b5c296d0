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

describe("formatUnits against the arithmetic definition", () => {
  const reference = (units: bigint): string => {
    const negative = units < 0n;
    const abs = negative ? -units : units;
    const scale = 10n ** 18n;
    const fraction = (abs % scale).toString().padStart(18, "0").replace(/0+$/, "");
    const text = fraction ? `${abs / scale}.${fraction}` : (abs / scale).toString();
    return negative ? `-${text}` : text;
  };

  it("matches whole, fractional, tiny, huge and negative values", () => {
    const cases = [0n, 1n, -1n, 10n, 10n ** 17n, 10n ** 18n, 10n ** 18n + 1n, 123456789012345678901234567890n, -(10n ** 36n), 5n * 10n ** 15n, 999999999999999999n, 1000000000000000000000n];
    let seed = 42n;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
      cases.push((i % 2 === 0 ? 1n : -1n) * (seed % 10n ** BigInt(1 + (i % 40))));
    }
    for (const units of cases) expect([units, formatUnits(units)]).toEqual([units, reference(units)]);
  });
});

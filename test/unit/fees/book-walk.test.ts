import { amountForQuote, walkBook } from '../../../lib/fees';

const asks: Array<[string, string]> = [
  ['100', '1'],
  ['101', '2'],
  ['103', '0.5'],
];
const bids: Array<[string, string]> = [
  ['100', '1'],
  ['99', '2'],
];

describe('walkBook', () => {
  it('fills part of the book and stops inside a level', () => {
    expect(walkBook(asks, 'buy', '2.5')).toEqual({
      side: 'buy',
      requested: '2.5',
      filled: '2.5',
      remaining: '0',
      cost: '251.5',
      averagePrice: '100.6',
      worstPrice: '101',
      exhausted: false,
      levelsUsed: 2,
    });
  });

  it('reports an exhausted book with what it could fill', () => {
    expect(walkBook(asks, 'buy', '4')).toEqual({
      side: 'buy',
      requested: '4',
      filled: '3.5',
      remaining: '0.5',
      cost: '353.5',
      averagePrice: '101',
      worstPrice: '103',
      exhausted: true,
      levelsUsed: 3,
    });
    expect(walkBook([], 'sell', '1')).toMatchObject({ filled: '0', cost: '0', averagePrice: null, worstPrice: null, exhausted: true });
  });

  it('rounds the average price against the taker', () => {
    expect(walkBook([['1', '1'], ['2', '2']], 'buy', '3').averagePrice).toBe('1.666666666666666667');
    expect(walkBook([['2', '2'], ['1', '1']], 'sell', '3').averagePrice).toBe('1.666666666666666666');
  });

  it('reads ccxt number levels exactly and skips empty levels', () => {
    expect(walkBook([[100.1, 0], [100.2, 0.3]], 'buy', '0.3')).toMatchObject({ cost: '30.06', worstPrice: '100.2', levelsUsed: 1 });
  });

  it('rejects levels that are not best first for the side', () => {
    expect(() => walkBook(bids, 'buy', '1')).toThrow('levels[1][0] must be no better than the level before it (asks ascending for a buy)');
    expect(() => walkBook([['100', 'x']], 'buy', '1')).toThrow('levels[0][1] must be a non-negative decimal, got "x"');
    expect(() => walkBook(asks, 'buy', '0')).toThrow('amount must be a positive decimal string, got "0"');
  });
});

describe('amountForQuote', () => {
  it('buys as much as a quote budget allows, rounding the last amount down', () => {
    expect(amountForQuote(asks, '250')).toEqual({
      side: 'buy',
      quoteBudget: '250',
      amount: '2.485148514851485148',
      cost: '249.999999999999999948',
      averagePrice: '100.597609561752988048',
      worstPrice: '101',
      exhausted: false,
      levelsUsed: 2,
    });
  });

  it('spends a budget that ends exactly at a level boundary', () => {
    expect(amountForQuote(asks, '302')).toMatchObject({ amount: '3', cost: '302', exhausted: false, levelsUsed: 2 });
  });

  it('reports an exhausted book when the budget outlasts it', () => {
    expect(amountForQuote(asks, '1000')).toMatchObject({ amount: '3.5', cost: '353.5', worstPrice: '103', exhausted: true });
  });

  it('finds the base to sell for at least a quote target', () => {
    expect(amountForQuote(bids, '199', 'sell')).toMatchObject({ amount: '2', cost: '199', averagePrice: '99.5', exhausted: false });
    const third = amountForQuote([['3', '10']], '1', 'sell');
    expect(third).toMatchObject({ amount: '0.333333333333333334', cost: '1.000000000000000002' });
  });
});

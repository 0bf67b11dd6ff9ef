import { expect } from 'chai';
import { usccProblem, usccCheckChar, isValidUscc } from '../../src/lib/uscc.js';

describe('lib/uscc — GB 32100 check character', () => {
  const cases: [string, string, ReturnType<typeof usccProblem>][] = [
    ['domain example 1', '914403001922038216', null],
    ['domain example 2', '91110000100006194G', null],
    ['wrong check digit', '914403001922038217', 'checkDigit'],
    ['wrong check letter', '91110000100006194H', 'checkDigit'],
    ['17 characters', '91440300192203821', 'length'],
    ['19 characters', '9144030019220382160', 'length'],
    ['empty', '', 'length'],
    ['contains I', '91440300192203821I', 'charset'],
    ['contains O', '9144030019220O8216', 'charset'],
    ['contains S', 'S14403001922038216', 'charset'],
    ['contains V', '9V4403001922038216', 'charset'],
    ['contains Z', '914403001922038Z16', 'charset'],
    ['lower case is not upper-cased here', '91110000100006194g', 'charset'],
    ['placeholder for 个体工商户 is all zero (the record schema accepts it for 个体工商户 only)', '00000000000000000X', 'allZero'],
    ['all zero passes the check character but is refused', '000000000000000000', 'allZero'],
    ['positions 3–8 must be digits (division code)', '91AB0000100006194G', 'division'],
    ['a letter at position 8', '9144030A1922038216', 'division'],
    ['division checked before the check character', '91A10000100006194H', 'division'],
  ];
  for (const [name, code, expected] of cases) {
    it(`${name}: ${code || '(empty)'} → ${expected ?? 'valid'}`, () => {
      expect(usccProblem(code)).to.equal(expected);
      expect(isValidUscc(code)).to.equal(expected === null);
    });
  }
  it('computes the check character of every valid example', () => {
    expect(usccCheckChar('91440300192203821')).to.equal('6');
    expect(usccCheckChar('91110000100006194')).to.equal('G');
    expect(usccCheckChar('9111000010000619I')).to.equal(null);
  });
});

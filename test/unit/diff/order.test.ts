import { describe, expect, it } from 'vitest';
import { compareNumeric, compareOrder } from '../../../src/pipeline/diff/order.js';

describe('compareNumeric: the server order of numeric keys, exactly', () => {
  it('orders integers beyond 2^53 by value, not through doubles', () => {
    expect(compareNumeric('9007199254740993', '9007199254740992')).toBe(1);
    expect(compareNumeric('18446744073709551615', '18446744073709551614')).toBe(1);
    expect(compareNumeric('-9223372036854775808', '-9223372036854775807')).toBe(-1);
  });
  it('orders decimals with different scales and signs', () => {
    expect(compareNumeric('1.50', '1.5')).toBe(0);
    expect(compareNumeric('-0.01', '0')).toBe(-1);
    expect(compareNumeric('-0.00', '0')).toBe(0);
    expect(compareNumeric('10', '9.999')).toBe(1);
    expect(compareNumeric('-10', '-9.999')).toBe(-1);
    expect(compareNumeric('007', '7')).toBe(0);
  });
  it('mixes JS numbers and text, and puts NaN last as PostgreSQL does', () => {
    expect(compareNumeric(3, '3')).toBe(0);
    expect(compareNumeric(2.5, 10)).toBe(-1);
    expect(compareNumeric('1e-7', '0.0000002')).toBe(-1);
    expect(compareNumeric('NaN', 'Infinity')).toBe(1);
    expect(compareNumeric('-Infinity', '-1e308')).toBe(-1);
  });
});

describe('compareOrder', () => {
  it('compares tuples column by column, bytes as hex', () => {
    expect(compareOrder([{ n: 5 }, { b: '6B31' }], [{ n: 5 }, { b: '6B3130' }])).toBe(-1);
    expect(compareOrder([{ n: 5 }, { b: 'FF' }], [{ n: 6 }, { b: '00' }])).toBe(-1);
    expect(compareOrder([{ b: '41' }], [{ b: '61' }])).toBe(-1);
    expect(compareOrder([{ b: '' }], [{ b: '00' }])).toBe(-1);
  });
  it('refuses to compare a number with bytes', () => {
    expect(() => compareOrder([{ n: 1 }], [{ b: '01' }])).toThrow(/different kinds/);
  });
});

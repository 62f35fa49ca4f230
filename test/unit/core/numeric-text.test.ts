/** Unit: numeric-text elements of BYTES inputs a model parses into numbers, as strtoll / strtod read them. */
import { describe, expect, it } from 'vitest';
import { firstNonNumericElement } from '../../../src/core/numeric-text.js';
import { encodeBytesElements } from '../../../src/protocol/index.js';

function bytes(...elements: string[]): Uint8Array {
  return encodeBytesElements(elements);
}

describe('numeric text', () => {
  it('accepts what strtoll accepts: spaces, a sign, leading zeros, trailing text, the int64 range', () => {
    const ok = [
      '12',
      '-7',
      '+3',
      '  42',
      '\t9',
      '007',
      '12abc',
      '1.5',
      '9223372036854775807',
      '-9223372036854775808',
      '000000000000000000000001',
    ];
    expect(firstNonNumericElement(bytes(...ok), 'integer')).toBeNull();
  });

  it('refuses what strtoll refuses, naming the first such element', () => {
    for (const bad of [
      '',
      'abc',
      '-',
      ' + 1',
      '.5',
      'x12',
      '9223372036854775808',
      '-9223372036854775809',
      '99999999999999999999',
    ]) {
      expect(firstNonNumericElement(bytes('1', bad, 'zzz'), 'integer'), JSON.stringify(bad)).toEqual({
        index: 1,
        text: bad,
      });
    }
  });

  it('accepts decimal, exponent, hex, inf and nan for floats and refuses words and overflow', () => {
    expect(
      firstNonNumericElement(bytes('1.5', '-.5', '3e8', ' 2', 'inf', '-INF', 'NaN', '0x1p3', '7kg'), 'float'),
    ).toBeNull();
    for (const bad of ['abc', '.', '-', 'e5', '1e999', 'in']) {
      expect(firstNonNumericElement(bytes(bad), 'float')?.index, JSON.stringify(bad)).toBe(0);
    }
  });

  it('cuts a long element at 40 bytes in the report', () => {
    expect(firstNonNumericElement(bytes('y'.repeat(100)), 'integer')?.text).toBe(`${'y'.repeat(40)}...`);
  });
});

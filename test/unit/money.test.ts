import fc from 'fast-check';
import {
  MoneyFormatError,
  QuantityFormatError,
  formatMoney,
  formatQuantity,
  lineAmount,
  minBig,
  parseMoney,
  parseQuantity,
  sumBig,
} from '../../domain/money';

// ---- An independent oracle: decimal strings multiplied digit by digit, rounded half up by reading digits ----

/** An integer in units of 10^-scale as a decimal string with exactly `scale` decimals, built from its digits. */
function decimalFromScaled(value: bigint, scale: number): string {
  const digits = (value < 0n ? -value : value).toString().padStart(scale + 1, '0');
  return `${value < 0n ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** a × b for non-negative decimal strings, rounded half up to 2 decimals. */
function roundedProduct(a: string, b: string): string {
  const [aWhole, aFraction = ''] = a.split('.');
  const [bWhole, bFraction = ''] = b.split('.');
  const product = multiplyDigits(aWhole + aFraction, bWhole + bFraction);
  const scale = aFraction.length + bFraction.length;
  const padded = product.padStart(scale + 1, '0');
  const cents = padded.slice(0, padded.length - scale + 2);
  const firstDropped = padded[padded.length - scale + 2] ?? '0';
  const rounded = firstDropped >= '5' ? incrementDigits(cents) : cents;
  const trimmed = rounded.replace(/^0+(?=\d{3})/, '');
  return `${trimmed.slice(0, -2)}.${trimmed.slice(-2)}`;
}

function multiplyDigits(x: string, y: string): string {
  const sums = new Array<number>(x.length + y.length).fill(0);
  for (let i = x.length - 1; i >= 0; i--) {
    for (let j = y.length - 1; j >= 0; j--) sums[i + j + 1] += Number(x[i]) * Number(y[j]);
  }
  for (let k = sums.length - 1; k > 0; k--) {
    sums[k - 1] += Math.floor(sums[k] / 10);
    sums[k] %= 10;
  }
  return sums.join('');
}

function incrementDigits(digits: string): string {
  const lastNonNine = digits.search(/9*$/) - 1;
  const zeros = '0'.repeat(digits.length - lastNonNine - 1);
  if (lastNonNine < 0) return `1${zeros}`;
  return `${digits.slice(0, lastNonNine)}${Number(digits[lastNonNine]) + 1}${zeros}`;
}

describe('parseMoney', () => {
  it.each([
    ['12', 1200n],
    ['12.5', 1250n],
    ['12.50', 1250n],
    ['0.05', 5n],
    ['-1.00', -100n],
    ['-0.5', -50n],
    ['-0.00', 0n],
    ['007.10', 710n],
    ['1250.00', 125000n],
    ['98765432109876543210.99', 9876543210987654321099n],
  ])('reads %j as %p minor units', (text, minor) => {
    expect(parseMoney(text)).toBe(minor);
  });

  it.each(['', ' 1.00', '1.00 ', '1.', '.5', '+1.00', '1.234', '1,00', '1e3', '--1', '-', 'NaN', 'Infinity', '0x10', '１.00'])(
    'refuses %j',
    (text) => {
      expect(() => parseMoney(text)).toThrow(MoneyFormatError);
    },
  );

  it.each([12, 12.5, null, undefined, 1200n])('refuses the non-string %p', (value) => {
    expect(() => parseMoney(value as unknown as string)).toThrow(MoneyFormatError);
  });

  it('names the bad input and the expected shape in its message', () => {
    expect(() => parseMoney('1.234')).toThrow('"1.234" is not an amount: expected a decimal with at most 2 decimals');
  });
});

describe('formatMoney', () => {
  it.each([
    [0n, '0.00'],
    [5n, '0.05'],
    [50n, '0.50'],
    [-5n, '-0.05'],
    [-310n, '-3.10'],
    [125000n, '1250.00'],
    [9876543210987654321099n, '98765432109876543210.99'],
  ])('writes %p minor units as %j', (minor, text) => {
    expect(formatMoney(minor)).toBe(text);
  });
});

describe('parseQuantity', () => {
  it.each([
    [8, 8000n],
    [2.5, 2500n],
    [1.005, 1005n],
    [0.001, 1n],
    [0, 0n],
    [-0, 0n],
    [-1.5, -1500n],
    [1e9, 1000000000000n],
    ['2.5', 2500n],
    ['2.500', 2500n],
    ['-0.125', -125n],
  ])('reads %p as %p thousandths', (quantity, milli) => {
    expect(parseQuantity(quantity)).toBe(milli);
  });

  it.each([
    NaN,
    Infinity,
    -Infinity,
    1e21,
    1e-7,
    1.0001,
    0.1 + 0.2,
    '',
    '1.',
    '.5',
    '+1',
    '1.0001',
    '1e3',
    ' 1',
  ])('refuses %p', (quantity) => {
    expect(() => parseQuantity(quantity)).toThrow(QuantityFormatError);
  });

  it.each([null, undefined, 5n])('refuses the non-number %p', (value) => {
    expect(() => parseQuantity(value as unknown as number)).toThrow(QuantityFormatError);
  });

  it('names the bad input in its message', () => {
    expect(() => parseQuantity(NaN)).toThrow('NaN is not a quantity');
  });
});

describe('formatQuantity', () => {
  it.each([
    [8000n, 8],
    [2500n, 2.5],
    [1005n, 1.005],
    [1n, 0.001],
    [0n, 0],
    [-1500n, -1.5],
  ])('writes %p thousandths as %p', (milli, quantity) => {
    expect(formatQuantity(milli)).toBe(quantity);
  });

  it('refuses a quantity no JSON number holds exactly', () => {
    expect(() => formatQuantity(123456789012345678901n)).toThrow(QuantityFormatError);
  });
});

describe('lineAmount', () => {
  it.each([
    // [quantity, unit price, amount]
    [1.005, '1.00', '1.01'], // 1.005 exactly: a float would give 1.00
    [0.5, '0.01', '0.01'], // half a cent rounds up
    [0.499, '0.01', '0.00'],
    [0.333, '0.15', '0.05'], // 0.04995
    [0.335, '0.15', '0.05'], // 0.05025
    [2.345, '10.01', '23.47'], // 23.47345
    [1.5, '0.03', '0.05'], // 0.045 rounds up
    [3, '33.33', '99.99'],
    [0, '100.00', '0.00'],
    [12.5, '0.00', '0.00'],
    [-0.5, '0.01', '-0.01'], // half away from zero
    [0.5, '-0.01', '-0.01'],
    [-1.005, '1.00', '-1.01'],
  ])('%p × %s = %s', (quantity, price, amount) => {
    expect(formatMoney(lineAmount(parseQuantity(quantity), parseMoney(price)))).toBe(amount);
  });
});

describe('minBig and sumBig', () => {
  it('takes the smallest of its arguments', () => {
    expect(minBig(5n)).toBe(5n);
    expect(minBig(5n, -2n, 3n)).toBe(-2n);
    expect(minBig(1n, 1n)).toBe(1n);
  });

  it('adds a list, 0 when empty', () => {
    expect(sumBig([])).toBe(0n);
    expect(sumBig([1n, -3n, 10n])).toBe(8n);
  });
});

describe('properties', () => {
  const minorUnits = fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n });
  const milliUnits = fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n });

  it('parseMoney reads back what formatMoney wrote', () => {
    fc.assert(fc.property(minorUnits, (minor) => parseMoney(formatMoney(minor)) === minor));
  });

  it('formatMoney writes back a canonical amount unchanged', () => {
    const canonical = minorUnits.map((minor) => decimalFromScaled(minor, 2));
    fc.assert(fc.property(canonical, (text) => formatMoney(parseMoney(text)) === text));
  });

  it('quantities round-trip through JSON numbers', () => {
    fc.assert(fc.property(milliUnits, (milli) => parseQuantity(formatQuantity(milli)) === milli));
    fc.assert(fc.property(milliUnits, (milli) => parseQuantity(decimalFromScaled(milli, 3)) === milli));
  });

  it('a number with at most 3 decimals is read as exactly its thousandths', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(10 ** 12), max: 10 ** 12 }), (milli) => parseQuantity(milli / 1000) === BigInt(milli)),
    );
  });

  it.each([
    ['large', 10n ** 10n, 10n ** 12n],
    // small factors make products ending in exactly half a cent common
    ['small', 2_000n, 200n],
  ])('lineAmount agrees with schoolbook decimal multiplication rounded half up (%s factors)', (_, maxMilli, maxMinor) => {
    const quantities = fc.bigInt({ min: 0n, max: maxMilli });
    const prices = fc.bigInt({ min: 0n, max: maxMinor });
    fc.assert(
      fc.property(quantities, prices, (milli, minor) => {
        const expected = roundedProduct(decimalFromScaled(milli, 3), decimalFromScaled(minor, 2));
        return formatMoney(lineAmount(milli, minor)) === expected;
      }),
      { numRuns: 2_000 },
    );
  });

  it('lineAmount rounds negatives symmetrically (half away from zero)', () => {
    fc.assert(
      fc.property(milliUnits, minorUnits, (milli, minor) => {
        const amount = lineAmount(milli, minor);
        return lineAmount(-milli, minor) === -amount && lineAmount(milli, -minor) === -amount;
      }),
    );
  });

  it.each([
    ['1.005', '1.00', '1.01'],
    ['0.333', '0.15', '0.05'],
    ['99.999', '99.99', '9998.90'],
    ['9.995', '1.00', '10.00'],
    ['0.000', '0.00', '0.00'],
    ['99.995', '1.00', '100.00'],
    ['0.004', '1.00', '0.00'],
  ])('the oracle computes %s × %s = %s', (a, b, product) => {
    expect(roundedProduct(a, b)).toBe(product);
  });
});

// Exact money and quantity arithmetic. Money is bigint minor units (cents), quantities bigint thousandths
// (milli-units); floats never hold either. Pure and deterministic: the workflow bundle imports it.
import type { MoneyString } from './types';

/** Thousandths per unit: quantities carry at most 3 decimals. */
export const QUANTITY_SCALE = 1000n;

const MONEY_PATTERN = /^-?\d+(\.\d{1,2})?$/;
const QUANTITY_PATTERN = /^-?\d+(\.\d{1,3})?$/;

export class MoneyFormatError extends Error {
  override readonly name = 'MoneyFormatError';
}

export class QuantityFormatError extends Error {
  override readonly name = 'QuantityFormatError';
}

/** "12", "12.5", "12.50", "-1.00" → minor units. Anything else (exponents, "+", ".5", "1.") throws. */
export function parseMoney(amount: string): bigint {
  if (typeof amount !== 'string' || !MONEY_PATTERN.test(amount)) {
    throw new MoneyFormatError(`${shown(amount)} is not an amount: expected a decimal with at most 2 decimals, e.g. "1250.00"`);
  }
  return scaledDecimal(amount, 2);
}

/** Minor units → a decimal string with exactly 2 decimals, e.g. -310n → "-3.10". */
export function formatMoney(minor: bigint): MoneyString {
  return unscaledDecimal(minor, 2, 2);
}

/**
 * A quantity → thousandths. A number is read through its shortest decimal form (String(n)), so 1.005 is exactly
 * 1005n although the double is not; NaN, Infinity, exponent forms and more than 3 decimals throw.
 */
export function parseQuantity(quantity: number | string): bigint {
  const text = typeof quantity === 'number' ? String(quantity) : quantity;
  if (typeof text !== 'string' || !QUANTITY_PATTERN.test(text)) {
    throw new QuantityFormatError(`${shown(quantity)} is not a quantity: expected a decimal with at most 3 decimals`);
  }
  return scaledDecimal(text, 3);
}

/** Thousandths → a JSON number; throws rather than return a number that does not read back as the same quantity. */
export function formatQuantity(milli: bigint): number {
  const quantity = Number(unscaledDecimal(milli, 3, 0));
  if (parseQuantity(quantity) !== milli) {
    throw new QuantityFormatError(`${milli} thousandths cannot be represented exactly as a JSON number`);
  }
  return quantity;
}

/** quantity × unit price, rounded half away from zero to minor units. */
export function lineAmount(qtyMilli: bigint, priceMinor: bigint): bigint {
  return divideRoundingHalfAwayFromZero(qtyMilli * priceMinor, QUANTITY_SCALE);
}

export function minBig(first: bigint, ...rest: bigint[]): bigint {
  return rest.reduce((min, x) => (x < min ? x : min), first);
}

export function sumBig(xs: readonly bigint[]): bigint {
  return xs.reduce((sum, x) => sum + x, 0n);
}

/** The offending input as the caller wrote it: strings quoted, anything else (NaN, bigint, undefined) as is. */
function shown(input: unknown): string {
  return typeof input === 'string' ? JSON.stringify(input) : String(input);
}

function divideRoundingHalfAwayFromZero(numerator: bigint, divisor: bigint): bigint {
  const magnitude = numerator < 0n ? -numerator : numerator;
  const rounded = (magnitude * 2n + divisor) / (divisor * 2n);
  return numerator < 0n ? -rounded : rounded;
}

/** A decimal string matching one of the patterns above → an integer in units of 10^-scale. */
function scaledDecimal(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [whole, fraction = ''] = (negative ? text.slice(1) : text).split('.');
  const magnitude = BigInt(whole + fraction.padEnd(scale, '0'));
  return negative ? -magnitude : magnitude;
}

/** An integer in units of 10^-scale → a decimal string with at least minDecimals decimals. */
function unscaledDecimal(value: bigint, scale: number, minDecimals: number): string {
  const digits = (value < 0n ? -value : value).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, -scale);
  let fraction = digits.slice(-scale);
  while (fraction.length > minDecimals && fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  const sign = value < 0n ? '-' : '';
  return fraction ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
}

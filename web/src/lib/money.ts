// Money on screen. The arithmetic is the server's (domain/money.ts: bigint minor units and thousandths, never
// floats); what is here is only the web's: showing an amount in its currency, and reading what a user typed.
import { formatMoney, formatQuantity, parseMoney, sumBig } from '../../../domain/money';

const formats = new Map<string, Intl.NumberFormat>();

function currencyFormat(currency: string, decimals?: number): Intl.NumberFormat {
  const key = `${currency}/${decimals ?? ''}`;
  let format = formats.get(key);
  if (!format) {
    const digits = decimals === undefined ? {} : { minimumFractionDigits: decimals, maximumFractionDigits: decimals };
    format = new Intl.NumberFormat('en-US', { style: 'currency', currency, ...digits });
    formats.set(key, format);
  }
  return format;
}

/**
 * "1250.00" or 125000n in USD → "$1,250.00"; in JPY → "¥1,250": the symbol, grouping and decimals of the currency
 * (Intl.NumberFormat, given the decimal string, so no float rounds it). The server keeps 2 decimals for every
 * currency: where the currency has fewer and the amount uses them (¥1,250.50), all 2 are shown, never rounded away.
 */
export function showMoney(amount: string | bigint | null | undefined, currency = 'USD'): string {
  if (amount === null || amount === undefined) return '—';
  let minor: bigint;
  try {
    minor = typeof amount === 'bigint' ? amount : parseMoney(amount);
  } catch {
    return String(amount);
  }
  const decimal = formatMoney(minor) as `${number}`;
  try {
    const plain = currencyFormat(currency);
    const digits = plain.resolvedOptions().maximumFractionDigits ?? 2;
    const fits = digits >= 2 || minor % 10n ** BigInt(2 - digits) === 0n;
    return (fits ? plain : currencyFormat(currency, 2)).format(decimal);
  } catch {
    // Not an ISO 4217 code the browser knows: the amount and the code as they are.
    return `${decimal} ${currency}`;
  }
}

/** Quantities (a JSON number, or thousandths) with up to 3 decimals, without float noise. */
export function showQuantity(quantity: number | bigint | null | undefined): string {
  if (quantity === null || quantity === undefined) return '—';
  const value = typeof quantity === 'bigint' ? formatQuantity(quantity) : Number(quantity.toFixed(3));
  return value.toLocaleString('en-US', { maximumFractionDigits: 3 });
}

/** The sum of the server's amounts, in minor units. */
export function totalOf(amounts: readonly string[]): bigint {
  return sumBig(amounts.map(parseMoney));
}

/** What a user typed as an amount ("12", "12.5", "12.50": no sign, at most 2 decimals) in minor units; null if not one. */
export function moneyInput(text: string): bigint | null {
  const trimmed = text.trim();
  return /^\d{1,13}(\.\d{1,2})?$/.test(trimmed) ? parseMoney(trimmed) : null;
}

// Money stays a decimal string on the wire; arithmetic here is on bigint cents, never on floats.
const MONEY = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

export function toCents(amount: string): bigint | null {
  const match = MONEY.exec(amount.trim());
  if (!match) return null;
  const cents = BigInt(match[2]) * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] ? -cents : cents;
}

export function fromCents(cents: bigint): string {
  const negative = cents < 0n;
  const abs = negative ? -cents : cents;
  return `${negative ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** quantity × unit price in cents, rounded half up as the server does (quantities have at most 3 decimals). */
export function lineAmount(quantity: number, unitPrice: string): string {
  return fromCents(((toCents(unitPrice) ?? 0n) * BigInt(Math.round(quantity * 1000)) + 500n) / 1000n);
}

export function sumMoney(amounts: readonly string[]): string {
  return fromCents(amounts.reduce((sum, a) => sum + (toCents(a) ?? 0n), 0n));
}

/** "12", "12.5", "12.50" as a user may type them (no sign, at most 2 decimals). */
export function isMoneyInput(text: string): boolean {
  return /^\d{1,13}(\.\d{1,2})?$/.test(text.trim());
}

/** "1250.00" → "$1,250.00" (or "€1,250.00"...): grouping from the decimal string itself, not a float. */
export function formatMoney(amount: string | null | undefined, currency = 'USD'): string {
  if (amount === null || amount === undefined) return '—';
  const cents = toCents(amount);
  if (cents === null) return amount;
  const text = fromCents(cents < 0n ? -cents : cents);
  const [whole, decimals] = text.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = CURRENCY_SYMBOLS[currency];
  const body = symbol ? `${symbol}${grouped}.${decimals}` : `${grouped}.${decimals} ${currency}`;
  return cents < 0n ? `−${body}` : body;
}

const CURRENCY_SYMBOLS: Record<string, string> = { USD: '$', EUR: '€', GBP: '£', JPY: '¥', CAD: 'CA$', AUD: 'A$' };

export function compareMoney(a: string, b: string): number {
  const x = toCents(a) ?? 0n;
  const y = toCents(b) ?? 0n;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Quantities: JSON numbers with up to 3 decimals, shown without float noise. */
export function formatQuantity(q: number | null | undefined): string {
  if (q === null || q === undefined) return '—';
  return Number(q.toFixed(3)).toLocaleString('en-US', { maximumFractionDigits: 3 });
}

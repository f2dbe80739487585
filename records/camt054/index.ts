// The camt.054 reader: a bank's debit/credit notification (001.02, 001.04, 001.08) → the payments it brings.
// Refuses the file whole (Camt054Refused, naming the element) when it is not a camt.054 it can trust.
import type { PaymentInput } from '../../domain/payments';
import { paymentsOf } from './map';
import { parseCamt054 } from './parse';
import { camt054Version, validateCamt054 } from './validate';

export { Camt054Refused, type Camt054Problem } from './refused';

/** Every credit transaction of the file as a payment, in document order; throws Camt054Refused. */
export async function readCamt054(xml: string, fileSha256: string): Promise<PaymentInput[]> {
  const version = camt054Version(xml);
  await validateCamt054(xml, version);
  return paymentsOf(parseCamt054(xml), version, fileSha256);
}

// camt.054 notification → the payments it brings, by CONTRACT.md's rules ("Money in"): each transaction whose own
// CdtDbtInd (else its entry's) is CRDT is a payment.
import { parseMoney } from '../../domain/money';
import type { DeductionInput, PaymentInput, RemittanceLine } from '../../domain/payments';
import type { Camt054Amount, Camt054Document, Camt054Entry, Camt054Structured, Camt054Transaction } from './parse';
import { refused } from './refused';
import type { Camt054Version } from './validate';

// ISO 4217 currencies whose minor unit is not a hundredth (or that have none). Money here is integer hundredths
// throughout (domain/money.ts, the ledger), so a file in one of these is refused rather than read ten or a hundred
// times off. Codes not listed are taken as having 2 decimals, as every other shape of ours does.
const NOT_TWO_DECIMALS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    ['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map(
      (c) => [c, 'no decimals'],
    ),
  ),
  ...Object.fromEntries(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((c) => [c, '3 decimals'])),
  ...Object.fromEntries(['CLF', 'UYW'].map((c) => [c, '4 decimals'])),
  ...Object.fromEntries(
    ['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX'].map((c) => [c, 'no minor unit']),
  ),
};

export function paymentsOf(doc: Camt054Document, version: Camt054Version, fileSha256: string): PaymentInput[] {
  const payments: PaymentInput[] = [];
  doc.Ntfctn.forEach((notification, n) => {
    notification.Ntry.forEach((entry, e) => {
      const entryPath = `Ntfctn[${n}].Ntry[${e}]`;
      const receivedAt = receivedAtOf(entry) ?? timestamp(notification.CreDtTm ?? doc.GrpHdr.CreDtTm);
      const listed = entry.NtryDtls.flatMap((details, d) =>
        details.TxDtls.map((tx, t) => ({ tx, path: `${entryPath}.NtryDtls[${d}].TxDtls[${t}]` })),
      );
      // An entry without transaction details is still money booked: read as the one transaction it stands for.
      const transactions = listed.length > 0 ? listed : [{ tx: {}, path: entryPath }];
      transactions.forEach(({ tx, path }, i) => {
        if ((tx.CdtDbtInd ?? entry.CdtDbtInd) !== 'CRDT') return;
        const id = idOf(tx, entry, notification.Id, e, i + 1);
        const single = transactions.length === 1;
        payments.push(payment({ tx, entry, id, single, path, entryPath, receivedAt, version, fileSha256 }));
      });
    });
  });
  return payments;
}

/**
 * The payment's id: the transaction's `Refs/AcctSvcrRef`; else the entry's `AcctSvcrRef` + "/" + the transaction's
 * position in the entry; else the notification's `Id` + "/" + the entry's position + "/" + the transaction's
 * (positions from 1, in document order, transactions counted across the entry's NtryDtls). EndToEndId is not unique.
 */
function idOf(
  tx: Camt054Transaction,
  entry: Camt054Entry,
  notificationId: string,
  entryIndex: number,
  position: number,
): string {
  const own = present(tx.Refs?.AcctSvcrRef);
  if (own !== null) return own;
  const entryRef = present(entry.AcctSvcrRef);
  if (entryRef !== null) return `${entryRef}/${position}`;
  return `${notificationId.trim()}/${entryIndex + 1}/${position}`;
}

interface Read {
  tx: Camt054Transaction;
  entry: Camt054Entry;
  id: string;
  /** The entry has this one transaction: its amount is the transaction's when the transaction gives none. */
  single: boolean;
  path: string;
  entryPath: string;
  receivedAt: string;
  version: Camt054Version;
  fileSha256: string;
}

function payment({ tx, entry, id, single, path, entryPath, receivedAt, version, fileSha256 }: Read): PaymentInput {
  const [amountPath, amount] = tx.Amt
    ? [`${path}.Amt`, tx.Amt]
    : tx.AmtDtls?.TxAmt
      ? [`${path}.AmtDtls.TxAmt.Amt`, tx.AmtDtls.TxAmt.Amt]
      : single
        ? [`${entryPath}.Amt`, entry.Amt]
        : [path, null];
  if (amount === null) {
    throw refused(path, 'the transaction has no amount (Amt or AmtDtls/TxAmt/Amt) and its entry has more than one transaction');
  }
  const currency = amount['@_Ccy'];
  const amountMinor = minorUnits(amount, currency, amountPath);
  if (amountMinor === 0n) throw refused(amountPath, 'a credit of 0 is not a payment');
  const strd = tx.RmtInf?.Strd ?? [];
  return {
    id,
    customerId: null,
    receivedAt,
    currency,
    amountMinor,
    remittance: strd.flatMap((s, i) => remittanceLines(s, currency, `${path}.RmtInf.Strd[${i}]`)),
    searchTexts: [...(tx.RmtInf?.Ustrd ?? []), ...strd.map((s) => s.CdtrRefInf?.Ref)].flatMap((t) => present(t) ?? []),
    debtorName: present(tx.RltdPties?.Dbtr?.Pty?.Nm ?? tx.RltdPties?.Dbtr?.Nm),
    source: { kind: 'camt054', version, fileSha256 },
  };
}

/**
 * One line per referred document number. `RfrdDocAmt` belongs to the whole `Strd`: when it names one document, its
 * remitted amount and adjustments are that document's; when several, each is paid null (the matcher spreads the
 * transaction) and the adjustments, which must land on an invoice to become cases, go to the first.
 */
function remittanceLines(strd: Camt054Structured, currency: string, path: string): RemittanceLine[] {
  const numbers = strd.RfrdDocInf.flatMap((doc) => present(doc.Nb) ?? []);
  const amounts = strd.RfrdDocAmt;
  const paidMinor =
    numbers.length === 1 && amounts?.RmtdAmt ? minorUnits(amounts.RmtdAmt, currency, `${path}.RfrdDocAmt.RmtdAmt`) : null;
  const deductions: DeductionInput[] = (amounts?.AdjstmntAmtAndRsn ?? []).flatMap((adjustment, i) => {
    const amountMinor = minorUnits(adjustment.Amt, currency, `${path}.RfrdDocAmt.AdjstmntAmtAndRsn[${i}].Amt`);
    // Whatever its CdtDbtInd, an adjustment is money the customer kept back; one of 0 kept nothing back.
    if (amountMinor === 0n) return [];
    return [{ amountMinor, customerCode: present(adjustment.Rsn) ?? '', reference: null, note: present(adjustment.AddtlInf) }];
  });
  return numbers.map((documentNumber, i) => ({
    documentNumber,
    paidMinor,
    deductions: i === 0 ? deductions : [],
  }));
}

/** An amount in the payment's currency → minor units; XSD decimals ("+3.1", ".50", "3.100") read as what they say. */
function minorUnits(amount: Camt054Amount, paymentCurrency: string, path: string): bigint {
  const currency = amount['@_Ccy'];
  const other = NOT_TWO_DECIMALS[currency];
  if (other !== undefined) {
    throw refused(path, `${currency} has ${other} in ISO 4217; only currencies with 2 decimals are read`);
  }
  if (currency !== paymentCurrency) {
    throw refused(path, `the amount is in ${currency} but the transaction is in ${paymentCurrency}`);
  }
  const m = /^\+?(\d*)(?:\.(\d*))?$/.exec(amount['#text']);
  const fraction = (m?.[2] ?? '').replace(/0+$/, '');
  if (m === null || fraction.length > 2) {
    throw refused(path, `${JSON.stringify(amount['#text'])} is not an amount in ${currency}: at most 2 decimals`);
  }
  return parseMoney(`${m[1] || '0'}${fraction ? `.${fraction}` : ''}`);
}

/** When the money was received: the entry's booking date, else its value date (a date alone is midnight UTC). */
function receivedAtOf(entry: Camt054Entry): string | null {
  for (const date of [entry.BookgDt, entry.ValDt]) {
    if (date?.DtTm !== undefined) return timestamp(date.DtTm);
    if (date?.Dt !== undefined) {
      const m = /^(\d{4}-\d{2}-\d{2})(Z|[+-]\d{2}:\d{2})?$/.exec(date.Dt);
      if (m) return `${m[1]}T00:00:00${m[2] ?? 'Z'}`;
    }
  }
  return null;
}

/** An ISODateTime without an offset is taken as UTC: the database must not read it in its session's zone. */
function timestamp(dateTime: string): string {
  return /(Z|[+-]\d{2}:\d{2})$/.test(dateTime) ? dateTime : `${dateTime}Z`;
}

/** Text with something in it, trimmed; blank (which the XSD's minimum length of 1 lets through) is absent. */
function present(text: string | undefined): string | null {
  const trimmed = text?.trim();
  return trimmed ? trimmed : null;
}

// camt.054.001.08 notifications as a bank writes them, for what test/, bench/ and chaos/ post: booked credit entries,
// each with its transactions, one line per transaction. Structured remittance names the documents paid, with what was
// remitted for each and the adjustments (deductions) taken; free text names none. The reader (records/camt054/)
// validates every file written here against the official XSD.
import { formatMoney } from '../domain/money';

export interface Camt054Adjustment {
  amountMinor: bigint;
  /** The customer's reason code (Rsn). */
  reason: string;
  note?: string;
}

export interface Camt054Document {
  number: string;
  remittedMinor: bigint;
  adjustments?: readonly Camt054Adjustment[];
}

export interface Camt054Transaction {
  /** The bank's reference (AcctSvcrRef): the payment's id. */
  ref: string;
  amountMinor: bigint;
  debtorName: string;
  remittance: { documents: readonly Camt054Document[] } | { text: string };
}

export interface Camt054Entry {
  ref: string;
  /** YYYY-MM-DD */
  bookedOn: string;
  transactions: readonly Camt054Transaction[];
}

export interface Camt054File {
  messageId: string;
  /** ISO 8601 with an offset. */
  createdAt: string;
  currency: string;
  entries: readonly Camt054Entry[];
}

/** Text as XML character data: a debtor's "&" is data, not markup. */
const text = (value: string) => value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function camt054Xml({ messageId, createdAt, currency, entries }: Camt054File): string {
  const amount = (minor: bigint) => `<Amt Ccy="${currency}">${formatMoney(minor)}</Amt>`;
  const remittance = (r: Camt054Transaction['remittance']) =>
    'text' in r
      ? `<Ustrd>${text(r.text)}</Ustrd>`
      : r.documents
          .map(
            (d) =>
              `<Strd><RfrdDocInf><Nb>${text(d.number)}</Nb></RfrdDocInf><RfrdDocAmt>` +
              (d.adjustments ?? [])
                .map(
                  (a) =>
                    `<AdjstmntAmtAndRsn>${amount(a.amountMinor)}<CdtDbtInd>DBIT</CdtDbtInd><Rsn>${text(a.reason)}</Rsn>` +
                    `${a.note === undefined ? '' : `<AddtlInf>${text(a.note)}</AddtlInf>`}</AdjstmntAmtAndRsn>`,
                )
                .join('') +
              `<RmtdAmt Ccy="${currency}">${formatMoney(d.remittedMinor)}</RmtdAmt></RfrdDocAmt></Strd>`,
          )
          .join('');
  const transaction = (t: Camt054Transaction) =>
    `<TxDtls><Refs><AcctSvcrRef>${text(t.ref)}</AcctSvcrRef><EndToEndId>NOTPROVIDED</EndToEndId></Refs>${amount(t.amountMinor)}` +
    `<CdtDbtInd>CRDT</CdtDbtInd><RltdPties><Dbtr><Pty><Nm>${text(t.debtorName)}</Nm></Pty></Dbtr></RltdPties>` +
    `<RmtInf>${remittance(t.remittance)}</RmtInf></TxDtls>`;
  const entry = (e: Camt054Entry) =>
    `<Ntry>${amount(e.transactions.reduce((sum, t) => sum + t.amountMinor, 0n))}<CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>` +
    `<BookgDt><Dt>${e.bookedOn}</Dt></BookgDt><AcctSvcrRef>${text(e.ref)}</AcctSvcrRef>` +
    `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>` +
    `<NtryDtls><Btch><NbOfTxs>${e.transactions.length}</NbOfTxs></Btch>\n${e.transactions.map(transaction).join('\n')}\n</NtryDtls></Ntry>`;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>` +
    `<GrpHdr><MsgId>MSG-${text(messageId)}</MsgId><CreDtTm>${createdAt}</CreDtTm></GrpHdr>` +
    `<Ntfctn><Id>NTF-${text(messageId)}</Id><CreDtTm>${createdAt}</CreDtTm><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>\n` +
    `${entries.map(entry).join('\n')}\n</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n`
  );
}

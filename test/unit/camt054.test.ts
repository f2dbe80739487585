// The camt.054 reader on the official examples (genkgo/camt's, values read from the files by hand), on files of our
// own written against the same XSDs, and on files it must refuse whole.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Camt054Refused, readCamt054 } from '../../records/camt054';
import type { PaymentInput } from '../../domain/payments';
import { camt054Xml } from '../../testkit/camt054';
import { camt054Fixture } from '../support/camt054-fixtures';

const official = (name: string) => camt054Fixture(path.join('official', name));
const SHA = 'f'.repeat(64);

async function refusal(xml: string): Promise<Camt054Refused> {
  const error: unknown = await readCamt054(xml, SHA).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Camt054Refused);
  return error as Camt054Refused;
}

/** Replaces the first occurrence, which must be there: a fixture edited under a test cannot silently stop saying it. */
function edit(xml: string, from: string | RegExp, to: string): string {
  if (!(typeof from === 'string' ? xml.includes(from) : from.test(xml))) throw new Error(`${String(from)} is not in the fixture`);
  return xml.replace(from, to);
}

describe('the official examples (genkgo/camt)', () => {
  it.each([
    'camt054.v2.xml',
    'camt054.v2.with-account-name.xml',
    'camt054.v8-with-UETR.xml',
    'camt054.v8-with-financial-institution.xml',
  ])('%s validates, and its DBIT entries and transactions bring no payment', async (name) => {
    await expect(readCamt054(official(name), SHA)).resolves.toEqual([]);
  });

  it.each([
    ['camt054.v4.xml', '001.04'],
    ['camt054.v8.xml', '001.08'],
  ] as const)('%s: the three CRDT transactions of a DBIT entry are payments, with ids from the entry', async (name, version) => {
    const common = {
      customerId: null,
      receivedAt: '2007-10-18T00:00:00Z',
      currency: 'CHF',
      remittance: [],
      debtorName: 'UNIFITS GmbH',
      source: { kind: 'camt054', version, fileSha256: SHA },
    };
    await expect(readCamt054(official(name), SHA)).resolves.toEqual([
      {
        ...common,
        id: 'ACSR160617103200001/1',
        amountMinor: 310n,
        searchTexts: ['Unstructured Remittance Information V1', 'ISR ref number V1'],
      },
      { ...common, id: 'ACSR160617103200001/2', amountMinor: 320n, searchTexts: ['ISR ref number V2'] },
      {
        ...common,
        id: 'ACSR160617103200001/3',
        amountMinor: 320n,
        searchTexts: [
          'Unstructured Remittance Information V3 block 1',
          'Unstructured Remittance Information V3 block 2',
          'Ref number V3 block 1',
          'Ref number V3 block 2',
        ],
      },
    ]);
  });
});

describe.each([
  ['v02', '001.02'],
  ['v04', '001.04'],
  ['v08', '001.08'],
] as const)('our own files, %s', (suffix, version) => {
  const source = { kind: 'camt054', version, fileSha256: SHA } as const;

  it('two invoices referred, one with a deduction and its reason: lines with what each is paid', async () => {
    const expected: PaymentInput[] = [
      {
        id: 'TX-2INV-0001',
        customerId: null,
        receivedAt: '2026-11-30T00:00:00Z',
        currency: 'EUR',
        amountMinor: 140000n,
        remittance: [
          {
            documentNumber: 'INV-000101',
            paidMinor: 90000n,
            // DBIT in the file: an adjustment is money kept back whatever its indicator says.
            deductions: [{ amountMinor: 10000n, customerCode: 'PRC', reference: null, note: 'price difference on line 2' }],
          },
          { documentNumber: 'INV-000102', paidMinor: 50000n, deductions: [] },
        ],
        searchTexts: [],
        debtorName: 'Acme Retail GmbH',
        source,
      },
    ];
    await expect(readCamt054(camt054Fixture(`two-invoices-deduction.${suffix}.xml`), SHA)).resolves.toEqual(expected);
  });

  it("a part payment: the entry's reference and position as id, the entry's amount when the transaction has none", async () => {
    await expect(readCamt054(camt054Fixture(`part-payment.${suffix}.xml`), SHA)).resolves.toEqual([
      {
        id: 'ENTRY-PART/1',
        customerId: null,
        // Booked as a time without an offset: read as UTC, never in the database session's zone.
        receivedAt: '2026-12-01T09:30:00Z',
        currency: 'EUR',
        amountMinor: 25000n,
        remittance: [{ documentNumber: 'INV-000200', paidMinor: 25000n, deductions: [] }],
        searchTexts: [],
        debtorName: 'Bolt & Nut Ltd',
        source,
      },
    ]);
  });

  it("the invoice only in Ustrd, no reference at all: ids from the notification's Id and positions", async () => {
    const common = { customerId: null, receivedAt: '2026-12-02T10:00:00+01:00', currency: 'EUR', remittance: [], source };
    // In 001.04 and 001.08 a third transaction, a DBIT of its own in this CRDT entry, is skipped.
    await expect(readCamt054(camt054Fixture(`ustrd-only.${suffix}.xml`), SHA)).resolves.toEqual([
      { ...common, id: 'NTF-USTRD/1/1', amountMinor: 12345n, searchTexts: ['INV 000123 thanks'], debtorName: 'Smith Hardware' },
      {
        ...common,
        id: 'NTF-USTRD/1/2',
        amountMinor: 10000n,
        searchTexts: ['Invoices 124', 'and 125', 'RF18 000124'],
        debtorName: null,
      },
    ]);
  });
});

describe("testkit's writer (the files chaos, the bench and F23 post)", () => {
  it('validates against the XSD and reads back as written: entries of transactions, documents, adjustments, free text', async () => {
    const xml = camt054Xml({
      messageId: 'KIT-1',
      createdAt: '2026-12-01T06:00:00+01:00',
      currency: 'USD',
      entries: [
        {
          ref: 'KIT-ENTRY-1',
          bookedOn: '2026-11-30',
          transactions: [
            {
              ref: 'KIT-TX-1',
              amountMinor: 140_000n,
              debtorName: 'Acme & Sons',
              remittance: {
                documents: [
                  { number: 'INV-1', remittedMinor: 90_000n, adjustments: [{ amountMinor: 10_000n, reason: 'PRC', note: 'price' }] },
                  { number: 'INV-2', remittedMinor: 50_000n },
                ],
              },
            },
            { ref: 'KIT-TX-2', amountMinor: 30_000n, debtorName: 'Acme & Sons', remittance: { text: 'CASH WITHOUT REFERENCE' } },
          ],
        },
      ],
    });
    const common = { customerId: null, receivedAt: '2026-11-30T00:00:00Z', currency: 'USD', debtorName: 'Acme & Sons', source: { kind: 'camt054', version: '001.08', fileSha256: SHA } };
    await expect(readCamt054(xml, SHA)).resolves.toEqual([
      {
        ...common,
        id: 'KIT-TX-1',
        amountMinor: 140_000n,
        remittance: [
          { documentNumber: 'INV-1', paidMinor: 90_000n, deductions: [{ amountMinor: 10_000n, customerCode: 'PRC', reference: null, note: 'price' }] },
          { documentNumber: 'INV-2', paidMinor: 50_000n, deductions: [] },
        ],
        searchTexts: [],
      },
      { ...common, id: 'KIT-TX-2', amountMinor: 30_000n, remittance: [], searchTexts: ['CASH WITHOUT REFERENCE'] },
    ]);
  });
});

describe('what the rules leave to the reader', () => {
  const twoInvoices = camt054Fixture('two-invoices-deduction.v08.xml');

  it('a Strd naming two documents: each paid null, its adjustment on the first', async () => {
    const first = '<RfrdDocInf><Nb>INV-000101</Nb></RfrdDocInf>';
    const xml = edit(twoInvoices, first, `${first}<RfrdDocInf><Nb>INV-000103</Nb></RfrdDocInf>`);
    const [payment] = await readCamt054(xml, SHA);
    expect(payment.remittance.map((l) => [l.documentNumber, l.paidMinor, l.deductions.length])).toEqual([
      ['INV-000101', null, 1],
      ['INV-000103', null, 0],
      ['INV-000102', 50000n, 0],
    ]);
  });

  it('an entry with no transaction details is one payment of its amount', async () => {
    const xml = edit(twoInvoices, /<NtryDtls>[\s\S]*<\/NtryDtls>/, '');
    await expect(readCamt054(xml, SHA)).resolves.toMatchObject([
      { id: 'ENTRY-2INV/1', amountMinor: 140000n, remittance: [], searchTexts: [], debtorName: null },
    ]);
  });

  it('amounts as the XSD writes decimals: "+1400.000" and ".50" are 1400.00 and 0.50', async () => {
    const signed = edit(twoInvoices, '<Amt Ccy="EUR">1400.00</Amt>\n            <CdtDbtInd>', '<Amt Ccy="EUR">+1400.000</Amt>\n            <CdtDbtInd>');
    const xml = edit(signed, '<Amt Ccy="EUR">100.00</Amt>', '<Amt Ccy="EUR">.50</Amt>');
    const [payment] = await readCamt054(xml, SHA);
    expect(payment.amountMinor).toBe(140000n);
    expect(payment.remittance[0].deductions[0].amountMinor).toBe(50n);
  });

  it('text whose declaration names another encoding is read as the text it is (the caller decoded the bytes)', async () => {
    // 21 + 110 characters: within Nm's 140, but not if libxml2 decoded "é" (two bytes in UTF-8) as ISO-8859-1 again.
    const name = 'Müller &amp; Söhne ÄÖÜ ' + 'é'.repeat(110);
    const xml = edit(twoInvoices, 'Acme Retail GmbH', name);
    const [payment] = await readCamt054(edit(xml, 'encoding="UTF-8"', 'encoding="ISO-8859-1"'), SHA);
    expect(payment.debtorName).toBe(`Müller & Söhne ÄÖÜ ${'é'.repeat(110)}`);
  });

  it('a Document with a namespace prefix reads the same', async () => {
    const xml = twoInvoices
      .replace('<Document xmlns=', '<c:Document xmlns:c=')
      .replace('</Document>', '</c:Document>')
      .replace(/<(\/?)(?!c:|\?)([A-Za-z])/g, '<$1c:$2');
    await expect(readCamt054(xml, SHA)).resolves.toEqual(await readCamt054(twoInvoices, SHA));
  });
});

describe('refused whole, naming the element', () => {
  const v8 = official('camt054.v8.xml');

  it('a CdtDbtInd that is neither CRDT nor DBIT (third transaction)', async () => {
    const third = v8.lastIndexOf('<TxDtls>');
    const xml = v8.slice(0, third) + edit(v8.slice(third), '<CdtDbtInd>CRDT</CdtDbtInd>', '<CdtDbtInd>XXXX</CdtDbtInd>');
    const error = await refusal(xml);
    expect(error.field).toBe('Ntfctn[0].Ntry[0].NtryDtls[0].TxDtls[2].CdtDbtInd');
    expect(error.line).toBe(xml.slice(0, xml.indexOf('XXXX')).split('\n').length);
    expect(error.message).toContain("The value 'XXXX' is not an element of the set {'CRDT', 'DBIT'}");
    expect(error.message).not.toContain('urn:iso');
  });

  it('an amount with letters', async () => {
    const error = await refusal(edit(v8, '<Amt Ccy="CHF">3.1</Amt>', '<Amt Ccy="CHF">3.1O</Amt>'));
    expect(error.field).toBe('Ntfctn[0].Ntry[0].NtryDtls[0].TxDtls[0].Amt');
    expect(error.message).toContain("'3.1O' is not a valid value");
  });

  it('a missing mandatory element, in the group header', async () => {
    const error = await refusal(edit(v8, /<CreDtTm>2007-10-18T12:30:00\+01:00<\/CreDtTm>\s*<MsgRcpt>/, '<MsgRcpt>'));
    expect(error.field).toBe('GrpHdr.MsgRcpt');
    expect(error.message).toContain('Expected is ( CreDtTm )');
  });

  it('a document in another namespace (a camt.053 statement)', async () => {
    const error = await refusal(v8.replace('camt.054.001.08"', 'camt.053.001.08"'));
    expect(error.field).toBe('Document');
    expect(error.message).toContain('urn:iso:std:iso:20022:tech:xsd:camt.053.001.08');
  });

  it.each([
    ['text', 'payments: 1400.00 EUR'],
    ['JSON', '{"payments":[]}'],
    ['nothing', ''],
  ])('what is not XML (%s)', async (_what, body) => {
    const error = await refusal(body);
    expect(error.field).toBe('Document');
    expect(error.message).toMatch(/not an XML document/);
  });

  it('XML that is not well-formed', async () => {
    const error = await refusal(v8.slice(0, v8.indexOf('</Ntry>')));
    expect(error.field).toBe('Document');
    expect(error.message).toMatch(/^not well-formed XML: /);
  });

  it.each([
    ['an internal entity (which libxml2 would expand and accept)', '<!DOCTYPE Document [<!ENTITY c "CRDT">]>'],
    ['an external entity', '<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'],
    ['a bare DOCTYPE', '<!DOCTYPE Document>'],
  ])('a DOCTYPE: %s', async (_what, doctype) => {
    const error = await refusal(v8.replace('<Document', `${doctype}\n<Document`));
    expect(error.field).toBe('Document');
    expect(error.message).toContain('DOCTYPE');
  });

  it('an amount in a currency without 2 decimals (JPY)', async () => {
    const error = await refusal(edit(v8, '<Amt Ccy="CHF">3.1</Amt>', '<Amt Ccy="JPY">310</Amt>'));
    expect(error.field).toBe('Ntfctn[0].Ntry[0].NtryDtls[0].TxDtls[0].Amt');
    expect(error.message).toContain('JPY has no decimals');
  });

  it('an amount with more decimals than its currency', async () => {
    const error = await refusal(edit(v8, '<Amt Ccy="CHF">3.1</Amt>', '<Amt Ccy="CHF">3.105</Amt>'));
    expect(error.field).toBe('Ntfctn[0].Ntry[0].NtryDtls[0].TxDtls[0].Amt');
  });

  it('a remitted amount in another currency than the transaction', async () => {
    const xml = edit(camt054Fixture('two-invoices-deduction.v08.xml'), '<RmtdAmt Ccy="EUR">500.00', '<RmtdAmt Ccy="USD">500.00');
    const error = await refusal(xml);
    expect(error.field).toBe('Ntfctn[0].Ntry[0].NtryDtls[0].TxDtls[0].RmtInf.Strd[1].RfrdDocAmt.RmtdAmt');
  });

  it('a credit of 0', async () => {
    const error = await refusal(edit(v8, '<Amt Ccy="CHF">3.1</Amt>', '<Amt Ccy="CHF">0.00</Amt>'));
    expect(error.field).toBe('Ntfctn[0].Ntry[0].NtryDtls[0].TxDtls[0].Amt');
  });
});

describe("the README's walk-through file (docs/examples/remittance.camt054.xml)", () => {
  it('reads a payment with a deduction, a part payment and a credit naming only an unknown invoice in Ustrd', async () => {
    const xml = readFileSync(path.join(__dirname, '..', '..', 'docs', 'examples', 'remittance.camt054.xml'), 'utf8');
    const payments = await readCamt054(xml, SHA);
    expect(payments.map((p) => [p.id, p.amountMinor, p.remittance, p.searchTexts])).toEqual([
      ['TX-1204-1', 90000n, [{ documentNumber: 'INV-3001', paidMinor: 90000n, deductions: [{ amountMinor: 10000n, customerCode: 'PRC', reference: null, note: null }] }], []],
      ['TX-1204-2', 40000n, [{ documentNumber: 'INV-3002', paidMinor: 40000n, deductions: [] }], []],
      ['TX-1204-3', 25000n, [], ['PAYMENT FOR INVOICE 99-7777']],
    ]);
  });
});

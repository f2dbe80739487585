// A camt.054 file the XSD accepted → plain objects of just the parts we read, checked by zod. The elements read
// have the same paths in 001.02, 001.04 and 001.08 but one: the debtor's name, `Dbtr/Nm` before 001.08 and
// `Dbtr/Pty/Nm` from it (its `Dbtr` is a choice of a party or an agent).
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { REPEATING } from './validate';
import { refused } from './refused';

/** An element's text; libxml2 has checked it is there and within its length, so only presence matters here. */
const text = z.string();

/** `<Amt Ccy="CHF">3.10</Amt>`: the amount stays text, for the money parser; a float never holds it. */
const amount = z.object({ '#text': text, '@_Ccy': text });
export type Camt054Amount = z.infer<typeof amount>;

/** An element whose children are all optional may be empty, `<Refs/>`: the parser gives '' for it, read as none. */
const element = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? {} : value), schema);

const dateOrDateTime = z.object({ Dt: text.optional(), DtTm: text.optional() });

const adjustment = z.object({ Amt: amount, Rsn: text.optional(), AddtlInf: text.optional() });

const structured = element(z.object({
  RfrdDocInf: z.array(element(z.object({ Nb: text.optional() }))).default([]),
  RfrdDocAmt: element(z.object({ RmtdAmt: amount.optional(), AdjstmntAmtAndRsn: z.array(adjustment).default([]) })).optional(),
  CdtrRefInf: element(z.object({ Ref: text.optional() })).optional(),
}));
export type Camt054Structured = z.infer<typeof structured>;

/** 001.08's `Dbtr` is a choice of a party (`Pty`) or an agent; before it, `Dbtr` is the party itself. */
const party = element(z.object({ Nm: text.optional() }));

const transaction = element(z.object({
  Refs: element(z.object({ AcctSvcrRef: text.optional() })).optional(),
  Amt: amount.optional(),
  CdtDbtInd: z.enum(['CRDT', 'DBIT']).optional(),
  AmtDtls: element(z.object({ TxAmt: z.object({ Amt: amount }).optional() })).optional(),
  RltdPties: element(z.object({ Dbtr: element(z.object({ Nm: text.optional(), Pty: party.optional() })).optional() })).optional(),
  RmtInf: element(z.object({ Ustrd: z.array(text).default([]), Strd: z.array(structured).default([]) })).optional(),
}));
export type Camt054Transaction = z.infer<typeof transaction>;

const entry = z.object({
  Amt: amount,
  CdtDbtInd: z.enum(['CRDT', 'DBIT']),
  BookgDt: dateOrDateTime.optional(),
  ValDt: dateOrDateTime.optional(),
  AcctSvcrRef: text.optional(),
  NtryDtls: z.array(element(z.object({ TxDtls: z.array(transaction).default([]) }))).default([]),
});
export type Camt054Entry = z.infer<typeof entry>;

const notification = z.object({ Id: text, CreDtTm: text.optional(), Ntry: z.array(entry).default([]) });
export type Camt054Notification = z.infer<typeof notification>;

const document = z.object({
  Document: z.object({
    BkToCstmrDbtCdtNtfctn: z.object({ GrpHdr: z.object({ CreDtTm: text }), Ntfctn: z.array(notification) }),
  }),
});
export type Camt054Document = z.infer<typeof document>['Document']['BkToCstmrDbtCdtNtfctn'];

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  // Text stays text: "007" is a document number, "3.10" an amount for parseMoney, neither a number.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Character references (&#233;) are decoded with it; DOCTYPE entities never get here (refused before).
  htmlEntities: true,
  isArray: (name) => REPEATING.has(name),
});

/** Parses a file libxml2 has validated; zod only guards the parts read (a refusal here means the XSD let it through). */
export function parseCamt054(xml: string): Camt054Document {
  const parsed = document.safeParse(parser.parse(xml));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw refused(fieldOf(issue.path), issue.message);
  }
  return parsed.data.Document.BkToCstmrDbtCdtNtfctn;
}

/** ['Document', 'BkToCstmrDbtCdtNtfctn', 'Ntfctn', 0, 'Ntry', 2, 'Amt'] → 'Ntfctn[0].Ntry[2].Amt'. */
function fieldOf(path: readonly PropertyKey[]): string {
  const field = path
    .slice(2)
    .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key).replace(/^@_/, '@')}`))
    .join('')
    .replace(/^\./, '');
  return field || 'Document';
}

// Before anything is read: which camt.054 version the file claims, and whether it keeps to that version's XSD.
// libxml2 (xmllint-wasm, in a worker thread, with no network) does the validating; what it says is turned into the
// element at fault as a path, so that a 400 names it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memoryPages, validateXML, type XMLValidationError } from 'xmllint-wasm';
import { Camt054Refused, refused, type Camt054Problem } from './refused';

export const VERSIONS = ['001.02', '001.04', '001.08'] as const;
export type Camt054Version = (typeof VERSIONS)[number];

const NAMESPACE_PREFIX = 'urn:iso:std:iso:20022:tech:xsd:camt.054.';

/** Elements that repeat: indexed in a path (`Ntry[2]`), and always arrays once parsed. */
export const REPEATING = new Set(['Ntfctn', 'Ntry', 'NtryDtls', 'TxDtls', 'Strd', 'RfrdDocInf', 'AdjstmntAmtAndRsn', 'Ustrd']);

/** Problems listed with a refusal: libxml2 goes on after the first, and a person fixing a file wants a few, not thousands. */
const MAX_PROBLEMS = 20;

// The file's markup, token by token: comments, CDATA and processing instructions are skipped over whole; a tag's
// attribute values may hold '>' when quoted.
const MARKUP = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<(\/?)([^\s/>!?]+)((?:[^>"']|"[^"]*"|'[^']*')*?)(\/?)>/g;

const xsdCache = new Map<Camt054Version, string>();
function xsd(version: Camt054Version): string {
  let text = xsdCache.get(version);
  if (text === undefined) {
    text = readFileSync(join(__dirname, 'xsd', `camt.054.${version}.xsd`), 'utf8');
    xsdCache.set(version, text);
  }
  return text;
}

/**
 * The version the root `Document`'s namespace names. A DOCTYPE is refused outright: a bank file has no use for one,
 * and its entities (internal ones expand, external ones would be fetched) are how XML files attack their readers.
 */
export function camt054Version(xml: string): Camt054Version {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw refused('Document', 'a DOCTYPE or entity declaration is not accepted in a camt.054 file');
  }
  const root = rootElement(xml);
  if (root === null) throw refused('Document', 'not an XML document: expected a camt.054 <Document> element');
  const [prefix, local] = root.name.includes(':') ? root.name.split(':', 2) : ['', root.name];
  const namespace = attribute(root.attributes, prefix ? `xmlns:${prefix}` : 'xmlns');
  const version = namespace?.startsWith(NAMESPACE_PREFIX) ? namespace.slice(NAMESPACE_PREFIX.length) : null;
  if (local !== 'Document' || !VERSIONS.includes(version as Camt054Version)) {
    throw refused(
      'Document',
      `expected a Document in the namespace of camt.054 version ${VERSIONS.join(', ')} ` +
        `(${NAMESPACE_PREFIX}001.02 …), not <${root.name}> in ${namespace === null ? 'no namespace' : `"${namespace}"`}`,
    );
  }
  return version as Camt054Version;
}

/** Refuses, naming the element, a file that is not well-formed or breaks its version's XSD. */
export async function validateCamt054(xml: string, version: Camt054Version): Promise<void> {
  const result = await validateXML({
    xml: [{ fileName: 'camt054.xml', contents: asUtf8(xml) }],
    schema: [{ fileName: `camt.054.${version}.xsd`, contents: xsd(version) }],
    // libxml2 holds the whole tree: the default 32 MiB is too little for a file of 10,000 transactions.
    maxMemoryPages: memoryPages.GiB,
  });
  if (result.valid) return;
  const problems = result.errors
    .filter((e): e is XMLValidationError & { loc: NonNullable<XMLValidationError['loc']> } => e.loc !== null)
    .slice(0, MAX_PROBLEMS)
    .map((e) => problem(xml, e.message, e.loc.lineNumber));
  const [first, ...rest] = problems;
  const unplaced = { field: 'Document', line: null, message: result.rawOutput.trim() || 'not a valid camt.054' };
  throw new Camt054Refused(first ? [first, ...rest] : [unplaced]);
}

/**
 * The file is already text here (the caller decoded its bytes), and xmllint-wasm hands libxml2 that text as UTF-8:
 * a declaration saying otherwise (encoding="ISO-8859-1") would have libxml2 decode it a second time, so "é" would
 * count as two characters against a maximum length. Lines stay where they were.
 */
function asUtf8(xml: string): string {
  return xml.replace(/^(\uFEFF?<\?xml\s[^?]*?\bencoding\s*=\s*)(["'])[^"']*\2/, '$1$2UTF-8$2');
}

function problem(xml: string, libxmlMessage: string, line: number): Camt054Problem {
  // libxml2 names elements with their namespace, '{urn:iso:…}Amt': the namespace is the file's, so it is noise here
  // (a set of values, "{'CRDT', 'DBIT'}", has quotes and spaces and stays).
  const message = libxmlMessage.replace(/\{[^}'\s]*\}/g, '').replace(/^Schemas validity error : /, '');
  const parserError = /^parser error : (.*)$/.exec(message);
  if (parserError) return { field: 'Document', line, message: `not well-formed XML: ${parserError[1]}` };
  const element = /^Element '([^']+)'/.exec(message)?.[1];
  return { field: element === undefined ? 'Document' : (elementPath(xml, element, line) ?? element), line, message };
}

/**
 * The path of the `element` libxml2 reported at `line` (the line of its start tag), from the notification down:
 * `Ntfctn[0].Ntry[2].NtryDtls[0].TxDtls[0].Amt`. Null when the markup does not show it there.
 */
function elementPath(xml: string, element: string, line: number): string | null {
  const stack: { name: string; children: Map<string, number> }[] = [{ name: '', children: new Map() }];
  let lineAt = 1;
  let scannedTo = 0;
  let found: string | null = null;
  MARKUP.lastIndex = 0;
  for (let m = MARKUP.exec(xml); m !== null; m = MARKUP.exec(xml)) {
    for (let i = xml.indexOf('\n', scannedTo); i !== -1 && i < m.index; i = xml.indexOf('\n', i + 1)) lineAt++;
    scannedTo = m.index;
    if (lineAt > line) break;
    const [, closing, qualified, , selfClosing] = m;
    if (qualified === undefined) continue;
    const name = qualified.slice(qualified.indexOf(':') + 1);
    if (closing) {
      stack.pop();
      continue;
    }
    const parent = stack[stack.length - 1];
    const index = parent.children.get(name) ?? 0;
    parent.children.set(name, index + 1);
    stack.push({ name: REPEATING.has(name) ? `${name}[${index}]` : name, children: new Map() });
    if (name === element) found = pathOf(stack);
    if (selfClosing) stack.pop();
  }
  return found;
}

function pathOf(stack: readonly { name: string }[]): string {
  const names = stack.slice(1).map((s) => s.name);
  // Document and BkToCstmrDbtCdtNtfctn are in every path: they are named only when at fault themselves.
  const below = names.slice(2);
  return below.length > 0 ? below.join('.') : (names[names.length - 1] ?? 'Document');
}

function rootElement(xml: string): { name: string; attributes: string } | null {
  const m = /^\uFEFF?\s*(?:(?:<\?[\s\S]*?\?>|<!--[\s\S]*?-->)\s*)*<([^\s/>!?]+)((?:[^>"']|"[^"]*"|'[^']*')*)>/.exec(xml);
  return m ? { name: m[1], attributes: m[2] } : null;
}

function attribute(attributes: string, name: string): string | null {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`(?:^|\\s)${escaped}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attributes);
  return m ? (m[1] ?? m[2]) : null;
}

// An XML body (a bank's camt.054 file): its bytes taken within a limit of its own (413 over it), kept for their
// digest, and decoded by the document's own XML declaration, not by a charset parameter a bank's client may omit
// or get wrong.
import express, { type Request, type RequestHandler } from 'express';
import { AppError } from './errors';
import { keepRawBody } from './json-body';

/** A bank file of 10,000 transactions is about 6 MB. */
export const XML_BODY_LIMIT = 16 * 1024 * 1024;

export const XML_MEDIA_TYPES = ['application/xml', 'text/xml'] as const;

export const xmlBody: RequestHandler = express.raw({
  limit: XML_BODY_LIMIT,
  type: [...XML_MEDIA_TYPES],
  verify: keepRawBody,
});

// The encodings a bank file comes in. ISO-8859-1 is mapped byte for byte (TextDecoder would read it as
// windows-1252); UTF-8 must be well formed, so that no byte is silently replaced.
const DECODERS: Record<string, (bytes: Buffer) => string> = {
  'utf-8': (bytes) => new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes),
  'iso-8859-1': (bytes) => bytes.toString('latin1'),
};
const ALIASES: Record<string, string> = { utf8: 'utf-8', latin1: 'iso-8859-1', 'iso_8859-1': 'iso-8859-1', 'l1': 'iso-8859-1' };

const refused = (message: string) => AppError.badRequest(message, [{ field: '(body)', message, in: 'body' }]);

/** The XML body as text, decoded by its declaration's encoding (UTF-8 when it names none); refused when unreadable. */
export function xmlTextOf(req: Request): string {
  const bytes: unknown = req.body;
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) {
    throw refused(`the body must be an XML document sent with Content-Type: ${XML_MEDIA_TYPES.join(' or ')}`);
  }
  // The declaration is ASCII in every encoding accepted here, so it is read before the body is decoded.
  const declared = /^(?:\xef\xbb\xbf)?<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(
    bytes.subarray(0, 200).toString('latin1'),
  )?.[1];
  const name = (declared ?? 'utf-8').toLowerCase();
  const decode = DECODERS[ALIASES[name] ?? name];
  if (!decode) throw refused(`the encoding ${declared} is not supported; send UTF-8 or ISO-8859-1`);
  try {
    return decode(bytes);
  } catch {
    throw refused(`the body is not valid ${declared ?? 'UTF-8'}`);
  }
}

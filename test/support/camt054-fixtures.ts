// The camt.054 files of test/fixtures/camt054: ours, written against the official XSDs, and the official examples
// (under official/).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { uniqueId } from '../../testkit/fixtures';

export const camt054Fixture = (name: string): string => readFileSync(path.join(__dirname, '..', 'fixtures', 'camt054', name), 'utf8');

/** ustrd-only.v08.xml under a notification id of its own: its payments are new in any database. */
export const freshUstrdFile = (): string => camt054Fixture('ustrd-only.v08.xml').replace(/NTF-USTRD/g, uniqueId('NTF'));

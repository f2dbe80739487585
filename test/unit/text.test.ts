import fc from 'fast-check';
import { storableCopy, storableText, unstorableFields, unstorableText } from '../../domain/text';

describe('text PostgreSQL can store as sent', () => {
  it('refuses NUL and unpaired surrogates, high or low, first or last; takes pairs, astral characters and the rest', () => {
    for (const bad of ['\u0000', 'a\u0000', 'x\ud800y', 'checked \ud83d', '\udc00 first', '\ude00\ud83d', 'a\udbff']) {
      expect(unstorableText(bad)).not.toBeNull();
    }
    for (const good of ['', 'plain', '😀', 'e\u0301', '\u202eRTL\u202c', '\u200b', 'مرحبا', '\ufffd', '\ud83d\ude00\ud83d\ude00']) {
      expect(unstorableText(good)).toBeNull();
    }
    expect(unstorableText('a\u0000')).toBe('a NUL character (U+0000)');
    expect(unstorableText('a\ud800')).toBe('an unpaired UTF-16 surrogate (half a character)');
  });

  it('replaces exactly what cannot be stored with U+FFFD, keeping whole pairs', () => {
    expect(storableText('x\ud800y')).toBe('x\ufffdy');
    expect(storableText('a\u0000b\udc00😀\ud83d')).toBe('a\ufffdb\ufffd😀\ufffd');
    expect(storableText('fine 😀')).toBe('fine 😀');
  });

  it('makes any string storable, and leaves storable strings as they are (property)', () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.array(fc.oneof(unit, fc.constantFrom('\ud800', '\udc00', '\u0000', '😀')), { maxLength: 20 }), (units) => {
        const s = units.join('');
        const storable = storableText(s);
        expect(unstorableText(storable)).toBeNull();
        expect(storable.length).toBe(s.length);
        if (unstorableText(s) === null) expect(storable).toBe(s);
        // What PostgreSQL's UTF-8 would make of it, less NUL: the pg driver's own encoding of a lone surrogate.
        expect(Buffer.from(storable, 'utf8').toString('utf8')).toBe(storable);
      }),
    );
  });

  it('names every unstorable value and key of nested input by its path, and copies it storable', () => {
    const input = { customers: [{ id: 'C-1', name: 'a\ud800' }], ['k\u0000']: 1, ok: ['fine', 'x\udfff'] };
    expect(unstorableFields(input).map((f) => f.field).sort()).toEqual(['customers.0.name', 'k\u0000', 'ok.1']);
    expect(unstorableFields('top\u0000', 'body')).toEqual([{ field: 'body', problem: 'a NUL character (U+0000)' }]);
    const copy = storableCopy(input);
    expect(unstorableFields(copy)).toEqual([]);
    expect(copy).toEqual({ customers: [{ id: 'C-1', name: 'a\ufffd' }], ['k\ufffd']: 1, ok: ['fine', 'x\ufffd'] });
    expect(input.customers[0].name).toBe('a\ud800');
  });

  it('walks a deeply nested value without overflowing the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(unstorableFields(deep)).toHaveLength(1);
  });
});

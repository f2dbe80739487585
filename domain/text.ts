// Text PostgreSQL can store as sent. A JavaScript string is UTF-16 and may hold U+0000 and unpaired surrogates
// (JSON's "\ud800" escape makes one); PostgreSQL's text is UTF-8 without NUL. The pg driver silently writes an
// unpaired surrogate to a text column as U+FFFD (the text is changed) and jsonb refuses it (22P02), NUL is refused
// by both. The API refuses such text where it enters (400 naming the field); the worker, which can meet it only when
// something went around the API, replaces it to keep a case's trail whole (workflows/trail.ts).
// Pure and side-effect free: shared by the API, the activities and the workflow bundle.

/** What PostgreSQL cannot store in `s` as sent, in words, or null when it can. */
export function unstorableText(s: string): string | null {
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    if (unit === 0) return 'a NUL character (U+0000)';
    if (unit >= 0xd800 && unit <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (unit > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) return 'an unpaired UTF-16 surrogate (half a character)';
      i++;
    }
  }
  return null;
}

/** `s` with each NUL and unpaired surrogate replaced by U+FFFD, the replacement character. */
export function storableText(s: string): string {
  if (unstorableText(s) === null) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      out += s[i] + s[i + 1];
      i++;
    } else {
      out += unit === 0 || (unit >= 0xd800 && unit <= 0xdfff) ? '\ufffd' : s[i];
    }
  }
  return out;
}

export interface UnstorableField {
  /** The path to the text, dotted (`customers.0.name`); a key that is itself unstorable is named by its path too. */
  field: string;
  problem: string;
}

/**
 * Every string (value or object key) in `value` PostgreSQL cannot store as sent. Iterative, so a deeply nested body
 * cannot overflow the stack; paths are prefixed with `prefix`.
 */
export function unstorableFields(value: unknown, prefix = ''): UnstorableField[] {
  const found: UnstorableField[] = [];
  const stack: { value: unknown; path: string }[] = [{ value, path: prefix }];
  while (stack.length) {
    const { value: current, path } = stack.pop()!;
    if (typeof current === 'string') {
      const problem = unstorableText(current);
      if (problem) found.push({ field: path, problem });
    } else if (current && typeof current === 'object') {
      for (const [key, child] of Object.entries(current)) {
        const childPath = path ? `${path}.${key}` : key;
        const problem = unstorableText(key);
        if (problem) found.push({ field: childPath, problem });
        stack.push({ value: child, path: childPath });
      }
    }
  }
  return found;
}

/** A copy of `value` (plain JSON data) with every string and key made storable by storableText. */
export function storableCopy<T>(value: T): T {
  if (typeof value === 'string') return storableText(value) as T;
  if (Array.isArray(value)) return value.map(storableCopy) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableText(k), storableCopy(v)])) as T;
  }
  return value;
}

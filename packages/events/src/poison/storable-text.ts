/** An unpaired UTF-16 surrogate: a high one not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// eslint-disable-next-line no-control-regex -- NUL is what Postgres refuses in text and jsonb
const NUL = /\u0000/g;
// eslint-disable-next-line no-control-regex -- NUL is what Postgres refuses in text and jsonb
const NEEDS_CHANGE = /[\uD800-\uDFFF\u0000]/;

/**
 * `text` as every store can hold it: each lone surrogate becomes U+FFFD (the
 * replacement character) and each NUL is removed. Postgres refuses NUL in
 * `text` and `jsonb`, and a lone surrogate, escaped as `\ud800` by
 * `JSON.stringify`, makes a `jsonb` value invalid; either would make the
 * store reject the event, or a whole batch with it. Text without either is
 * returned as it is.
 */
export function storableText(text: string): string {
  if (!NEEDS_CHANGE.test(text)) return text;
  return text.replace(LONE_SURROGATE, '\uFFFD').replace(NUL, '');
}

/** `storableText` of every key and value; the same object when nothing needed changing. */
export function storableRecord(record: Readonly<Record<string, string>>): Record<string, string> {
  let changed = false;
  const entries = Object.entries(record).map(([key, value]) => {
    const storableKey = storableText(key);
    const storableValue = storableText(value);
    if (storableKey !== key || storableValue !== value) changed = true;
    return [storableKey, storableValue] as const;
  });
  return changed ? Object.fromEntries(entries) : record;
}

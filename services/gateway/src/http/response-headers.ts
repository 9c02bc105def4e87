import type { ServerResponse } from 'node:http';

/** Longest value a response header of Switchyard's own carries; past it the value is cut. */
const MAX_HEADER_VALUE_BYTES = 1_024;

/**
 * A header-safe form of any text: printable ASCII is kept, and every other
 * byte of its UTF-8 (controls, NUL, space, `%`, anything outside ASCII) is
 * percent-encoded, so `gpt-4o-mini-ж` reads `gpt-4o-mini-%D0%B6` and decodes
 * back with `decodeURIComponent`. A lone surrogate becomes U+FFFD first, so
 * no input can throw. Node rejects (500) a header value with a control
 * character or a character above U+00FF: nothing from a request reaches a
 * header without passing here.
 */
export function headerSafeValue(text: string): string {
  let safe = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte > 0x20 && byte < 0x7f && byte !== 0x25) safe += String.fromCharCode(byte);
    else safe += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    if (safe.length >= MAX_HEADER_VALUE_BYTES) return safe.slice(0, MAX_HEADER_VALUE_BYTES);
  }
  return safe;
}

/** Sets one of Switchyard's own `x-switchyard-*` response headers, sanitised. */
export function setSwitchyardHeader(response: ServerResponse, name: `x-switchyard-${string}`, value: string | number): void {
  response.setHeader(name, headerSafeValue(String(value)));
}

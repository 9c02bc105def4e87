/**
 * Removes key-like strings from text that is about to leave the process:
 * provider error messages (OpenAI's 401 quotes part of the rejected key:
 * "Incorrect API key provided: sk-proj-****…abcd"), and anything else that
 * may echo a credential into a response or a log line.
 *
 * Each match is replaced by `[redacted]`; the words around it are kept so the
 * message still says what went wrong.
 */
export function scrubSecrets(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of SECRET_PATTERNS) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

export const REDACTED = '[redacted]';

/**
 * Order matters: the specific shapes go first so a key is replaced whole
 * before the generic long-token rules could leave a fragment of it.
 */
const SECRET_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  // OpenAI (`sk-…`, `sk-proj-…`, `sk-svcacct-…`), Anthropic (`sk-ant-…`), Switchyard (`sk-sy-…`),
  // whole or masked with `*`, `.` or `…` (the provider's own masking still leaks the last characters);
  // a `.` counts only inside the key, so the sentence's full stop stays.
  [/\bsk-(?:[A-Za-z0-9_\-*…]|\.(?=[A-Za-z0-9_\-*…])){3,}/g, REDACTED],
  // `Authorization: Bearer …`, `Basic …` and a bare bearer token in prose.
  [/\b(Bearer|Basic)\s+(?:[A-Za-z0-9_~+/=\-*…]|\.(?=[A-Za-z0-9_~+/=\-*…])){4,}/gi, `$1 ${REDACTED}`],
  // `api_key=…`, `"x-api-key": "…"`, `token: …`, `password=…` (the name kept, the value replaced).
  [/\b((?:x-)?api[-_]?key|access[-_]?token|refresh[-_]?token|secret|password|token)(["']?\s*[:=]\s*["']?)([^\s"',;&}]{4,})/gi, `$1$2${REDACTED}`],
  // Cloud credentials with a fixed prefix: AWS access key ids, Google API keys, GitHub tokens.
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, REDACTED],
  [/\bgh[pousr]_[A-Za-z0-9]{30,}\b/g, REDACTED],
  // Long hex (32+ digits: a 128-bit secret or more) and long base64 (40+ characters with both
  // letters and digits), which is how most other secrets look.
  [/\b[A-Fa-f0-9]{32,}\b/g, REDACTED],
  [/(?<![A-Za-z0-9+/_-])(?=[A-Za-z0-9+/_-]*\d)(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{40,}={0,2}/g, REDACTED],
];

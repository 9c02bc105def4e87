import type { IncomingHttpHeaders } from 'node:http';
import { invalidApiKey } from '@switchyard/shared';

/** Longest credential read; keys and JWTs are far shorter, and nothing longer is ever compared or looked up. */
export const CREDENTIAL_MAX_LENGTH = 8_192;

/**
 * The credential a request carries: `Authorization: Bearer <credential>`
 * (OpenAI's clients) or `x-api-key: <credential>` (Anthropic's). Undefined
 * when it carries none; a malformed one (another scheme, empty, repeated,
 * too long) is a 401 whose message never holds what was sent.
 */
export function readCredential(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
    if (!match) throw invalidApiKey('The Authorization header must be "Bearer <key>".');
    return bounded(match[1]);
  }
  const apiKey = headers['x-api-key'];
  if (apiKey === undefined) return undefined;
  // Node joins repeated x-api-key headers with ", ": two credentials are none.
  if (Array.isArray(apiKey) || apiKey.trim() === '' || /[\s,]/.test(apiKey.trim())) throw invalidApiKey('The x-api-key header must hold one key.');
  return bounded(apiKey.trim());
}

function bounded(credential: string): string {
  if (credential.length > CREDENTIAL_MAX_LENGTH) throw invalidApiKey(`The credential is longer than ${CREDENTIAL_MAX_LENGTH} characters.`);
  return credential;
}

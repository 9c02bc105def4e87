import { invalidRequest } from '@switchyard/shared';

/**
 * What names may hold. Ids of organizations and workspaces travel in events,
 * metrics labels and URLs, so they are short lower-case slugs; display names
 * and key names are free text without control or markup characters, so they
 * are safe to show in a terminal or a web page.
 */
const SLUG = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const LABEL = /^[\p{L}\p{N}][\p{L}\p{N} ._:@()-]{0,99}$/u;
const SUBJECT = /^[\p{L}\p{N}._:@|+/=-]{1,256}$/u;

/** An organization or workspace id: 1–63 of `a-z 0-9 _ -`, starting with a letter or digit. */
export function checkSlug(value: unknown, field: string): string {
  if (typeof value !== 'string' || !SLUG.test(value)) {
    throw invalidRequest(`\`${field}\` must be 1 to 63 characters of a-z, 0-9, '_' and '-', starting with a letter or digit.`, field, 'invalid_name');
  }
  return value;
}

/** A display or key name: 1–100 letters, digits, spaces and `. _ : @ ( ) -`, starting with a letter or digit. */
export function checkLabel(value: unknown, field: string): string {
  if (typeof value !== 'string' || !LABEL.test(value)) {
    throw invalidRequest(
      `\`${field}\` must be 1 to 100 characters: letters, digits, spaces and . _ : @ ( ) -, starting with a letter or digit.`,
      field,
      'invalid_name',
    );
  }
  return value;
}

/** A member's subject (user id, email, OIDC `sub`): 1–256 characters without spaces, quotes or markup. */
export function checkSubject(value: unknown, field: string): string {
  if (typeof value !== 'string' || !SUBJECT.test(value)) {
    throw invalidRequest(`\`${field}\` must be 1 to 256 characters: letters, digits and . _ : @ | + / = -.`, field, 'invalid_name');
  }
  return value;
}

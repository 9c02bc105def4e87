import { invalidRequest } from '@switchyard/shared';

/**
 * Prompt names and labels travel in URLs, in the `x-switchyard-prompt`
 * header (`name@label`, `name#version`) and in records, so they hold neither
 * `@`, `#` nor `/`.
 */
const PROMPT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const PROMPT_LABEL = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function checkPromptName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !PROMPT_NAME.test(value))
    throw invalidRequest(
      `\`${field}\` must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit.`,
      field,
      'invalid_name',
    );
  return value;
}

export function checkPromptLabel(value: unknown, field: string): string {
  if (typeof value !== 'string' || !PROMPT_LABEL.test(value))
    throw invalidRequest(
      `\`${field}\` must be 1 to 64 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit.`,
      field,
      'invalid_label',
    );
  return value;
}

/** A version number: a whole number from 1. */
export function checkPromptVersion(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2_147_483_647)
    throw invalidRequest(`\`${field}\` must be a whole number from 1.`, field, 'invalid_version');
  return value;
}

import { GatewayError, type ChatRequest } from '@switchyard/shared';

/**
 * Settles the request parameters a translated provider cannot honour: the
 * request's unmodelled fields (`extraBody`) and the canonical ones the
 * adapter names in `unsupported`. None: nothing to do. Otherwise a 400 that
 * names the first parameter and the provider, unless the provider's config
 * or the request allows dropping them; then the dropped names are returned,
 * for the response to report.
 */
export function settleUnsupportedParameters(
  providerId: string,
  request: ChatRequest,
  unsupported: readonly string[],
  options: { dropAllowed: boolean },
): string[] {
  const names = [...unsupported, ...Object.keys(request.extraBody ?? {})];
  if (names.length === 0) return [];
  if (options.dropAllowed || request.dropUnsupportedParams === true) return names;
  const name = names[0];
  throw new GatewayError(
    `Provider ${providerId} does not support the parameter '${name}'. Remove it, or allow dropping unsupported parameters ` +
      `(the x-switchyard-drop-unsupported-params: true header, or dropUnsupportedParams in the provider's config).`,
    { status: 400, errorClass: 'invalid_request', param: name, code: 'unsupported_parameter' },
  );
}

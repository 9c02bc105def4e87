import { GatewayError, type ChatRequest } from '@switchyard/shared';

/**
 * Settles the request parameters a translated provider cannot honour: the
 * request's unmodelled fields (`extraBody`; one set to `null` is "not set",
 * as in OpenAI's API, and needs no honouring) and the canonical ones the
 * adapter names in `unsupported`. None: nothing to do. Otherwise a 400 that
 * names the first parameter and the provider, unless dropping is allowed —
 * by the request's header when it has one (`false` overrides the config),
 * else by the provider's config; then the dropped names are returned, for
 * the response to report.
 */
export function settleUnsupportedParameters(
  providerId: string,
  request: ChatRequest,
  unsupported: readonly string[],
  options: { dropAllowed: boolean },
): string[] {
  const extra = Object.entries(request.extraBody ?? {}).filter(([, value]) => value !== null);
  const names = [...unsupported, ...extra.map(([name]) => name)];
  if (names.length === 0) return [];
  if (request.dropUnsupportedParams ?? options.dropAllowed) return names;
  const name = names[0];
  throw new GatewayError(
    `Provider ${providerId} does not support the parameter '${name}'. Remove it, or allow dropping unsupported parameters ` +
      `(the x-switchyard-drop-unsupported-params: true header, or dropUnsupportedParams in the provider's config).`,
    { status: 400, errorClass: 'invalid_request', param: name, code: 'unsupported_parameter' },
  );
}

import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { invalidRequest } from '@switchyard/shared';
import { setSwitchyardHeader } from './response-headers';

/** The request header that lets a translated provider drop the parameters it cannot honour (`true`), or forbids it (`false`). */
export const DROP_UNSUPPORTED_PARAMS_HEADER = 'x-switchyard-drop-unsupported-params';
/** The response header naming the parameters that were dropped, comma-separated. */
export const DROPPED_PARAMS_HEADER = 'x-switchyard-dropped-params';

/**
 * The request's choice about unsupported parameters: undefined without the
 * header (the provider's `dropUnsupportedParams` decides). Anything but
 * `true` or `false` is a 400 naming the header, never read as one of them.
 */
export function readDropUnsupportedParams(headers: IncomingHttpHeaders): boolean | undefined {
  const value = headers[DROP_UNSUPPORTED_PARAMS_HEADER];
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? undefined : value.trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalidRequest(`${DROP_UNSUPPORTED_PARAMS_HEADER} must be true or false.`, DROP_UNSUPPORTED_PARAMS_HEADER, 'invalid_value');
}

/** Says which parameters the provider dropped, when it dropped any; set before the response's headers are written. */
export function setDroppedParamsHeader(response: ServerResponse, droppedParams: readonly string[] | undefined): void {
  if (droppedParams !== undefined && droppedParams.length > 0) setSwitchyardHeader(response, DROPPED_PARAMS_HEADER, droppedParams.join(','));
}

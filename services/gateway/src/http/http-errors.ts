import { GatewayError, internalError, isGatewayError } from '@switchyard/shared';

/** Turns anything thrown while serving a request into the error the client sees. */
export function toGatewayError(error: unknown): GatewayError {
  return isGatewayError(error) ? error : internalError('An unexpected error occurred in the gateway.', error);
}

export function requestTimedOut(timeoutMs: number): GatewayError {
  return new GatewayError(`The request did not complete within ${timeoutMs} ms.`, {
    status: 504,
    errorClass: 'timeout',
    code: 'request_timeout',
  });
}

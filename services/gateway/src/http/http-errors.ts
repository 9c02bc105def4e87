import { GatewayError, internalError, isGatewayError } from '@switchyard/shared';

/** Turns anything thrown while serving a request into the error the client sees. */
export function toGatewayError(error: unknown, bodyLimitBytes: number): GatewayError {
  if (isGatewayError(error)) return error;
  const bodyError = error as { type?: string; status?: number };
  if (bodyError?.type === 'entity.too.large') {
    return new GatewayError(`The request body is larger than the limit of ${bodyLimitBytes} bytes.`, {
      status: 413, errorClass: 'payload_too_large', type: 'invalid_request_error', code: 'request_too_large',
    });
  }
  if (bodyError?.type === 'entity.parse.failed') {
    return new GatewayError(
      'The body of the request is not valid JSON. Send a JSON object with the Content-Type header application/json.',
      { status: 400, errorClass: 'invalid_request', type: 'invalid_request_error', code: 'invalid_json' },
    );
  }
  if (bodyError?.type === 'encoding.unsupported' || bodyError?.type === 'charset.unsupported') {
    return new GatewayError(`Unsupported request body encoding: ${(error as Error).message}`, {
      status: 415, errorClass: 'invalid_request', type: 'invalid_request_error', code: 'unsupported_encoding',
    });
  }
  if (bodyError?.type === 'request.aborted') {
    return new GatewayError('The client closed the request.', { status: 499, errorClass: 'cancelled', type: 'cancelled', code: 'client_closed_request' });
  }
  return internalError('An unexpected error occurred in the gateway.', error);
}

export function requestTimedOut(timeoutMs: number): GatewayError {
  return new GatewayError(`The request did not complete within ${timeoutMs} ms.`, {
    status: 504, errorClass: 'timeout', type: 'timeout_error', code: 'request_timeout',
  });
}

import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import {
  GatewayError,
  ProviderError,
  invalidRequest,
  modelNotFound,
  noProviderConfigured,
  providerHttpError,
  providerTimeout,
  providerUnreachable,
  requestCancelled,
  type ErrorClass,
} from '@switchyard/shared';
import { ERROR_METADATA_KEY, fromGrpcError, toGrpcStatus } from './grpc-error';

/** What a grpc-js client reports for a status the server sent. */
function receivedError(code: status, details: string, metadata = new Metadata()): ServiceError {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

function acrossTheWire(error: unknown): GatewayError {
  const sent = toGrpcStatus(error);
  return fromGrpcError(receivedError(sent.code, sent.details, sent.metadata ?? undefined));
}

function fields(error: GatewayError): Record<string, unknown> {
  const { name, message, status: httpStatus, errorClass, code, param, retryable, retryAfter } = error;
  const provider = error instanceof ProviderError ? { providerId: error.providerId, upstreamStatus: error.upstreamStatus } : {};
  return { name, message, status: httpStatus, errorClass, code, param, retryable, retryAfter, ...provider };
}

describe('gRPC error mapping', () => {
  it.each<[string, GatewayError]>([
    ['invalid request', invalidRequest('messages must not be empty', 'messages', 'empty_messages')],
    ['model not found', modelNotFound('nope')],
    ['no provider', noProviderConfigured()],
    ['cancelled', requestCancelled()],
    ['rate limited with retry-after', providerHttpError('openai', 429, 'slow down', '12')],
    ['upstream 400', providerHttpError('anthropic', 400, 'bad', undefined)],
    ['upstream 500', providerHttpError('openai', 500, 'boom')],
    ['provider timeout', providerTimeout('openai', 30_000)],
    ['unreachable', providerUnreachable('openai', new Error('ECONNREFUSED'))],
  ])('rebuilds %s identically on the other side', (_name, error) => {
    const rebuilt = acrossTheWire(error);
    expect(rebuilt).toBeInstanceOf(error.constructor);
    expect(fields(rebuilt)).toStrictEqual(fields(error));
  });

  it.each<[ErrorClass, status]>([
    ['invalid_request', status.INVALID_ARGUMENT],
    ['not_found', status.NOT_FOUND],
    ['payload_too_large', status.RESOURCE_EXHAUSTED],
    ['rate_limited', status.RESOURCE_EXHAUSTED],
    ['timeout', status.DEADLINE_EXCEEDED],
    ['upstream', status.UNAVAILABLE],
    ['unavailable', status.UNAVAILABLE],
    ['cancelled', status.CANCELLED],
    ['internal', status.INTERNAL],
  ])('maps error class %s to status %s', (errorClass, code) => {
    const sent = toGrpcStatus(new GatewayError('x', { status: 500, errorClass }));
    expect(sent.code).toBe(code);
    expect(sent.details).toBe('x');
  });

  it('cuts long messages so the trailers stay small', () => {
    const long = providerHttpError('openai', 502, `<html>${'x'.repeat(100_000)}</html>`);
    const sent = toGrpcStatus(long);
    const rebuilt = acrossTheWire(long);
    expect(sent.details.length).toBeLessThanOrEqual(512);
    expect(rebuilt.message).toHaveLength(4096);
    expect(rebuilt.message.startsWith(long.message.slice(0, 4095))).toBe(true);
    expect(fields(rebuilt)).toMatchObject({ status: 502, providerId: 'openai', upstreamStatus: 502 });
  });

  it('turns anything but a GatewayError into a generic internal error', () => {
    const sent = toGrpcStatus(new TypeError('secret detail'));
    expect(sent.code).toBe(status.INTERNAL);
    expect(sent.details).not.toContain('secret');
    expect(fields(acrossTheWire(new TypeError('secret detail')))).toMatchObject({ status: 500, errorClass: 'internal', code: 'internal_error' });
  });

  it('maps a deadline without Switchyard metadata to a retryable 504', () => {
    const error = fromGrpcError(receivedError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
    expect(fields(error)).toMatchObject({ status: 504, errorClass: 'timeout', code: 'deadline_exceeded', retryable: true });
  });

  it.each([status.UNAVAILABLE, status.CANCELLED])('maps status %s without metadata to a retryable 503', (code) => {
    expect(fields(fromGrpcError(receivedError(code, 'No connection established')))).toMatchObject({
      status: 503,
      errorClass: 'unavailable',
      retryable: true,
    });
  });

  it("maps grpc-js's own message size refusal to a 413 that says so", () => {
    const error = fromGrpcError(receivedError(status.RESOURCE_EXHAUSTED, 'Received message larger than max (2000 vs. 1000)'));
    expect(fields(error)).toMatchObject({ status: 413, errorClass: 'payload_too_large', code: 'grpc_message_too_large', retryable: false });
    expect(error.message).toBe('A message between the services exceeded its size limit: Received message larger than max (2000 vs. 1000)');
  });

  it('maps other statuses without metadata to a 500 that names the status', () => {
    const error = fromGrpcError(receivedError(status.UNIMPLEMENTED, 'Method not found'));
    expect(fields(error)).toMatchObject({ status: 500, errorClass: 'internal', retryable: false });
    expect(error.message).toContain('UNIMPLEMENTED');
  });

  it('ignores metadata that is not a Switchyard error', () => {
    const metadata = new Metadata();
    metadata.set(ERROR_METADATA_KEY, Buffer.from('not json'));
    expect(fromGrpcError(receivedError(status.DEADLINE_EXCEEDED, 'late', metadata)).status).toBe(504);
  });

  it('wraps a value that is not a gRPC error', () => {
    expect(fromGrpcError('boom').status).toBe(500);
  });
});

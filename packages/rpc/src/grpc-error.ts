import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { GatewayError, ProviderError, executionReportOf, internalError, withExecutionReport, type ErrorClass } from '@switchyard/shared';
import { executionReportFromBinary, executionReportToBinary } from './execution-codec';

/**
 * Errors cross a gRPC boundary as a status code (for gRPC tooling and
 * proxies) plus the whole error as JSON in binary metadata, so the caller
 * rebuilds exactly the error the service threw.
 */
export const ERROR_METADATA_KEY = 'switchyard-error-bin';

/** The attempts that led to the error (an `ExecutionReport`), when a plan executor threw it. */
export const EXECUTION_REPORT_METADATA_KEY = 'switchyard-execution-report-bin';

/**
 * Trailers over the HTTP/2 header list limit reset the stream, and the caller
 * would wait for its deadline; long messages (an upstream's HTML error page)
 * are cut to these lengths.
 */
const MAX_MESSAGE_LENGTH = 4096;
const MAX_DETAILS_LENGTH = 512;

const CODES: Record<ErrorClass, status> = {
  invalid_request: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  payload_too_large: status.RESOURCE_EXHAUSTED,
  rate_limited: status.RESOURCE_EXHAUSTED,
  timeout: status.DEADLINE_EXCEEDED,
  upstream: status.UNAVAILABLE,
  unavailable: status.UNAVAILABLE,
  cancelled: status.CANCELLED,
  internal: status.INTERNAL,
};

interface ErrorPayload {
  message: string;
  status: number;
  errorClass: ErrorClass;
  code: string | null;
  param: string | null;
  retryable: boolean;
  retryAfter?: string;
  providerId?: string;
  upstreamStatus?: number;
}

export type GrpcErrorStatus = Pick<StatusObject, 'code' | 'details' | 'metadata'>;

/** The status a handler ends its call with. Anything but a GatewayError becomes a generic internal error. */
export function toGrpcStatus(error: unknown): GrpcErrorStatus {
  const gatewayError = error instanceof GatewayError ? error : internalError('Internal error.', error);
  const payload: ErrorPayload = {
    message: truncate(gatewayError.message, MAX_MESSAGE_LENGTH),
    status: gatewayError.status,
    errorClass: gatewayError.errorClass,
    code: gatewayError.code,
    param: gatewayError.param,
    retryable: gatewayError.retryable,
    retryAfter: gatewayError.retryAfter,
  };
  if (gatewayError instanceof ProviderError) {
    payload.providerId = gatewayError.providerId;
    payload.upstreamStatus = gatewayError.upstreamStatus;
  }
  const metadata = new Metadata();
  metadata.set(ERROR_METADATA_KEY, Buffer.from(JSON.stringify(payload)));
  const report = executionReportOf(error);
  if (report) metadata.set(EXECUTION_REPORT_METADATA_KEY, Buffer.from(executionReportToBinary(report)));
  return { code: CODES[gatewayError.errorClass], details: truncate(gatewayError.message, MAX_DETAILS_LENGTH), metadata };
}

/** Rebuilds the error a service threw; a status without Switchyard metadata is mapped by its code. */
export function fromGrpcError(error: unknown): GatewayError {
  if (!isServiceError(error)) return internalError('gRPC call failed.', error);
  const payload = readPayload(error.metadata);
  if (payload === undefined) return errorFromCode(error);
  const { message, providerId, upstreamStatus, ...options } = payload;
  const rebuilt =
    providerId === undefined ? new GatewayError(message, options) : new ProviderError(message, { ...options, providerId, upstreamStatus });
  const report = readReport(error.metadata);
  return report ? withExecutionReport(rebuilt, report) : rebuilt;
}

function readReport(metadata: Metadata | undefined): ReturnType<typeof executionReportFromBinary> | undefined {
  const [value] = metadata?.get(EXECUTION_REPORT_METADATA_KEY) ?? [];
  if (!Buffer.isBuffer(value)) return undefined;
  try {
    return executionReportFromBinary(value);
  } catch {
    return undefined;
  }
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

function readPayload(metadata: Metadata | undefined): ErrorPayload | undefined {
  const [value] = metadata?.get(ERROR_METADATA_KEY) ?? [];
  if (!Buffer.isBuffer(value)) return undefined;
  try {
    const payload = JSON.parse(value.toString('utf8')) as ErrorPayload;
    return payload.errorClass in CODES && typeof payload.status === 'number' ? payload : undefined;
  } catch {
    return undefined;
  }
}

/** Statuses raised by gRPC itself (deadline, connection, cancellation) rather than by a Switchyard service. */
function errorFromCode(error: ServiceError): GatewayError {
  const details = error.details || status[error.code];
  switch (error.code) {
    case status.DEADLINE_EXCEEDED:
      return new GatewayError(`The call did not complete before its deadline: ${details}`, {
        cause: error,
        status: 504,
        errorClass: 'timeout',
        code: 'deadline_exceeded',
        retryable: true,
      });
    case status.UNAVAILABLE:
    case status.CANCELLED:
      return new GatewayError(`The service is unavailable: ${details}`, {
        cause: error,
        status: 503,
        errorClass: 'unavailable',
        code: 'service_unavailable',
        retryable: true,
      });
    case status.RESOURCE_EXHAUSTED:
      // grpc-js's own size check ("Received message larger than max (N vs. M)"), on either side of the call.
      return new GatewayError(`A message between the services exceeded its size limit: ${details}`, {
        cause: error,
        status: 413,
        errorClass: 'payload_too_large',
        code: 'grpc_message_too_large',
        retryable: false,
      });
    default:
      return internalError(`gRPC call failed with ${status[error.code] ?? error.code}: ${details}`, error);
  }
}

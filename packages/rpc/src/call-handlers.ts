import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { handleServerStreamingCall, handleUnaryCall, Metadata, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import { GatewayError, requestCancelled } from '@switchyard/shared';
import type { Logger } from '@switchyard/shared';
import type { CallContext } from '@switchyard/shared';
import { toGrpcStatus } from './grpc-error';

/**
 * Adapters from plain async functions to grpc-js handlers. The function gets
 * a CallContext whose signal aborts when the client cancels the call or its
 * deadline passes; whatever it throws ends the call with the mapped status.
 */

export const REQUEST_ID_METADATA_KEY = 'x-request-id';

type ServerCall<Request> = ServerUnaryCall<Request, unknown> | ServerWritableStream<Request, unknown>;

export function unaryHandler<Request, Response>(
  handle: (request: Request, context: CallContext) => Promise<Response>,
  logger: Logger,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const { context, release } = callContext(call);
    run(() => handle(call.request, context)).then(
      (response) => {
        release();
        callback(null, response);
      },
      (error: unknown) => {
        release();
        logUnexpected(logger, error, call, context);
        callback(toGrpcStatus(error));
      },
    );
  };
}

/**
 * Serves a stream: `open` resolves once the stream is ready (its rejection
 * ends the call before any message), then each part is encoded and written,
 * waiting for 'drain' whenever the transport's buffer is full. A client
 * cancel aborts the signal and stops the iteration, which lets the source
 * release its upstream request.
 */
export function serverStreamingHandler<Request, Part, Response>(
  open: (request: Request, context: CallContext) => Promise<AsyncIterable<Part>>,
  encode: (part: Part) => Response,
  logger: Logger,
): handleServerStreamingCall<Request, Response> {
  // Catches every error itself: grpc-js ignores what the handler returns.
  const serve = async (call: ServerWritableStream<Request, Response>): Promise<void> => {
    const { context, release } = callContext(call);
    try {
      const parts = await run(() => open(call.request, context));
      for await (const part of parts) {
        if (call.cancelled) break;
        if (!call.write(encode(part))) await once(call, 'drain', { signal: context.signal });
      }
      release();
      if (!call.cancelled) call.end();
    } catch (error) {
      release();
      if (call.cancelled) return;
      logUnexpected(logger, error, call, context);
      call.emit('error', toGrpcStatus(error));
    }
  };
  return (call) => void serve(call);
}

/** The first value of a metadata key, when it is a string. */
function metadataString(metadata: Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * grpc-js also reports 'cancelled' after it sent the final status, so the
 * handler releases the context before it answers.
 */
function callContext<Request>(call: ServerCall<Request>): { context: CallContext; release: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort(requestCancelled());
  call.once('cancelled', abort);
  const fromBody = (call.request as { requestId?: unknown } | undefined)?.requestId;
  const requestId = metadataString(call.metadata, REQUEST_ID_METADATA_KEY) || (typeof fromBody === 'string' && fromBody) || randomUUID();
  return { context: { requestId, signal: controller.signal }, release: () => call.off('cancelled', abort) };
}

/** Runs `action` so that a synchronous throw becomes a rejection. */
async function run<T>(action: () => Promise<T>): Promise<T> {
  return action();
}

function logUnexpected<Request>(logger: Logger, error: unknown, call: ServerCall<Request>, context: CallContext): void {
  if (error instanceof GatewayError && error.errorClass !== 'internal') return;
  logger.error({ err: error, method: call.getPath(), requestId: context.requestId }, 'grpc-call-fail');
}

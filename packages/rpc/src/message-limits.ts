import { GRPC_MAX_MESSAGE_BYTES } from './grpc-server';

/**
 * Largest messages each side of one service accepts: a server receives
 * requests up to `requestBytes` and sends responses up to `responseBytes`;
 * its clients send and receive the same, so an oversized request fails
 * before it is sent.
 */
export interface GrpcMessageLimits {
  requestBytes: number;
  responseBytes: number;
}

/** Requests to the router, the observability queries and health checks: a model name, a filter, a cursor. */
export const GRPC_CONTROL_REQUEST_BYTES = 256 * 1024;

/** What a route plan, a model list or a page of records can need. */
const CONTROL_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Room beside the client's body in a request to the adapters: the deployment, ids, protobuf framing. */
const ADAPTER_REQUEST_HEADROOM_BYTES = 1024 * 1024;

/**
 * The limits of each service, from the gateway's `server.bodyLimitBytes`:
 * a request to the adapters carries one client body re-encoded (protobuf is
 * rarely larger than the JSON it came from; twice is the margin) plus its
 * deployment. Responses are bounded by what providers return (embeddings of
 * many inputs are the largest). The semantic service gets texts taken from
 * one client body (to embed, or to check) and vectors, and answers vectors.
 */
export function grpcMessageLimits(bodyLimitBytes: number): Record<'router' | 'adapters' | 'observability' | 'semantic', GrpcMessageLimits> {
  return {
    router: { requestBytes: GRPC_CONTROL_REQUEST_BYTES, responseBytes: CONTROL_RESPONSE_BYTES },
    adapters: { requestBytes: 2 * bodyLimitBytes + ADAPTER_REQUEST_HEADROOM_BYTES, responseBytes: GRPC_MAX_MESSAGE_BYTES },
    observability: { requestBytes: GRPC_CONTROL_REQUEST_BYTES, responseBytes: GRPC_MAX_MESSAGE_BYTES },
    semantic: { requestBytes: 2 * bodyLimitBytes + ADAPTER_REQUEST_HEADROOM_BYTES, responseBytes: GRPC_MAX_MESSAGE_BYTES },
  };
}

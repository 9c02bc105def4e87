import { create, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import { Client, credentials as grpcCredentials, Metadata, type ChannelCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { requestCancelled, type GatewayError } from '@switchyard/shared';
import type { CallContext } from '@switchyard/shared';
import { REQUEST_ID_METADATA_KEY } from './call-handlers';
import { fromGrpcError } from './grpc-error';
import { GRPC_MAX_MESSAGE_BYTES } from './grpc-server';
import type { GrpcMessageLimits } from './message-limits';
import { grpcServiceDefinition, type GrpcServiceDefinition } from './service-definition';

export interface GrpcClientOptions {
  /** `host:port`, or any grpc-js target such as `dns:///router:50051`. */
  address: string;
  /** Deadline of each call, from its start. */
  callTimeoutMs: number;
  /** Insecure unless given; `grpcClientSecurity` makes them from the config. */
  credentials?: ChannelCredentials;
  /** Largest request sent and response received (the server's own limits); GRPC_MAX_MESSAGE_BYTES both ways unless given. */
  messageLimits?: GrpcMessageLimits;
  channelOptions?: ChannelOptions;
}

type MethodsOfKind<Methods extends GenServiceMethods, Kind extends string> = {
  [K in keyof Methods]: Methods[K]['methodKind'] extends Kind ? K : never;
}[keyof Methods] &
  string;
type Input<Methods extends GenServiceMethods, K extends keyof Methods> = MessageInitShape<Methods[K]['input']>;
type Output<Methods extends GenServiceMethods, K extends keyof Methods> = MessageShape<Methods[K]['output']>;

/**
 * Calls one protobuf-es service over one grpc-js channel. Every call carries
 * the request id as `x-request-id`, has a deadline, is cancelled when the
 * context's signal aborts, and fails with the GatewayError the service threw
 * (or one mapped from the gRPC status).
 */
export class GrpcServiceClient<Methods extends GenServiceMethods> {
  private readonly client: Client;
  private readonly definition: GrpcServiceDefinition<Methods>;

  constructor(
    private readonly service: GenService<Methods>,
    private readonly options: GrpcClientOptions,
  ) {
    this.definition = grpcServiceDefinition(service);
    this.client = new Client(options.address, options.credentials ?? grpcCredentials.createInsecure(), {
      'grpc.max_receive_message_length': options.messageLimits?.responseBytes ?? GRPC_MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': options.messageLimits?.requestBytes ?? GRPC_MAX_MESSAGE_BYTES,
      // Per-call bookkeeping for channelz, which Switchyard does not serve.
      'grpc.enable_channelz': 0,
      ...options.channelOptions,
    });
  }

  unary<K extends MethodsOfKind<Methods, 'unary'>>(
    method: K,
    request: Input<Methods, K>,
    context: CallContext,
    timeoutMs = this.options.callTimeoutMs,
  ): Promise<Output<Methods, K>> {
    const { path, requestSerialize, responseDeserialize } = this.definition[method];
    return new Promise((resolve, reject) => {
      if (context.signal.aborted) return reject(requestCancelled());
      const cancel = () => call.cancel();
      const call = this.client.makeUnaryRequest(
        path,
        requestSerialize,
        responseDeserialize,
        this.message(method, request),
        callMetadata(context),
        { deadline: Date.now() + timeoutMs },
        (error, response) => {
          context.signal.removeEventListener('abort', cancel);
          if (error) reject(callError(error, context));
          else resolve(response as Output<Methods, K>);
        },
      );
      context.signal.addEventListener('abort', cancel, { once: true });
    });
  }

  /**
   * Opens a server stream and resolves once its first message arrived (or it
   * ended empty), so a failure before the first message rejects. The
   * iterable yields that message and the rest, each through `decode`;
   * stopping early, or a message `decode` throws on, cancels the call.
   */
  async serverStream<K extends MethodsOfKind<Methods, 'server_streaming'>, Part>(
    method: K,
    request: Input<Methods, K>,
    context: CallContext,
    decode: (message: Output<Methods, K>) => Part,
    timeoutMs = this.options.callTimeoutMs,
  ): Promise<AsyncIterable<Part>> {
    if (context.signal.aborted) throw requestCancelled();
    const { path, requestSerialize, responseDeserialize } = this.definition[method];
    const call = this.client.makeServerStreamRequest(
      path,
      requestSerialize,
      responseDeserialize,
      this.message(method, request),
      callMetadata(context),
      { deadline: Date.now() + timeoutMs },
    );
    // A status that arrives after the reader stopped listening must not become an uncaught 'error'.
    call.on('error', () => {});
    const cancel = () => call.cancel();
    context.signal.addEventListener('abort', cancel, { once: true });
    const messages: AsyncIterator<Output<Methods, K>> = call[Symbol.asyncIterator]();
    let finished = false;
    const release = () => {
      context.signal.removeEventListener('abort', cancel);
      if (finished) return;
      finished = true;
      call.cancel();
      void messages.return?.();
    };
    const next = async (): Promise<IteratorResult<Part, undefined>> => {
      let result: IteratorResult<Output<Methods, K>>;
      try {
        result = await messages.next();
      } catch (error) {
        finished = true;
        throw callError(error, context);
      }
      if (result.done) {
        finished = true;
        return { done: true, value: undefined };
      }
      return { done: false, value: decode(result.value) };
    };

    let first: IteratorResult<Part, undefined>;
    try {
      first = await next();
    } catch (error) {
      release();
      throw error;
    }
    if (first.done) {
      release();
      return { [Symbol.asyncIterator]: () => ({ next: async () => first }) };
    }
    const firstPart = first.value;
    return (async function* () {
      try {
        yield firstPart;
        for (let result = await next(); !result.done; result = await next()) yield result.value;
      } finally {
        release();
      }
    })();
  }

  /** Closes the channel. */
  close(): void {
    this.client.close();
  }

  /** A request message from a message or its init shape. */
  private message<K extends keyof Methods>(method: K, request: Input<Methods, K>): MessageShape<Methods[K]['input']> {
    return create(this.service.method[method].input, request) as MessageShape<Methods[K]['input']>;
  }
}

function callMetadata(context: CallContext): Metadata {
  const metadata = new Metadata();
  metadata.set(REQUEST_ID_METADATA_KEY, context.requestId);
  return metadata;
}

/** A call this side cancelled reads as the client's own cancellation, whatever status the call ended with. */
function callError(error: unknown, context: CallContext): GatewayError {
  return context.signal.aborted ? requestCancelled() : fromGrpcError(error);
}

import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from '@bufbuild/protobuf';
import type { GenService, GenServiceMethods } from '@bufbuild/protobuf/codegenv2';
import type { handleBidiStreamingCall, handleClientStreamingCall, handleServerStreamingCall, handleUnaryCall, MethodDefinition } from '@grpc/grpc-js';

type Method = GenServiceMethods[string];
type Input<M extends Method> = MessageShape<M['input']>;
type Output<M extends Method> = MessageShape<M['output']>;
/** Handlers may answer with a message or with its init shape. */
type Answer<M extends Method> = MessageInitShape<M['output']>;

/** The methods of a generated service descriptor, e.g. `MethodsOf<typeof routerV1.RouterService>`. */
export type MethodsOf<Service> = Service extends GenService<infer Methods> ? Methods : never;

/** A grpc-js service definition keyed, like the descriptor, by each method's local (camelCase) name. */
export type GrpcServiceDefinition<Methods extends GenServiceMethods> = {
  readonly [K in keyof Methods]: MethodDefinition<Input<Methods[K]>, Output<Methods[K]>>;
};

/** The grpc-js handlers that implement a protobuf-es service, typed by its descriptor. */
export type GrpcHandlers<Methods extends GenServiceMethods> = {
  [K in keyof Methods]: Methods[K]['methodKind'] extends 'unary'
    ? handleUnaryCall<Input<Methods[K]>, Answer<Methods[K]>>
    : Methods[K]['methodKind'] extends 'server_streaming'
      ? handleServerStreamingCall<Input<Methods[K]>, Answer<Methods[K]>>
      : Methods[K]['methodKind'] extends 'client_streaming'
        ? handleClientStreamingCall<Input<Methods[K]>, Answer<Methods[K]>>
        : handleBidiStreamingCall<Input<Methods[K]>, Answer<Methods[K]>>;
};

/**
 * Turns a protobuf-es service descriptor into the definition grpc-js serves
 * and calls: path `/<package>.<Service>/<Method>`, messages encoded with
 * protobuf-es. The serializers also take a message's init shape.
 */
export function grpcServiceDefinition<Methods extends GenServiceMethods>(service: GenService<Methods>): GrpcServiceDefinition<Methods> {
  const definition: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const method of service.methods) {
    definition[method.localName] = {
      path: `/${service.typeName}/${method.name}`,
      originalName: method.name,
      requestStream: method.methodKind === 'client_streaming' || method.methodKind === 'bidi_streaming',
      responseStream: method.methodKind === 'server_streaming' || method.methodKind === 'bidi_streaming',
      requestSerialize: serializer(method.input),
      requestDeserialize: deserializer(method.input),
      responseSerialize: serializer(method.output),
      responseDeserialize: deserializer(method.output),
    };
  }
  return definition as GrpcServiceDefinition<Methods>;
}

function serializer(schema: DescMessage): (message: unknown) => Buffer {
  return (message) => {
    // `create` returns a message of this type as it is.
    const bytes = toBinary(schema, create(schema, message as MessageInitShape<DescMessage>));
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(schema: DescMessage): (bytes: Buffer) => unknown {
  return (bytes) => fromBinary(schema, bytes);
}

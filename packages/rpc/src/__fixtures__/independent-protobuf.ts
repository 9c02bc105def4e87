import path from 'node:path';
import { loadSync, type ServiceDefinition } from '@grpc/proto-loader';

/**
 * The Switchyard services as @grpc/proto-loader reads them straight from
 * ../proto with protobufjs: an encoder independent of protobuf-es, for
 * tests that prove wire compatibility. Keyed by method name (`ResolveRoute`);
 * messages are protobufjs plain objects with camelCase fields, int64 as
 * strings, enums as names and oneofs as virtual `case` properties.
 */
const PROTO_ROOT = path.resolve(__dirname, '../../../../proto');

const packageDefinition = loadSync(['switchyard/router/v1/router.proto', 'switchyard/adapters/v1/adapters.proto'], {
  includeDirs: [PROTO_ROOT],
  longs: String,
  enums: String,
  oneofs: true,
});

export const independentRouterService = packageDefinition['switchyard.router.v1.RouterService'] as ServiceDefinition;
export const independentAdapterService = packageDefinition['switchyard.adapters.v1.ProviderAdapterService'] as ServiceDefinition;

import { create } from '@bufbuild/protobuf';
import { adaptersV1, routerV1 } from '@switchyard/proto';
import type { ChatRequest } from '@switchyard/shared';
import { independentAdapterService, independentRouterService } from './__fixtures__/independent-protobuf';
import { chatRequestFromProto, chatRequestToProto } from './chat-request-codec';
import { deploymentToProto } from './route-codec';
import { grpcServiceDefinition } from './service-definition';
import { streamPartFromProto } from './stream-part-codec';

const router = grpcServiceDefinition(routerV1.RouterService);
const adapters = grpcServiceDefinition(adaptersV1.ProviderAdapterService);

const request: ChatRequest = {
  model: 'fast',
  messages: [
    { role: 'system', content: 'Be brief.' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'Look' },
        { type: 'image', url: 'https://example.com/a.png', detail: 'low' },
      ],
    },
  ],
  toolChoice: { mode: 'tool', toolName: 'lookup' },
  tools: [{ name: 'lookup', parameters: { type: 'object' } }],
  sampling: { temperature: 0, maxTokens: 64 },
  seed: -42,
  metadata: { team: 'search' },
  stream: true,
  includeUsage: true,
};

describe('grpcServiceDefinition', () => {
  it('describes every method as grpc-js and proto-loader do', () => {
    for (const [ours, independent] of [
      [router, independentRouterService],
      [adapters, independentAdapterService],
    ] as const) {
      const described = Object.values(ours).map(({ path, requestStream, responseStream }) => ({ path, requestStream, responseStream }));
      const expected = Object.values(independent).map(({ path, requestStream, responseStream }) => ({ path, requestStream, responseStream }));
      expect(described).toStrictEqual(expected);
    }
    expect(adapters.streamComplete.path).toBe('/switchyard.adapters.v1.ProviderAdapterService/StreamComplete');
    expect(adapters.streamComplete.responseStream).toBe(true);
    expect(adapters.streamComplete.originalName).toBe('StreamComplete');
  });

  it('writes requests that protobufjs reads', () => {
    const message = create(adaptersV1.StreamCompleteRequestSchema, {
      deployment: deploymentToProto({ id: 'openai/gpt-4o', providerId: 'openai', model: 'gpt-4o' }),
      request: chatRequestToProto(request),
      requestId: 'req-1',
    });
    const decoded = independentAdapterService.StreamComplete.requestDeserialize(adapters.streamComplete.requestSerialize(message));
    expect(decoded).toMatchObject({
      deployment: { id: 'openai/gpt-4o', providerId: 'openai', model: 'gpt-4o' },
      requestId: 'req-1',
      request: {
        model: 'fast',
        messages: [
          { role: 'ROLE_SYSTEM', content: [{ part: 'text', text: 'Be brief.' }] },
          { role: 'ROLE_USER', content: [{ text: 'Look' }, { part: 'image', image: { url: 'https://example.com/a.png', detail: 'low' } }] },
        ],
        toolChoice: { mode: 'tool', toolName: 'lookup' },
        tools: [{ name: 'lookup', parametersJson: '{"type":"object"}' }],
        sampling: { temperature: 0, _temperature: 'temperature', maxTokens: 64 },
        seed: '-42',
        metadata: { team: 'search' },
        stream: true,
        includeUsage: true,
      },
    });
  });

  it('reads requests that protobufjs writes', () => {
    const bytes = independentAdapterService.StreamComplete.requestSerialize({
      deployment: { id: 'openai/gpt-4o' },
      request: {
        model: 'fast',
        messages: [
          { role: 'ROLE_SYSTEM', content: [{ text: 'Be brief.' }] },
          { role: 'ROLE_USER', content: [{ text: 'Look' }, { image: { url: 'https://example.com/a.png', detail: 'low' } }] },
        ],
        toolChoice: { mode: 'tool', toolName: 'lookup' },
        tools: [{ name: 'lookup', parametersJson: '{"type":"object"}' }],
        sampling: { temperature: 0, maxTokens: 64 },
        seed: '-42',
        metadata: { team: 'search' },
        stream: true,
        includeUsage: true,
      },
    });
    const decoded = adapters.streamComplete.requestDeserialize(bytes);
    expect(decoded.deployment?.id).toBe('openai/gpt-4o');
    expect(chatRequestFromProto(decoded.request!)).toStrictEqual(request);
  });

  it('reads stream parts that protobufjs writes, and the other way round', () => {
    const independent = independentAdapterService.StreamComplete;
    const bytes = independent.responseSerialize({ part: { toolCallStart: { choice: 1, index: 2, id: 'call_1', name: 'lookup' } } });
    const decoded = adapters.streamComplete.responseDeserialize(bytes);
    expect(streamPartFromProto(decoded.part!)).toStrictEqual({ type: 'tool-call-start', choice: 1, index: 2, id: 'call_1', name: 'lookup' });
    expect(independent.responseDeserialize(adapters.streamComplete.responseSerialize(decoded))).toMatchObject({
      part: { part: 'toolCallStart', toolCallStart: { choice: 1, index: 2, id: 'call_1', name: 'lookup' } },
    });
  });

  it('writes the same bytes as protobufjs for a route plan', () => {
    const plan = {
      requestedModel: 'fast',
      attempts: [{ deployment: { id: 'a/m', providerId: 'a', model: 'm' }, routePath: 'targets[0]' }],
    };
    const ours = router.resolveRoute.responseSerialize(create(routerV1.ResolveRouteResponseSchema, plan));
    const independent = independentRouterService.ResolveRoute.responseSerialize(plan);
    expect(ours.equals(independent)).toBe(true);
  });
});

import type { ChatResponse, GatewayPlugin, PluginFactory } from '@switchyard/shared';

/**
 * A test plugin loaded through `plugins.modules`: it rewrites requests for
 * the model `rewrite-me` (to `gpt-4o-mini`, with a system message of its
 * own), counts the stream parts it passes, and keeps every answer its
 * `afterResponse` saw, which `GET /v1/test-recorder/answers` shows.
 */
const answers = new Map<string, { content: string | null; streamed: boolean; outcome: string; parts: number }>();

export const pluginFactory: PluginFactory = {
  name: 'test-recorder',
  create: () => {
    const plugin: GatewayPlugin = {
      name: 'test-recorder',
      beforeRequest: (context) => {
        context.state.set('test-recorder', 0);
        if (context.request.model !== 'rewrite-me') return undefined;
        context.annotate('test-recorder', 'rewrote');
        return {
          kind: 'rewrite',
          request: {
            ...context.request,
            model: 'gpt-4o-mini',
            messages: [{ role: 'system', content: 'Added by the test-recorder plugin.' }, ...context.request.messages],
          },
        };
      },
      onStreamPart: (context) => {
        context.state.set('test-recorder', (context.state.get('test-recorder') as number) + 1);
        return undefined;
      },
      afterResponse: (context, response: ChatResponse, outcome) => {
        answers.set(context.requestId, {
          content: response.choices[0]?.message.content ?? null,
          streamed: context.streamed,
          outcome: outcome.source === 'provider' ? `provider:${outcome.providerId}` : `plugin:${outcome.servedBy.plugin}`,
          parts: context.state.get('test-recorder') as number,
        });
        context.setHeader('x-switchyard-test-recorder', 'seen');
        return response;
      },
      endpoints: [
        {
          method: 'GET',
          path: '/v1/test-recorder/answers',
          endpoint: 'test_recorder.read',
          handle: async (call) => ({ status: 200, body: { workspace: call.workspace, answer: answers.get(call.query.request_id ?? '') ?? null } }),
        },
      ],
    };
    return plugin;
  },
};

import { vectorNamespace, type ChatRequest, type GatewayPlugin, type PluginFactory } from '@switchyard/shared';

/**
 * A test plugin loaded through `plugins.modules`: it answers a question it
 * has answered before from the vector store, and stores each provider answer
 * after the response. Every embedding and vector call goes through the
 * gateway's PluginServices: in distributed mode, the semantic service over gRPC.
 */
const NAME = 'stored-answers';

function lastQuestion(request: ChatRequest): string {
  const user = [...request.messages].reverse().find((message) => message.role === 'user');
  return (user?.content ?? []).map((part) => (part.type === 'text' ? part.text : '')).join('\n');
}

export const pluginFactory: PluginFactory = {
  name: NAME,
  create: (services) => {
    const plugin: GatewayPlugin = {
      name: NAME,
      beforeRequest: async (context) => {
        const embedder = services.embedder();
        const [vector] = await embedder.embed([lastQuestion(context.request)], context.signal);
        context.state.set(NAME, vector);
        context.setHeader('x-stored-answers-embedder', `${embedder.id}/${embedder.dimensions}`);
        const namespace = vectorNamespace(context.workspace, NAME);
        const [match] = await services.vectorStore().query(namespace, vector, { k: 1, minScore: 0.999 });
        if (!match) return undefined;
        context.annotate('stored_answer', match.id);
        return { kind: 'answer', answer: { response: JSON.parse(String(match.payload.response)), servedBy: { plugin: NAME, detail: 'stored' } } };
      },
      afterResponse: (context, response, outcome) => {
        if (outcome.source === 'provider') {
          const record = { id: context.requestId, vector: context.state.get(NAME) as Float32Array, payload: { response: JSON.stringify(response) } };
          context.defer(() => services.vectorStore().upsert(vectorNamespace(context.workspace, NAME), [record]));
        }
        return response;
      },
    };
    return plugin;
  },
};

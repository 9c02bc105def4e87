import { createHash } from 'node:crypto';
import {
  invalidRequest,
  vectorNamespace,
  type BeforeOutcome,
  type ChatMessage,
  type ChatResponse,
  type GatewayPlugin,
  type PluginContext,
  type PluginEndpoint,
  type PluginFactory,
  type PluginServices,
  type SwitchyardConfig,
  type VectorMatch,
} from '@switchyard/shared';
import { lastUserText } from '../prompt-text';
import { cutIndex, exchangesOf, recallNote, splitConversation, type Exchange } from './conversation';

export const MEMORY_PLUGIN = 'memory';
/** The request header naming a conversation; memory is only used for requests that send it. */
export const SESSION_ID_HEADER = 'x-switchyard-session-id';
export const MEMORY_RECALLED_HEADER = 'x-switchyard-memory-recalled';
/** As the gateway checks it for the request records (the same id keys both). */
const SESSION_ID = /^[\w.:@-]{1,128}$/;
/** Text embedded per side of an exchange: the embedder reads only the start of a long one anyway. */
const EMBEDDED_CHARS = 2_000;
/** Exchanges this process knows are stored, so resent history is not embedded again. */
const KNOWN_IDS = 10_000;

type MemoryConfig = NonNullable<SwitchyardConfig['memory']>;

interface MemoryState {
  namespace: string;
  /** Exchanges cut from the request: stored (if they are not yet) so they stay recallable. */
  dropped: Exchange[];
}

/**
 * Conversation memory: for requests that name a session, stores each exchange
 * (user message + answer) as an embedding in the session's namespace, and
 * gives the model back, as a system note, the earlier exchanges most relevant
 * to the new message that the request does not carry itself. With
 * `recentMessages` it also cuts long requests down to their latest messages,
 * the cut exchanges being recalled by relevance instead.
 */
export class MemoryPlugin implements GatewayPlugin {
  readonly name = MEMORY_PLUGIN;
  readonly endpoints: readonly PluginEndpoint[];
  private readonly knownIds = new Map<string, true>();

  constructor(
    private readonly config: MemoryConfig,
    private readonly services: PluginServices,
    private readonly now: () => number = Date.now,
  ) {
    this.endpoints = [
      {
        method: 'DELETE',
        path: '/v1/memory',
        endpoint: 'memory.delete',
        handle: async (call) => {
          const session = call.query.session;
          if (session === undefined || !SESSION_ID.test(session)) {
            throw invalidRequest('`session` must be the session id to forget: 1-128 letters, digits or . : @ _ -.', 'session', 'invalid_session_id');
          }
          const namespace = vectorNamespace(call.workspace, 'memory', session);
          await this.services.vectorStore().drop(namespace);
          for (const id of this.knownIds.keys()) if (id.startsWith(`${namespace}#`)) this.knownIds.delete(id);
          return { status: 200, body: { session, deleted: true } };
        },
      },
    ];
  }

  async beforeRequest(context: PluginContext): Promise<BeforeOutcome | void> {
    const session = context.headers[SESSION_ID_HEADER];
    if (session === undefined) return;
    if (!SESSION_ID.test(session)) {
      return {
        kind: 'reject',
        error: invalidRequest(`${SESSION_ID_HEADER} must be 1-128 letters, digits or . : @ _ -.`, SESSION_ID_HEADER, 'invalid_session_id'),
      };
    }
    const namespace = vectorNamespace(context.workspace, 'memory', session);
    const { system, conversation } = splitConversation(context.request);
    const cut = this.config.recentMessages === undefined ? 0 : cutIndex(conversation, this.config.recentMessages);
    const kept = conversation.slice(cut);
    context.state.set(this.name, { namespace, dropped: exchangesOf(conversation.slice(0, cut)) } satisfies MemoryState);
    if (cut > 0) context.annotate('memory_trimmed', String(cut));

    let recalled: Exchange[] = [];
    const text = lastUserText(context.request);
    if (text !== '') {
      try {
        recalled = await this.recall(context, namespace, text, kept);
      } catch (error) {
        if (context.signal.aborted) throw error;
        // Memory helps; it is not worth failing a request for.
        this.services.logger.warn({ requestId: context.requestId, plugin: this.name, err: (error as Error).message }, 'memory recall failed');
        context.annotate('memory_error', (error as Error).message);
      }
    }
    context.setHeader(MEMORY_RECALLED_HEADER, String(recalled.length));
    context.annotate('memory_recalled', String(recalled.length));
    if (recalled.length === 0 && cut === 0) return;
    const note: ChatMessage[] = recalled.length === 0 ? [] : [{ role: 'system', content: recallNote(recalled, this.config.maxNoteChars) }];
    return { kind: 'rewrite', request: { ...context.request, messages: [...system, ...note, ...kept] } };
  }

  afterResponse(context: PluginContext, response: ChatResponse): ChatResponse {
    const state = context.state.get(this.name) as MemoryState | undefined;
    const answer = response.choices[0]?.message.content?.trim();
    const user = lastUserText(context.request);
    if (!state || !answer || user === '') return response;
    const exchanges = [...state.dropped, { user, assistant: answer }];
    context.defer(() => this.store(state.namespace, exchanges));
    return response;
  }

  /** The stored exchanges most relevant to `text`, oldest first, leaving out those the request still carries. */
  private async recall(context: PluginContext, namespace: string, text: string, kept: readonly ChatMessage[]): Promise<Exchange[]> {
    const [vector] = await this.services.embedder().embed([text], context.signal);
    const carried = new Set(exchangesOf(kept).map((exchange) => exchange.user));
    carried.add(text);
    // Asks for more than `recall`: some matches may be carried already or expired.
    const matches = await this.services
      .vectorStore()
      .query(namespace, vector, { k: (this.config.recall + kept.length) * 2, minScore: this.config.minScore });
    const oldest = this.config.ttlSeconds === undefined ? -Infinity : this.now() - this.config.ttlSeconds * 1000;
    // Both vectors of an expired exchange go, whichever of them matched.
    const expired = new Set(
      matches
        .filter((match) => Number(match.payload.at) < oldest)
        .flatMap((match) => [`${match.payload.exchange}:user`, `${match.payload.exchange}:assistant`]),
    );
    if (expired.size > 0) context.defer(() => this.services.vectorStore().delete(namespace, [...expired]));
    const seen = new Set<string>();
    return (
      matches
        .filter((match) => Number(match.payload.at) >= oldest && !carried.has(String(match.payload.user)))
        // Each exchange is stored as two vectors (its question, its answer): the best of them stands for it.
        .filter((match) => !seen.has(String(match.payload.exchange)) && seen.add(String(match.payload.exchange)))
        .slice(0, this.config.recall)
        .sort((left, right) => Number(left.payload.at) - Number(right.payload.at) || Number(left.payload.order) - Number(right.payload.order))
        .map(exchangeOf)
    );
  }

  private async store(namespace: string, exchanges: readonly Exchange[]): Promise<void> {
    const fresh = exchanges
      .map((exchange, order) => ({ exchange, order, id: exchangeId(exchange) }))
      .filter(({ id }) => !this.knownIds.has(`${namespace}#${id}`));
    if (fresh.length === 0) return;
    // The question and the answer apart: a later message may echo either, and a long answer would drown the question in one vector.
    const vectors = await this.services
      .embedder()
      .embed(fresh.flatMap(({ exchange }) => [exchange.user.slice(0, EMBEDDED_CHARS), exchange.assistant.slice(0, EMBEDDED_CHARS)]));
    const at = this.now();
    await this.services.vectorStore().upsert(
      namespace,
      fresh.flatMap(({ exchange, order, id }, index) => {
        const payload = { exchange: id, user: exchange.user, assistant: exchange.assistant, at, order };
        return [
          { id: `${id}:user`, vector: vectors[index * 2], payload },
          { id: `${id}:assistant`, vector: vectors[index * 2 + 1], payload },
        ];
      }),
    );
    for (const { id } of fresh) this.remember(`${namespace}#${id}`);
  }

  private remember(key: string): void {
    this.knownIds.set(key, true);
    if (this.knownIds.size > KNOWN_IDS) this.knownIds.delete(this.knownIds.keys().next().value as string);
  }
}

/** The same exchange always has the same id: storing it again replaces it. */
function exchangeId(exchange: Exchange): string {
  return createHash('sha256').update(exchange.user).update('\u0000').update(exchange.assistant).digest('hex').slice(0, 32);
}

function exchangeOf(match: VectorMatch): Exchange {
  return { user: String(match.payload.user), assistant: String(match.payload.assistant) };
}

/** Built when config has a `memory` section. */
export const memoryPluginFactory: PluginFactory = {
  name: MEMORY_PLUGIN,
  create(services) {
    const config = services.config.memory;
    return config ? new MemoryPlugin(config, services) : undefined;
  },
};

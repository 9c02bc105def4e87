import type { CallContext, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamPart } from '@switchyard/shared';
import type { ProviderAdapter } from '../../providers/provider-adapter';
import { KeyBalancedAdapter } from './key-balanced-adapter';
import { KeyPool } from './key-pool';

/** An adapter of one key that answers with which key it is: a class, so a call that loses `this` fails. */
class KeyAdapter implements ProviderAdapter {
  constructor(private readonly key: string) {}

  async complete(): Promise<ChatResponse> {
    return { id: this.key } as unknown as ChatResponse;
  }

  async stream(): Promise<AsyncIterable<StreamPart>> {
    const key = this.key;
    return (async function* () {
      yield { type: 'text-delta', text: key } as unknown as StreamPart;
    })();
  }

  async embed(): Promise<EmbeddingResponse> {
    return { model: this.key } as unknown as EmbeddingResponse;
  }

  async listModels(): Promise<string[]> {
    return [this.key];
  }
}

const context: CallContext = { requestId: 'r', signal: new AbortController().signal };
const chat = {} as ChatRequest;

describe('KeyBalancedAdapter', () => {
  it('sends each kind of call through the adapter of the key the pool picks', async () => {
    const pool = new KeyPool({ size: 2, cooldownMs: 1_000 });
    const adapter = new KeyBalancedAdapter([new KeyAdapter('one'), new KeyAdapter('two')], pool);
    expect((await adapter.complete('m', chat, context)).id).toBe('one');
    const parts: unknown[] = [];
    for await (const part of await adapter.stream('m', chat, context)) parts.push(part);
    expect(parts).toEqual([{ type: 'text-delta', text: 'two' }]);
    expect((await adapter.embed?.('m', {} as EmbeddingRequest, context))?.model).toBe('one');
    expect(await adapter.listModels?.(context)).toEqual(['two']);
    pool.observe(0, 429, { retryAfterMs: 60_000 });
    expect((await adapter.complete('m', chat, context)).id).toBe('two');
    expect((await adapter.complete('m', chat, context)).id).toBe('two');
  });

  it('offers embeddings and model lists only when the provider’s adapters do', () => {
    const bare: ProviderAdapter = { complete: jest.fn(), stream: jest.fn() };
    const adapter = new KeyBalancedAdapter([bare, bare], new KeyPool({ size: 2, cooldownMs: 1_000 }));
    expect(adapter.embed).toBeUndefined();
    expect(adapter.listModels).toBeUndefined();
  });
});

import type { CallContext, ChatRequest, ChatResponse, EmbeddingRequest, EmbeddingResponse, StreamPart } from '@switchyard/shared';
import type { UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../http/upstream-client';
import type { ProviderAdapter } from '../../providers/provider-adapter';
import type { KeyPool } from './key-pool';
import { readRateLimitHeaders } from './rate-limit-headers';

/**
 * The shared upstream client seen through one key: the same connection pools
 * and deadlines, with every answer's status and rate-limit headers told to
 * the key pool. The adapters stay as they are (one key each, baked into their
 * headers); only their `http` differs.
 */
export function keyObservingClient(http: UpstreamClient, pool: KeyPool, index: number, now: () => number = Date.now): UpstreamClient {
  // The view inherits everything from the shared client; only `request` (which `send` calls) is its own.
  const view = Object.create(http) as UpstreamClient;
  view.request = async (request: UpstreamRequest): Promise<UpstreamResponse> => {
    const response = await http.request(request);
    pool.observe(index, response.status, readRateLimitHeaders(response.headers, now()));
    return response;
  };
  return view;
}

/** One provider with several keys: each call goes through the adapter of the key the pool picks. */
export class KeyBalancedAdapter implements ProviderAdapter {
  readonly embed?: ProviderAdapter['embed'];
  readonly listModels?: ProviderAdapter['listModels'];
  readonly transcribe?: ProviderAdapter['transcribe'];

  /** `adapters[i]` calls with key `i` of `pool`. */
  constructor(
    private readonly adapters: readonly ProviderAdapter[],
    private readonly pool: KeyPool,
  ) {
    if (adapters.length !== pool.size) throw new Error('one adapter per key is needed');
    // Every adapter is of the same kind, so the first one tells which optional methods they all have.
    if (adapters[0].embed) this.embed = (model, request, context) => callEmbed(this.next(), model, request, context);
    if (adapters[0].listModels) this.listModels = (context) => callListModels(this.next(), context);
    if (adapters[0].transcribe) {
      this.transcribe = (model, request, context) => {
        const adapter = this.next();
        if (!adapter.transcribe) throw new Error('every adapter of one provider has the same methods');
        return adapter.transcribe(model, request, context);
      };
    }
  }

  complete(model: string, request: ChatRequest, context: CallContext): Promise<ChatResponse> {
    return this.next().complete(model, request, context);
  }

  stream(model: string, request: ChatRequest, context: CallContext): Promise<AsyncIterable<StreamPart>> {
    return this.next().stream(model, request, context);
  }

  private next(): ProviderAdapter {
    return this.adapters[this.pool.pick()];
  }
}

function callEmbed(adapter: ProviderAdapter, model: string, request: EmbeddingRequest, context: CallContext): Promise<EmbeddingResponse> {
  if (!adapter.embed) throw new Error('every adapter of one provider has the same methods');
  return adapter.embed(model, request, context);
}

function callListModels(adapter: ProviderAdapter, context: CallContext): Promise<string[]> {
  if (!adapter.listModels) throw new Error('every adapter of one provider has the same methods');
  return adapter.listModels(context);
}

/**
 * What each route is, as key scopes (`scopes.endpoints`) name it. Decided
 * from the method and path alone, so a key may be refused an endpoint
 * before its request body is read.
 */
export type GatewayEndpoint =
  | 'chat.completions'
  /** Anthropic's Messages API (`POST /v1/messages`). */
  | 'messages'
  | 'embeddings'
  /** `POST /v1/audio/transcriptions`: speech to text. */
  | 'audio.transcriptions'
  /** OpenAI's Responses API: `POST /v1/responses` and the stored responses under it. */
  | 'responses'
  | 'models.read'
  | 'requests.read'
  | 'usage.read'
  | 'user_data.delete'
  /** `POST /v1/traces`: an application's OTLP spans. */
  | 'traces.write'
  /** `GET /v1/traces`, `GET /v1/traces/{id}`. */
  | 'traces.read'
  /** `GET /v1/alerts/rules`, `GET /v1/alerts/history`. */
  | 'alerts.read'
  /** `POST /v1/feedback`: scores on recorded requests and traces. */
  | 'feedback.write'
  /** Omi's audio streams (`/v4/listen`, `/v4/web/listen`) and synced recordings (`POST /v1/sync-local-files`). */
  | 'audio.stream'
  /** Any other route: answered (404, or a route added later) only to an authenticated caller. */
  | 'other';

/** Routes anyone may call: probes for orchestrators and load balancers. */
const ALWAYS_PUBLIC = new Set(['/healthz', '/readyz']);

/** Undefined for a public route: no credential is asked for. */
export function gatewayEndpoint(method: string | undefined, path: string, publicMetrics: boolean): GatewayEndpoint | undefined {
  if (ALWAYS_PUBLIC.has(path) || (publicMetrics && path === '/metrics')) return undefined;
  if (method === 'POST' && path === '/v1/chat/completions') return 'chat.completions';
  if (method === 'POST' && path === '/v1/messages') return 'messages';
  if (method === 'POST' && path === '/v1/embeddings') return 'embeddings';
  if (method === 'POST' && path === '/v1/audio/transcriptions') return 'audio.transcriptions';
  if (path === '/v1/responses' || path.startsWith('/v1/responses/')) return 'responses';
  if (method === 'GET' && path === '/v1/models') return 'models.read';
  if (method === 'GET' && (path === '/v1/requests' || path.startsWith('/v1/requests/'))) return 'requests.read';
  // Conversations are records of what a workspace's streams said, read like its requests.
  if (method === 'GET' && (path === '/v1/conversations' || path.startsWith('/v1/conversations/'))) return 'requests.read';
  if (method === 'GET' && path === '/v1/usage') return 'usage.read';
  // Analytics read usage and costs, as /v1/usage does, only cut more ways.
  if (method === 'GET' && (path === '/v1/analytics' || path.startsWith('/v1/analytics/'))) return 'usage.read';
  if (method === 'POST' && path === '/v1/feedback') return 'feedback.write';
  if (method === 'POST' && path === '/v1/sync-local-files') return 'audio.stream';
  if (method === 'DELETE' && /^\/v1\/users\/[^/]+\/data$/.test(path)) return 'user_data.delete';
  if (method === 'POST' && path === '/v1/traces') return 'traces.write';
  if (method === 'GET' && (path === '/v1/traces' || path.startsWith('/v1/traces/'))) return 'traces.read';
  if (method === 'GET' && path.startsWith('/v1/alerts/')) return 'alerts.read';
  return 'other';
}

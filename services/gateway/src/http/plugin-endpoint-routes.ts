import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PluginEndpoint, Role } from '@switchyard/shared';
import type { PluginPipeline } from '../plugins/plugin-pipeline';
import { readAttribution } from '../telemetry/request-attribution';
import { HttpExchange, type ExchangeOptions } from './http-exchange';
import { readJsonBody } from './read-json-body';

/** Who may call a plugin endpoint when it does not say: those who may call models. */
export const DEFAULT_PLUGIN_ENDPOINT_ROLES: readonly Role[] = ['owner', 'admin', 'developer'];

/** One plugin endpoint as the request listener dispatches it. */
export interface PluginRoute {
  plugin: string;
  endpoint: PluginEndpoint;
  handle(request: IncomingMessage, response: ServerResponse): void;
}

/**
 * The endpoints of every enabled plugin, keyed `METHOD /path`. They sit
 * behind the same authentication as every route (the key's
 * `scopes.endpoints` name them by their `endpoint`), act for the caller's
 * workspace (or the one `x-switchyard-workspace` names, when the caller may
 * act for it), and answer errors in OpenAI's format.
 */
export function createPluginEndpointRoutes(pipeline: PluginPipeline | undefined, options: ExchangeOptions): Map<string, PluginRoute> {
  const routes = new Map<string, PluginRoute>();
  const bodyOptions = { limitBytes: options.bodyLimitBytes, timeoutMs: options.bodyTimeoutMs };
  for (const { plugin, endpoint } of pipeline?.endpoints() ?? []) {
    const key = `${endpoint.method} ${endpoint.path}`;
    const taken = routes.get(key);
    if (taken) throw new Error(`the plugins ${taken.plugin} and ${plugin} both serve ${key}`);
    const serve = async (exchange: HttpExchange): Promise<void> => {
      const { request } = exchange;
      const url = new URL(request.url ?? '/', 'http://gateway');
      const hasBody =
        request.headers['content-length'] !== undefined
          ? request.headers['content-length'] !== '0'
          : request.headers['transfer-encoding'] !== undefined;
      let body: unknown;
      if (endpoint.method !== 'GET' && hasBody) body = await readJsonBody(request, bodyOptions);
      else request.resume();
      const { workspace } = readAttribution(request.headers, options.limits, exchange.principal);
      const result = await endpoint.handle({
        principal: exchange.principal,
        workspace,
        body,
        query: Object.fromEntries(url.searchParams),
        signal: exchange.context.signal,
      });
      exchange.sendJson(result.status, result.body);
      exchange.completed();
    };
    routes.set(key, {
      plugin,
      endpoint,
      handle: (request, response) => {
        const exchange = new HttpExchange(request, response, `plugin.${endpoint.endpoint}`, options);
        serve(exchange).catch((error: unknown) => {
          options.logger.info({ requestId: exchange.requestId, plugin, endpoint: endpoint.endpoint }, 'plugin-endpoint-failed');
          exchange.fail(error);
        });
      },
    });
  }
  return routes;
}

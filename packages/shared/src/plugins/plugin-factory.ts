import type { Principal, Role } from '../auth/principal';
import type { Logger } from '../logger';
import type { SwitchyardConfig } from '../config';
import type { Embedder } from '../semantic/embedder';
import type { GuardrailChecker } from '../semantic/guardrails';
import type { VectorStore } from '../semantic/vector-store';
import type { GatewayPlugin } from './gateway-plugin';

/**
 * What plugins are built from: shared, long-lived services. In one process
 * they are in-process objects; in distributed mode `embedder`,
 * `vectorStore` and `guardrails` are clients of the semantic service.
 * Each is created on first use, so a config with no semantic plugin loads
 * no model and opens no store.
 */
export interface PluginServices {
  config: SwitchyardConfig;
  logger: Logger;
  embedder(): Embedder;
  vectorStore(): VectorStore;
  guardrails(): GuardrailChecker;
}

/**
 * Builds one plugin from config, once at start (a reload that changes its
 * settings applies at the next start). Returns undefined when the config
 * leaves the plugin off.
 */
export interface PluginFactory {
  readonly name: string;
  create(services: PluginServices): GatewayPlugin | undefined;
}

/**
 * An HTTP endpoint a plugin adds to the gateway (`POST /v1/guardrails/check`,
 * `DELETE /v1/cache`). Served behind the same authentication as every route;
 * the gateway answers errors (thrown `GatewayError`s) in OpenAI's format.
 */
export interface PluginEndpoint {
  method: 'GET' | 'POST' | 'DELETE';
  /** Exact path. */
  path: string;
  /** The name key scopes (`scopes.endpoints`) use for it, e.g. `guardrails.check`. */
  endpoint: string;
  /** The roles that may call it; default owner, admin and developer (those that may call models). */
  roles?: readonly Role[];
  handle(call: PluginEndpointCall): Promise<PluginEndpointResult>;
}

export interface PluginEndpointCall {
  principal: Principal;
  /** The workspace the call acts for (the principal's, or `x-switchyard-workspace` when it may act for it). */
  workspace: string;
  /** The parsed JSON body (undefined without one). */
  body: unknown;
  query: Readonly<Record<string, string>>;
  signal: AbortSignal;
}

export interface PluginEndpointResult {
  status: number;
  body: unknown;
}

import type { ChatRequest } from '../canonical/chat-request';
import type { ChatResponse } from '../canonical/chat-response';
import type { StreamPart } from '../canonical/stream-part';
import type { Principal } from '../auth/principal';
import type { GatewayError } from '../errors';
import type { PluginEndpoint } from './plugin-factory';

/**
 * The gateway's plugin pipeline. A plugin is a named object with optional
 * hooks; the pipeline runs the plugins configured for a request's workspace
 * and route, in their configured order:
 *
 *   beforeRequest  (each in order)  → may rewrite the request, answer it, or reject it
 *   [routing and the upstream call, unless a plugin answered]
 *   onStreamPart   (each in reverse order) → may transform or hold back each part of a stream
 *   afterResponse  (each in reverse order) → may transform the whole answer; side work off the path
 *
 * The response travels back through the plugins, as in a filter chain: the
 * plugin nearest the provider (last in the order) sees its answer first, so
 * a cache placed after the guardrails stores the answer before they restore
 * what they redacted. Response hooks run only for plugins whose
 * `beforeRequest` ran, and not for the plugin that answered (a cache hit is
 * not stored again).
 *
 * Cache, guardrails, semantic routing and conversation memory are plugins
 * on this API; `examples/` has a documented one.
 */
export interface GatewayPlugin {
  /** Unique; what config refers to, and what `served_by`, headers and metrics name. */
  readonly name: string;
  beforeRequest?(context: PluginContext): Promise<BeforeOutcome | void> | BeforeOutcome | void;
  /**
   * Called for each part of a stream, upstream or replayed; returns the parts
   * to pass on: nothing (undefined) passes the part on unchanged, an empty
   * list holds it back (to release it with a later part).
   */
  onStreamPart?(context: PluginContext, part: StreamPart): StreamPart | readonly StreamPart[] | undefined;
  /**
   * The whole answer; returns it, possibly changed. For a stream, called
   * once it ended whole (not when cut short), off the request path, with the
   * parts as this plugin saw them assembled; what it returns is not used
   * (the client has the stream already).
   */
  afterResponse?(context: PluginContext, response: ChatResponse, outcome: ResponseOutcome): Promise<ChatResponse> | ChatResponse;
  /** HTTP endpoints the plugin adds (its admin or direct-call API). */
  readonly endpoints?: readonly PluginEndpoint[];
  close?(): Promise<void>;
}

/** What a `beforeRequest` hook decided, when it decided more than "go on". */
export type BeforeOutcome =
  { kind: 'rewrite'; request: ChatRequest } | { kind: 'answer'; answer: PluginAnswer } | { kind: 'reject'; error: GatewayError };

/** An answer a plugin gave in place of a provider (a cache hit, say). */
export interface PluginAnswer {
  response: ChatResponse;
  /** Recorded as `served_by` (`cache`) with this detail (`exact`, `semantic`), and sent in headers. */
  servedBy: PluginServedBy;
}

export interface PluginServedBy {
  /** The plugin's name. */
  plugin: string;
  /** What kind of answer, in the plugin's words (`exact`, `semantic`). */
  detail: string;
}

/** Who answered: a deployment (with its route path) or a plugin. */
export type ResponseOutcome =
  { source: 'provider'; providerId: string; model: string; routePath: string } | { source: 'plugin'; servedBy: PluginServedBy };

/** One request as plugins see it. */
export interface PluginContext {
  readonly requestId: string;
  /** The workspace the request acts for: every store a plugin touches is keyed by it. */
  readonly workspace: string;
  readonly principal: Principal;
  /** Request headers (credentials removed). */
  readonly headers: Readonly<Record<string, string>>;
  /** The request as it stands now (after earlier plugins' rewrites). */
  readonly request: ChatRequest;
  readonly streamed: boolean;
  /** Aborted when the client goes away or the deadline passes. */
  readonly signal: AbortSignal;
  /** Per-request state of one plugin, keyed by its name (what `beforeRequest` found, for `afterResponse`). */
  readonly state: Map<string, unknown>;
  /** Adds a response header (`x-switchyard-…`); ignored once the headers are sent. */
  setHeader(name: string, value: string): void;
  /** Adds a fact to the request's record (`cache: semantic-hit`, `semantic_route: billing`, guardrail decisions). */
  annotate(key: string, value: string): void;
  /**
   * Runs work after the response, off the request path (cache writes, memory
   * updates): errors are logged and counted, never reach the client.
   */
  defer(work: () => Promise<void>): void;
}

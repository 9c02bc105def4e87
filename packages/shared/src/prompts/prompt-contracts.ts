/**
 * The seams of prompt management: what a chat request references, what the
 * gateway resolves it to, and where an A/B test may pick the arm. The store,
 * the admin API, evaluations and experiments code against these.
 */

/** `{"prompt": {"name", "label" | "version", "variables"}}` in a chat request, or the `x-switchyard-prompt` header. */
export interface PromptReference {
  name: string;
  /** A label (`production`, `staging`, `latest`, custom); `production` when neither label nor version is given. */
  label?: string;
  version?: number;
  variables: Record<string, unknown>;
}

/** A chat message a chat template renders to (OpenAI's shape; content already rendered). */
export interface RenderedMessage {
  role: 'system' | 'developer' | 'user' | 'assistant';
  content: string;
}

/** The per-version config a prompt carries: it fills what the request leaves out. */
export interface PromptVersionConfig {
  model?: string;
  /** Sampling and other chat parameters (`temperature`, `max_tokens`, …) in the OpenAI wire's names. */
  parameters?: Record<string, unknown>;
  tools?: unknown[];
  response_format?: unknown;
}

/** A reference resolved: the rendered messages and the version they came from. */
export interface ResolvedPrompt {
  name: string;
  version: number;
  /** The label that was asked for, when one was. */
  label?: string;
  /** A text template renders to one user message; a chat template to its messages. */
  messages: RenderedMessage[];
  config: PromptVersionConfig;
  /** Set when an A/B test picked this version or model. */
  experiment?: ExperimentAssignment;
}

/** Resolves references in a workspace; a missing prompt or label is a 404, a missing or mistyped variable a 400 naming it. */
export interface PromptResolver {
  resolve(workspace: string, reference: PromptReference, subject: ExperimentSubject): Promise<ResolvedPrompt>;
}

/** Who a request is for, so a sticky split keeps a user (or session) on one arm. */
export interface ExperimentSubject {
  user?: string;
  sessionId?: string;
  requestId: string;
}

/** The arm an A/B test put a request in: a prompt version, a model, or both. */
export interface ExperimentAssignment {
  experimentId: string;
  arm: string;
  promptVersion?: number;
  model?: string;
}

/**
 * Picks the arm of a running A/B test, if one covers this prompt (or this
 * model, for a request without a prompt); undefined when none does.
 */
export interface ExperimentAssigner {
  assign(workspace: string, target: { prompt?: string; model?: string }, subject: ExperimentSubject): ExperimentAssignment | undefined;
}

import type { Usage } from '../canonical';
import type { GatewayError } from '../errors';
import type { Principal } from './principal';

/**
 * Rate limits and budgets, checked by the gateway for every model request
 * after authentication and body parsing and before any upstream call.
 * Implemented by `@switchyard/auth` (`createGovernanceGate`); a gateway
 * started without one applies no limits.
 */
export interface GovernanceGate {
  /** Never rejects: a refusal is an `Admission` with `admitted: false` (and its headers). */
  admit(principal: Principal, request: GovernedRequest): Promise<Admission>;
}

/** What limits and budgets are matched on, from the parsed request. */
export interface GovernedRequest {
  /** The workspace the request is recorded under. */
  workspace: string;
  /** The body's `user` ('' when absent). */
  user: string;
  /** The model as requested. */
  model: string;
  /** Tokens reserved against token limits until `settle` brings the real usage. */
  estimatedTokens: { input: number; output: number };
}

export type Admission = AdmittedRequest | RefusedRequest;

export interface AdmittedRequest {
  admitted: true;
  /** Response headers (`x-ratelimit-*`); empty when no limit applies. */
  headers: Readonly<Record<string, string>>;
  /** Called once when the request ends, with what the provider reported (or nothing, when no tokens were used). */
  settle(usage: Usage | undefined): void;
}

export interface RefusedRequest {
  admitted: false;
  headers: Readonly<Record<string, string>>;
  /** 429 `rate_limit_exceeded` (with `retryAfter`), 402 `budget_exceeded`, or 503 when the limits' store is unreachable and configured to fail closed. */
  error: GatewayError;
}

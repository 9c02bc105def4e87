/** The checks `POST /v1/guardrails/check` and the guardrail plugin run. */
export const guardrailCheckNames = ['pii', 'injection', 'topics'] as const;
export type GuardrailCheckName = (typeof guardrailCheckNames)[number];

/** The kinds of personal data the PII guardrail finds: what findings and config (`guardrails.pii.categories`) name. */
export const piiTypes = ['email', 'phone', 'credit_card', 'iban', 'us_ssn', 'ip_address', 'us_bank_routing'] as const;
export type PiiType = (typeof piiTypes)[number];

export interface PiiFinding {
  /** `email`, `phone`, `credit_card`, `iban`, `us_ssn`, `ip_address`, … (`piiTypes`) */
  type: string;
  /** UTF-16 offsets into the checked text, `end` exclusive. */
  start: number;
  end: number;
  /** Confidence in [0, 1]: checksums and context words raise it. */
  score: number;
}

export interface InjectionVerdict {
  score: number;
  flagged: boolean;
}

export interface TopicVerdict {
  /** The denied topic the text is closest to above its threshold, or the allowed ones it missed. */
  flagged: boolean;
  topic?: string;
  score: number;
}

export interface GuardrailReport {
  pii?: PiiFinding[];
  injection?: InjectionVerdict;
  topics?: TopicVerdict;
}

export interface GuardrailCheckRequest {
  text: string;
  checks: readonly GuardrailCheckName[];
  /** Whose configuration (PII categories, topic lists) applies. */
  workspace: string;
}

/** Runs guardrail checks on text: in process in one process, the semantic service over gRPC otherwise. */
export interface GuardrailChecker {
  check(request: GuardrailCheckRequest, signal?: AbortSignal): Promise<GuardrailReport>;
  /** Stops background work (index builds) before the embedder it uses closes. */
  close?(): Promise<void>;
}

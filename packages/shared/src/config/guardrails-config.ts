import { z } from 'zod';
import { piiTypes } from '../semantic/guardrails';

/**
 * The guardrails plugin (services/semantic/src/guardrails): PII redaction or
 * blocking, prompt-injection detection and topic lists, each settable per
 * workspace. Off unless `enabled`.
 */

const score = z.number().min(0).max(1);

const piiSettings = z.strictObject({
  /** `redact`: values become placeholders the provider sees, turned back in the answer; `block`: 400 `content_blocked`. */
  action: z.enum(['redact', 'block', 'off']).optional(),
  /** The types looked for (every type without it). */
  categories: z.array(z.enum(piiTypes)).min(1).optional(),
  /** Findings scoring below are ignored. */
  minScore: score.optional(),
  /** Also scan the answer: personal data the request did not hold is redacted (recorded only, for a stream already sent). */
  scanOutput: z.boolean().optional(),
});

const injectionSettings = z.strictObject({
  /** `block`: 400 `content_blocked`; `flag`: recorded and let through. */
  action: z.enum(['block', 'flag', 'off']).optional(),
  /** Score at and above which a text is an injection. */
  threshold: score.optional(),
});

const topic = z.strictObject({
  name: z.string().min(1),
  /** Sentences typical of the topic; a text close enough to one of them is on the topic. */
  examples: z.array(z.string().min(1)).min(1),
});

const topicsSettings = z.strictObject({
  /** `block`: 400 `content_blocked`; `flag`: recorded and let through. */
  action: z.enum(['block', 'flag', 'off']).optional(),
  /** A request close to one of these is refused. */
  deny: z.array(topic).optional(),
  /** When set, a request close to none of these is refused. */
  allow: z.array(topic).optional(),
  /** Similarity at and above which a text is on a topic. */
  threshold: score.optional(),
});

const guardrailSettings = z.strictObject({
  pii: piiSettings.optional(),
  injection: injectionSettings.optional(),
  topics: topicsSettings.optional(),
});

export const guardrailsConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    ...guardrailSettings.shape,
    /** Per workspace: each field given replaces the default one (`categories` as a whole). */
    workspaces: z.record(z.string().min(1), guardrailSettings).default({}),
  })
  .prefault({});

export type GuardrailsConfig = z.infer<typeof guardrailsConfigSchema>;
export type GuardrailSettings = z.infer<typeof guardrailSettings>;

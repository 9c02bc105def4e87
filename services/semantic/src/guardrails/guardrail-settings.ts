import { piiTypes, type PiiType, type SwitchyardConfig } from '@switchyard/shared';
import { DEFAULT_PII_MIN_SCORE } from './pii/detect-pii';

export type GuardrailsConfig = SwitchyardConfig['guardrails'];
export type GuardrailAction = 'block' | 'flag' | 'off';

/** Default score at and above which a text is a prompt injection (see the README's measured figures). */
export const DEFAULT_INJECTION_THRESHOLD = 0.8;
/** Default similarity at and above which a text is on a topic. */
export const DEFAULT_TOPIC_THRESHOLD = 0.6;

export interface TopicDefinition {
  name: string;
  examples: readonly string[];
}

/** One workspace's guardrails with every default applied. */
export interface EffectiveGuardrailSettings {
  pii: { action: 'redact' | 'block' | 'off'; categories: readonly PiiType[]; minScore: number; scanOutput: boolean };
  injection: { action: GuardrailAction; threshold: number };
  topics: { action: GuardrailAction; deny: readonly TopicDefinition[]; allow: readonly TopicDefinition[]; threshold: number };
}

/** The workspace's settings: each field it sets replaces the top-level one, which replaces the default. */
export function guardrailSettingsFor(config: GuardrailsConfig, workspace: string): EffectiveGuardrailSettings {
  const own = Object.hasOwn(config.workspaces, workspace) ? config.workspaces[workspace] : undefined;
  const pii = { ...config.pii, ...own?.pii };
  const injection = { ...config.injection, ...own?.injection };
  const topics = { ...config.topics, ...own?.topics };
  return {
    pii: {
      action: pii.action ?? 'redact',
      categories: pii.categories ?? piiTypes,
      minScore: pii.minScore ?? DEFAULT_PII_MIN_SCORE,
      scanOutput: pii.scanOutput ?? false,
    },
    injection: { action: injection.action ?? 'block', threshold: injection.threshold ?? DEFAULT_INJECTION_THRESHOLD },
    topics: {
      action: topics.action ?? 'block',
      deny: topics.deny ?? [],
      allow: topics.allow ?? [],
      threshold: topics.threshold ?? DEFAULT_TOPIC_THRESHOLD,
    },
  };
}

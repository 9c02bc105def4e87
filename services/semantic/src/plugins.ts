import type { PluginFactory } from '@switchyard/shared';
import { guardrailsPluginFactory } from './guardrails/guardrails-plugin';
import { memoryPluginFactory } from './memory';
import { semanticRoutingPluginFactory } from './routing';

/**
 * The built-in plugins, one factory each (one line per plugin). Each builds
 * its plugin from its own config section and returns undefined when that
 * leaves it off; the gateway's `plugins` config orders the enabled ones
 * (default: guardrails, semantic-routing, memory, cache).
 */
export const builtInPluginFactories: readonly PluginFactory[] = [guardrailsPluginFactory, semanticRoutingPluginFactory, memoryPluginFactory];

/**
 * The cost Switchyard records for a request, checked against real provider
 * usage objects priced by an independent implementation: genai-prices'
 * dataset (`../shared/fixtures/pricing/pydantic-genai-prices/tests/dataset/usages.json`,
 * 1,577 usage bodies, each priced as if it came from every provider whose
 * wire format it fits).
 *
 * A case is one (usage body, provider, API flavour) with an expected price,
 * whose provider is one Switchyard serves AND whose flavour is the wire
 * format Switchyard's adapter for that provider reads (e.g. OpenAI's chat
 * completions, not its Responses API). Its usage goes through the adapter's
 * usage conversion into canonical `Usage`, then through the gateway's
 * `RequestRecorder` (price lookup: config, then the generated catalog;
 * `costOf`), and the recorded `CostRecorded` total must equal the expected
 * input + output price within 1e-6 relative error.
 *
 * Coverage and every difference are explained in
 * services/provider-adapters/src/catalog/README.md; the counts asserted here
 * are the ones written there.
 */
import { readFileSync } from 'node:fs';
import type { SwitchyardEvent } from '@switchyard/events';
import { providerSchema, type SwitchyardConfig, type Usage } from '@switchyard/shared';
import { convertAnthropicUsage } from '../../services/provider-adapters/src/providers/anthropic/convert-anthropic-usage';
import { anthropicUsageSchema } from '../../services/provider-adapters/src/providers/anthropic/anthropic-api';
import { convertOpenAIUsage } from '../../services/provider-adapters/src/providers/openai/convert-openai-usage';
import { openAIUsageSchema } from '../../services/provider-adapters/src/providers/openai/openai-api';
import { bedrockUsageSchema } from '../../services/provider-adapters/src/providers/bedrock/bedrock-api';
import { convertBedrockUsage } from '../../services/provider-adapters/src/providers/bedrock/convert-bedrock-usage';
import { geminiUsageSchema } from '../../services/provider-adapters/src/providers/gemini/gemini-api';
import { convertGeminiUsage } from '../../services/provider-adapters/src/providers/gemini/convert-gemini-usage';
import { mistralUsageSchema } from '../../services/provider-adapters/src/providers/mistral/mistral-api';
import { convertMistralUsage } from '../../services/provider-adapters/src/providers/mistral/convert-mistral-usage';
import { PriceCatalog } from '../../services/gateway/src/telemetry/price-catalog';
import { RequestRecorder } from '../../services/gateway/src/telemetry/request-recorder';
import { fixturePath } from '../support/fixtures';

interface DatasetExtractor {
  api_flavor: string;
  provider_id: string;
  input_price?: string;
  output_price?: string;
}

interface DatasetEntry {
  body: { file: string; model?: string; modelVersion?: string; usage?: Record<string, unknown>; usageMetadata?: Record<string, unknown> };
  extracted: { extractors: DatasetExtractor[]; usage: Record<string, number> }[];
  model?: string;
}

type UsageReader = (body: DatasetEntry['body']) => Usage | undefined;

/** OpenAI-format chat usage, as the OpenAI adapter (and every OpenAI-compatible preset) reads it. */
const openAIChat: UsageReader = (body) => (body.usage ? convertOpenAIUsage(openAIUsageSchema.parse(body.usage)) : undefined);

/** OpenAI-format embeddings usage: the adapter keeps `prompt_tokens` only (convertOpenAIEmbeddingResponse). */
const openAIEmbeddings: UsageReader = (body) => {
  const usage = body.usage ? openAIUsageSchema.parse(body.usage) : undefined;
  return usage ? { inputTokens: usage.prompt_tokens ?? 0, outputTokens: 0 } : undefined;
};

const anthropicMessages: UsageReader = (body) => (body.usage ? convertAnthropicUsage(anthropicUsageSchema.parse(body.usage)) : undefined);

/** Gemini's `usageMetadata`, read by the Gemini adapter's own converter. */
const geminiGenerateContent: UsageReader = (body) =>
  body.usageMetadata ? convertGeminiUsage(geminiUsageSchema.parse(body.usageMetadata)) : undefined;

/**
 * Bedrock: the dataset's `aws` cases are Anthropic-on-Bedrock usage in
 * InvokeModel's snake_case names; Converse reports the same counts in its own
 * names (`inputTokens` without cache reads and writes), which the Bedrock
 * adapter's converter reads. Only the names are mapped here.
 */
const bedrockAnthropicCounts: UsageReader = (body) => {
  const usage = body.usage as Record<string, number | undefined> | undefined;
  if (!usage || usage.input_tokens == null) return undefined;
  return convertBedrockUsage(
    bedrockUsageSchema.parse({
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens ?? 0,
      totalTokens: usage.input_tokens + (usage.output_tokens ?? 0),
      cacheReadInputTokens: usage.cache_read_input_tokens,
      cacheWriteInputTokens: usage.cache_creation_input_tokens,
    }),
  );
};

/** Mistral's chat usage, read by the Mistral adapter's own converter. */
const mistralChat: UsageReader = (body) => (body.usage ? convertMistralUsage(mistralUsageSchema.parse(body.usage)) : undefined);

/**
 * genai-prices provider and flavour → the Switchyard providers (a native
 * kind, or an OpenAI-compatible preset) that receive that wire format, and
 * how their adapter reads its usage. Flavours left out are formats no
 * Switchyard adapter reads (see the README).
 */
const WIRES: Record<string, { providers: { id: string; kind: string; preset?: string }[]; read: UsageReader }> = {
  'openai/chat': { providers: [{ id: 'openai', kind: 'openai' }], read: openAIChat },
  'openai/embeddings': { providers: [{ id: 'openai', kind: 'openai' }], read: openAIEmbeddings },
  'azure/chat': { providers: [{ id: 'azure', kind: 'azure' }], read: openAIChat },
  'azure/embeddings': { providers: [{ id: 'azure', kind: 'azure' }], read: openAIEmbeddings },
  'anthropic/default': { providers: [{ id: 'anthropic', kind: 'anthropic' }], read: anthropicMessages },
  'aws/anthropic': { providers: [{ id: 'bedrock', kind: 'bedrock' }], read: bedrockAnthropicCounts },
  'google/default': {
    providers: [
      { id: 'gemini', kind: 'gemini' },
      { id: 'vertex', kind: 'vertex' },
    ],
    read: geminiGenerateContent,
  },
  'mistral/default': { providers: [{ id: 'mistral', kind: 'mistral' }], read: mistralChat },
  'groq/default': { providers: [{ id: 'groq', kind: 'openai', preset: 'groq' }], read: openAIChat },
  'deepseek/chat': { providers: [{ id: 'deepseek', kind: 'openai', preset: 'deepseek' }], read: openAIChat },
  'x-ai/chat': { providers: [{ id: 'xai', kind: 'openai', preset: 'xai' }], read: openAIChat },
  'cerebras/chat': { providers: [{ id: 'cerebras', kind: 'openai', preset: 'cerebras' }], read: openAIChat },
  'fireworks/chat': { providers: [{ id: 'fireworks', kind: 'openai', preset: 'fireworks' }], read: openAIChat },
  'openrouter/chat': { providers: [{ id: 'openrouter', kind: 'openai', preset: 'openrouter' }], read: openAIChat },
  'perplexity/default': { providers: [{ id: 'perplexity', kind: 'openai', preset: 'perplexity' }], read: openAIChat },
  'ovhcloud/chat': { providers: [{ id: 'ovhcloud', kind: 'openai', preset: 'ovhcloud' }], read: openAIChat },
  'moonshotai/chat': { providers: [{ id: 'moonshot', kind: 'openai', preset: 'moonshot' }], read: openAIChat },
  'zhipuai/chat': { providers: [{ id: 'zhipu', kind: 'openai', preset: 'zhipu' }], read: openAIChat },
};

/** The providers of WIRES as a configuration; no `prices`, so every price comes from the catalog. */
function catalogOnlyConfig(): SwitchyardConfig {
  const providers: Record<string, unknown> = {};
  for (const wire of Object.values(WIRES)) {
    for (const provider of wire.providers) {
      const extra = provider.kind === 'vertex' ? { project: 'dataset' } : {};
      const preset = provider.preset ? { preset: provider.preset } : {};
      providers[provider.id] = providerSchema.parse({ kind: provider.kind, ...preset, ...extra });
    }
  }
  return { providers } as unknown as SwitchyardConfig;
}

/** The gateway's request recorder, capturing the cost event it publishes. */
function recordedCost(
  recorder: RequestRecorder,
  events: SwitchyardEvent[],
  providerId: string,
  model: string,
  usage: Usage,
  at: Date,
): number | undefined {
  events.length = 0;
  recorder.record({
    requestId: 'dataset',
    endedAt: at,
    operation: 'chat.completion',
    attribution: {
      workspace: 'default',
      keyId: '',
      sessionId: '',
      traceId: '',
      spanId: '',
      parentSpanId: '',
      spanName: '',
      userId: '',
      tags: [],
      country: '',
      metadata: {},
    },
    user: '',
    requestedModel: model,
    deployment: { id: `${providerId}/${model}`, providerId, model },
    routePath: '',
    attempts: 1,
    servedModel: model,
    streamed: false,
    status: 'succeeded',
    httpStatus: 200,
    latencyMs: 1,
    timeToFirstTokenMs: 1,
    usage,
  });
  const recorded = events.find((event) => event.kind === 'request-completed');
  if (!recorded || recorded.kind !== 'request-completed') return undefined;
  return recorded.event.priceSource === 'unpriced' ? undefined : recorded.event.costUsd;
}

interface Case {
  body: DatasetEntry['body'];
  file: string;
  wire: string;
  providerId: string;
  model: string;
  usage: Usage;
  expected: number;
}

function datasetCases(): Case[] {
  const entries = JSON.parse(readFileSync(fixturePath('pricing/pydantic-genai-prices/tests/dataset/usages.json'), 'utf8')) as DatasetEntry[];
  const cases: Case[] = [];
  for (const entry of entries) {
    if (!entry.model) continue;
    for (const group of entry.extracted) {
      for (const extractor of group.extractors) {
        const wire = WIRES[`${extractor.provider_id}/${extractor.api_flavor}`];
        if (!wire || extractor.input_price == null || extractor.output_price == null) continue;
        const usage = wire.read(entry.body);
        if (!usage) continue;
        const expected = Number(extractor.input_price) + Number(extractor.output_price);
        for (const provider of wire.providers) {
          cases.push({
            body: entry.body,
            file: entry.body.file,
            wire: `${extractor.provider_id}/${extractor.api_flavor}`,
            providerId: provider.id,
            model: entry.model,
            usage,
            expected,
          });
        }
      }
    }
  }
  return cases;
}

/** Cases per genai-prices provider and flavour (gemini and vertex each count the google ones). */
const COVERAGE: Record<string, number> = {
  'anthropic/default': 226,
  'aws/anthropic': 235,
  'azure/chat': 184,
  'azure/embeddings': 187,
  'cerebras/chat': 8,
  'deepseek/chat': 6,
  'google/default': 868,
  'groq/default': 75,
  'mistral/default': 61,
  'openai/chat': 183,
  'openai/embeddings': 186,
  'openrouter/chat': 67,
  'ovhcloud/chat': 6,
  'zhipuai/chat': 6,
};

/** The dataset's prices were computed after these dates; dated catalog prices are taken as of then. */
const PRICED_AT = new Date('2026-06-01T12:00:00Z');

/** Whether a Gemini usage counts tokens of `modality` anywhere (prompt, cache, tool-use prompt, candidates). */
function geminiModality(body: DatasetEntry['body'], modality: string): boolean {
  const usage = body.usageMetadata;
  if (!usage) return false;
  return ['promptTokensDetails', 'cacheTokensDetails', 'toolUsePromptTokensDetails', 'candidatesTokensDetails'].some((field) => {
    const details = usage[field] as { modality?: string; tokenCount?: number }[] | undefined;
    return details?.some((detail) => detail.modality === modality && (detail.tokenCount ?? 0) > 0) ?? false;
  });
}

/**
 * The differences there are, each with its reason (see the catalog README):
 * genai-prices prices token modalities canonical `Usage` does not separate,
 * and a few expectations were computed from a newer price table than the
 * fixture's data.json.
 */
const EXPLAINED: { reason: string; applies: (testCase: Case) => boolean; count: number }[] = [
  {
    reason: 'Gemini audio tokens: priced at the audio input rate by genai-prices, as text input here',
    applies: (testCase) => testCase.wire === 'google/default' && geminiModality(testCase.body, 'AUDIO'),
    count: 78,
  },
  {
    reason: 'Gemini image models: the dataset prices text and image output apart, from a newer table than data.json',
    applies: (testCase) => testCase.wire === 'google/default' && ['gemini-2.5-flash-image', 'gemini-3-pro-image-preview'].includes(testCase.model),
    count: 10,
  },
  {
    reason:
      "Azure cache writes: genai-prices' Azure chat extractor ignores prompt_tokens_details.cache_write_tokens (plain input); priced at the write rate here, as at OpenAI",
    applies: (testCase) => testCase.wire === 'azure/chat' && (testCase.usage.cacheWriteTokens ?? 0) > 0,
    count: 1,
  },
  {
    reason: 'Bedrock openai.gpt-5.6-luna: absent from data.json (the dataset was priced from a newer table), so unpriced here',
    applies: (testCase) => testCase.wire === 'aws/anthropic' && testCase.model === 'openai.gpt-5.6-luna',
    count: 5,
  },
];

describe('costs of the genai-prices usage dataset', () => {
  const events: SwitchyardEvent[] = [];
  const recorder = new RequestRecorder({ publish: (event) => events.push(event), close: async () => {} }, new PriceCatalog(catalogOnlyConfig()));
  const cases = datasetCases();

  it('prices every covered usage object as genai-prices does, within 1e-6, but for the explained differences', () => {
    const unexplained: string[] = [];
    const explained = new Map<string, number>();
    const byWire = new Map<string, number>();
    for (const testCase of cases) {
      byWire.set(testCase.wire, (byWire.get(testCase.wire) ?? 0) + 1);
      const cost = recordedCost(recorder, events, testCase.providerId, testCase.model, testCase.usage, PRICED_AT);
      const relativeError =
        cost == null ? Infinity : testCase.expected === 0 ? Math.abs(cost) : Math.abs(cost - testCase.expected) / testCase.expected;
      if (relativeError <= 1e-6) continue;
      const reason = EXPLAINED.find((candidate) => candidate.applies(testCase))?.reason;
      if (reason) explained.set(reason, (explained.get(reason) ?? 0) + 1);
      else {
        unexplained.push(
          `${testCase.wire} → ${testCase.providerId} ${testCase.model} (${testCase.file}): expected ${testCase.expected}, recorded ${cost} for ${JSON.stringify(testCase.usage)}`,
        );
      }
    }
    expect(unexplained).toEqual([]);
    expect(Object.fromEntries(explained)).toEqual(Object.fromEntries(EXPLAINED.map((candidate) => [candidate.reason, candidate.count])));
    // The coverage the catalog README states.
    expect(Object.fromEntries([...byWire].sort())).toEqual(COVERAGE);
  });
});

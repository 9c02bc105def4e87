#!/usr/bin/env node
// Generates services/provider-adapters/src/catalog/catalog-data.ts from the pricing fixtures:
//   pydantic-genai-prices/prices/data.json     prices (tiers, cache read/write, dated and off-peak rates), match rules
//   RoCry-llm-api-price/model_prices_and_context_window.json   context windows, capabilities, prices of the rest
// Only the providers Switchyard serves (native kinds and OpenAI-compatible presets) are kept.
// The output depends on the input files only (their hashes are recorded, with the day each version was
// first generated from), so a re-run on the same files writes the same bytes.
//   node scripts/generate-catalog.mjs [--fixtures DIR] [--check]
// --check exits 1 when the committed file differs from what the fixtures give.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const fixturesArg = args.indexOf('--fixtures');
const fixtures = fixturesArg >= 0 ? path.resolve(args[fixturesArg + 1]) : path.resolve(root, '../shared/fixtures');
const check = args.includes('--check');
const output = path.join(root, 'services/provider-adapters/src/catalog/catalog-data.ts');

const GENAI_PRICES = 'pricing/pydantic-genai-prices/prices/data.json';
const LITELLM = 'pricing/RoCry-llm-api-price/model_prices_and_context_window.json';

/**
 * Switchyard provider id → where its data is: `genai` is the provider id in genai-prices,
 * `litellm` the `litellm_provider` values in the LiteLLM table. Gemini and Vertex share
 * Google's prices (the lookup maps `vertex` to `gemini`).
 */
const PROVIDERS = {
  openai: { genai: 'openai', litellm: ['openai'] },
  anthropic: { genai: 'anthropic', litellm: ['anthropic'] },
  azure: { genai: 'azure', litellm: ['azure'] },
  bedrock: { genai: 'aws', litellm: ['bedrock_converse', 'bedrock'] },
  gemini: { genai: 'google', litellm: ['gemini', 'vertex_ai-language-models', 'vertex_ai-embedding-models'] },
  cohere: { genai: 'cohere', litellm: ['cohere_chat', 'cohere'] },
  mistral: { genai: 'mistral', litellm: ['mistral'] },
  groq: { genai: 'groq', litellm: ['groq'] },
  deepseek: { genai: 'deepseek', litellm: ['deepseek'] },
  xai: { genai: 'x-ai', litellm: ['xai'] },
  together: { genai: 'together', litellm: ['together_ai'] },
  fireworks: { genai: 'fireworks', litellm: ['fireworks_ai', 'fireworks_ai-embedding-models'] },
  openrouter: { genai: 'openrouter', litellm: ['openrouter'] },
  perplexity: { genai: 'perplexity', litellm: ['perplexity'] },
  cerebras: { genai: 'cerebras', litellm: ['cerebras'] },
  ovhcloud: { genai: 'ovhcloud', litellm: ['ovhcloud'] },
  moonshot: { genai: 'moonshotai', litellm: ['moonshot'] },
  zhipu: { genai: 'zhipuai', litellm: ['zai'] },
  novita: { genai: 'novita', litellm: ['novita'] },
  deepinfra: { litellm: ['deepinfra'] },
  sambanova: { litellm: ['sambanova'] },
  hyperbolic: { litellm: ['hyperbolic'] },
  nebius: { litellm: ['nebius'] },
  dashscope: { litellm: ['dashscope'] },
  lambda: { litellm: ['lambda_ai'] },
  scaleway: { litellm: ['scaleway'] },
  baseten: { litellm: ['baseten'] },
  cloudflare: { litellm: ['cloudflare'] },
};

/** Names whose provider part is a region or deployment path, not a model (`bedrock/us-east-1/...`). */
const SINGLE_SEGMENT_NAMES = new Set(['azure', 'bedrock']);

/** The sources the committed catalog records, to keep the day a file's version was first taken in. */
function recordedSources() {
  try {
    const line = readFileSync(output, 'utf8')
      .split('\n')
      .find((candidate) => candidate.startsWith('  sources: '));
    return line ? JSON.parse(line.slice('  sources: '.length).replace(/,$/, '')) : [];
  } catch {
    return [];
  }
}

const previousSources = recordedSources();

/**
 * A source file, parsed, with what the catalog records of it: its path, its SHA-256, and the day (UTC)
 * this version of it was first generated from — kept from the committed catalog while the hash is the
 * same, so a re-run on the same files writes the same bytes on any machine.
 */
function readSource(relative) {
  const bytes = readFileSync(path.join(fixtures, relative));
  const sourcePath = `../shared/fixtures/${relative}`;
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const previous = previousSources.find((source) => source.path === sourcePath && source.sha256 === sha256);
  return {
    json: JSON.parse(bytes.toString('utf8')),
    source: { path: sourcePath, sha256, date: previous?.date ?? new Date().toISOString().slice(0, 10) },
  };
}

/** USD per token → USD per million tokens, without binary-fraction noise (2.5e-06 → 2.5). */
function perMillion(perToken) {
  return perToken == null ? undefined : Number((perToken * 1_000_000).toPrecision(12));
}

const RATE_NAMES = {
  input_mtok: 'input',
  output_mtok: 'output',
  cache_read_mtok: 'cachedInput',
  cache_write_mtok: 'cacheWrite',
  // Audio input tokens (transcription and audio models), priced apart from text.
  input_audio_mtok: 'audioInput',
};

/**
 * genai-prices' per-field prices (a number, or `{base, tiers: [{start, price}]}` where crossing
 * `start` total input tokens moves every token of that kind to the tier's rate) as a ModelPrice:
 * base rates plus `tiers` grouped by threshold, each holding the rate every field has above it.
 */
function convertPrice(prices) {
  const price = {};
  const thresholds = new Set();
  for (const [field, name] of Object.entries(RATE_NAMES)) {
    const value = prices[field];
    if (value == null) continue;
    if (typeof value === 'number') price[name] = value;
    else {
      price[name] = value.base;
      for (const tier of value.tiers) thresholds.add(tier.start);
    }
  }
  if (price.input == null) price.input = 0;
  if (price.output == null) price.output = 0;
  if (thresholds.size > 0) {
    price.tiers = [...thresholds]
      .sort((a, b) => a - b)
      .map((start) => {
        const tier = { inputTokensAbove: start };
        for (const [field, name] of Object.entries(RATE_NAMES)) {
          const value = prices[field];
          if (value == null || typeof value === 'number') continue;
          const reached = value.tiers.filter((candidate) => candidate.start <= start).sort((a, b) => a.start - b.start);
          if (reached.length > 0) tier[name] = reached[reached.length - 1].price;
        }
        return tier;
      });
  }
  return orderedPrice(price);
}

function orderedPrice(price) {
  const ordered = {};
  for (const name of ['input', 'output', 'cachedInput', 'cacheWrite', 'reasoning', 'audioInput', 'tiers'])
    if (price[name] != null) ordered[name] = price[name];
  return ordered;
}

function convertMatch(match) {
  if ('or' in match) return { or: match.or.map(convertMatch) };
  if ('and' in match) return { and: match.and.map(convertMatch) };
  if ('equals' in match) return { equals: match.equals };
  if ('starts_with' in match) return { startsWith: match.starts_with };
  if ('ends_with' in match) return { endsWith: match.ends_with };
  if ('contains' in match) return { contains: match.contains };
  if ('regex' in match) return { regex: match.regex };
  throw new Error(`unknown match clause ${JSON.stringify(match)}`);
}

function convertConditionalPrices(prices) {
  if (!Array.isArray(prices)) return [{ price: convertPrice(prices) }];
  return prices.map((conditional) => {
    const converted = {};
    const constraint = conditional.constraint ?? {};
    if (constraint.start_date) converted.startDate = constraint.start_date;
    if (constraint.start_time) converted.startTime = constraint.start_time.replace(/Z$/, '');
    if (constraint.end_time) converted.endTime = constraint.end_time.replace(/Z$/, '');
    converted.price = convertPrice(conditional.prices);
    return converted;
  });
}

function convertGenaiProvider(provider) {
  return provider.models.map((model) => {
    const entry = { id: model.id, match: convertMatch(model.match) };
    if (model.context_window) entry.contextWindow = model.context_window;
    entry.prices = convertConditionalPrices(model.prices);
    return entry;
  });
}

/** The catalog's match rule semantics (services/provider-adapters/src/catalog/model-match.ts). */
function matches(match, model) {
  const name = model.toLowerCase();
  if ('or' in match) return match.or.some((clause) => matches(clause, model));
  if ('and' in match) return match.and.every((clause) => matches(clause, model));
  if ('equals' in match) return name === match.equals.toLowerCase();
  if ('startsWith' in match) return name.startsWith(match.startsWith.toLowerCase());
  if ('endsWith' in match) return name.endsWith(match.endsWith.toLowerCase());
  if ('contains' in match) return name.includes(match.contains.toLowerCase());
  return new RegExp(match.regex).test(model);
}

function litellmModel(entry) {
  const model = { mode: entry.mode };
  if (entry.max_input_tokens) model.contextWindow = entry.max_input_tokens;
  else if (entry.max_tokens && entry.mode === 'embedding') model.contextWindow = entry.max_tokens;
  if (entry.max_output_tokens) model.maxOutputTokens = entry.max_output_tokens;
  if (entry.supports_function_calling != null) model.tools = entry.supports_function_calling;
  if (entry.supports_vision != null) model.vision = entry.supports_vision;
  if (entry.supports_response_schema != null) model.jsonSchema = entry.supports_response_schema;
  if (entry.supports_reasoning != null) model.reasoning = entry.supports_reasoning;
  if (entry.input_cost_per_token != null || entry.output_cost_per_token != null) {
    const price = { input: perMillion(entry.input_cost_per_token) ?? 0, output: perMillion(entry.output_cost_per_token) ?? 0 };
    const cachedInput = perMillion(entry.cache_read_input_token_cost);
    const cacheWrite = perMillion(entry.cache_creation_input_token_cost);
    const reasoning = perMillion(entry.output_cost_per_reasoning_token);
    if (cachedInput != null) price.cachedInput = cachedInput;
    if (cacheWrite != null) price.cacheWrite = cacheWrite;
    if (reasoning != null) price.reasoning = reasoning;
    // LiteLLM's "above 200k" rates apply to the whole request once its input passes 200k tokens.
    const tier = {};
    const tierInput = perMillion(entry.input_cost_per_token_above_200k_tokens);
    const tierOutput = perMillion(entry.output_cost_per_token_above_200k_tokens);
    const tierCached = perMillion(entry.cache_read_input_token_cost_above_200k_tokens);
    const tierWrite = perMillion(entry.cache_creation_input_token_cost_above_200k_tokens);
    if (tierInput != null) tier.input = tierInput;
    if (tierOutput != null) tier.output = tierOutput;
    if (tierCached != null) tier.cachedInput = tierCached;
    if (tierWrite != null) tier.cacheWrite = tierWrite;
    if (Object.keys(tier).length > 0) price.tiers = [{ inputTokensAbove: 200_000, ...tier }];
    model.price = orderedPrice(price);
  }
  return model;
}

function litellmModels(table, providers) {
  const models = {};
  for (const key of Object.keys(table).sort()) {
    const entry = table[key];
    if (!entry || typeof entry !== 'object' || !providers.includes(entry.litellm_provider)) continue;
    if (entry.mode !== 'chat' && entry.mode !== 'embedding') continue;
    const prefix = `${entry.litellm_provider.split('-')[0].replace(/_chat$/, '')}/`;
    let name = key.startsWith(prefix) ? key.slice(prefix.length) : key;
    if (name.startsWith('gemini/')) name = name.slice('gemini/'.length);
    if (SINGLE_SEGMENT_NAMES.has(prefix.slice(0, -1)) && name.includes('/')) continue;
    // The first provider listed wins a name both list (Bedrock's Converse entries over InvokeModel's).
    if (models[name] && providers.indexOf(table[models[name].key].litellm_provider) <= providers.indexOf(entry.litellm_provider)) continue;
    models[name] = { key, model: litellmModel(entry) };
  }
  const result = {};
  for (const name of Object.keys(models).sort()) result[name] = models[name].model;
  return result;
}

function generate() {
  const genai = readSource(GENAI_PRICES);
  const litellm = readSource(LITELLM);
  const genaiById = new Map(genai.json.map((provider) => [provider.id, provider]));
  const providers = {};
  for (const [id, source] of Object.entries(PROVIDERS)) {
    const genaiProvider = source.genai ? genaiById.get(source.genai) : undefined;
    if (source.genai && !genaiProvider) throw new Error(`genai-prices has no provider ${source.genai}`);
    const provider = { prices: genaiProvider ? convertGenaiProvider(genaiProvider) : [], models: litellmModels(litellm.json, source.litellm) };
    // genai-prices' fallbacks (Azure and Vertex also serve OpenAI's or Anthropic's models at their prices).
    const fallback = (genaiProvider?.fallback_model_providers ?? []).map((genaiId) => {
      const switchyardId = Object.keys(PROVIDERS).find((candidate) => PROVIDERS[candidate].genai === genaiId);
      if (!switchyardId) throw new Error(`no Switchyard provider for genai-prices provider ${genaiId}`);
      return switchyardId;
    });
    if (fallback.length > 0) provider.fallback = fallback;
    providers[id] = provider;
  }
  // A model a price entry matches is priced by it: its own LiteLLM price would never be read.
  for (const provider of Object.values(providers)) {
    const entries = [provider, ...(provider.fallback ?? []).map((id) => providers[id])].flatMap((candidate) => candidate.prices);
    for (const [name, model] of Object.entries(provider.models)) {
      if (model.price && entries.some((entry) => matches(entry.match, name))) delete model.price;
    }
  }
  return render({ sources: [genai.source, litellm.source], providers });
}

/** One price entry or model a line, so a data update reads as a small diff. */
function render(data) {
  const lines = [
    '// Generated by scripts/generate-catalog.mjs from the files in `sources`; do not edit.',
    '// Re-run `node scripts/generate-catalog.mjs` after the pricing fixtures change.',
    "import type { CatalogData } from './catalog-types';",
    '',
    'export const catalogData: CatalogData = {',
    `  sources: ${JSON.stringify(data.sources)},`,
    '  providers: {',
  ];
  for (const [id, provider] of Object.entries(data.providers)) {
    lines.push(`    ${JSON.stringify(id)}: {`);
    if (provider.fallback) lines.push(`      fallback: ${JSON.stringify(provider.fallback)},`);
    lines.push('      prices: [');
    for (const entry of provider.prices) lines.push(`        ${JSON.stringify(entry)},`);
    lines.push('      ],');
    lines.push('      models: {');
    for (const [name, model] of Object.entries(provider.models)) lines.push(`        ${JSON.stringify(name)}: ${JSON.stringify(model)},`);
    lines.push('      },');
    lines.push('    },');
  }
  lines.push('  },', '};', '');
  return lines.join('\n');
}

const generated = generate();
if (check) {
  let current = '';
  try {
    current = readFileSync(output, 'utf8');
  } catch {
    // absent: differs
  }
  if (current !== generated) {
    console.error(`${path.relative(root, output)} is not what the pricing fixtures give; run node scripts/generate-catalog.mjs`);
    process.exit(1);
  }
  console.log(`${path.relative(root, output)} is up to date`);
} else {
  writeFileSync(output, generated);
  console.log(`wrote ${path.relative(root, output)} (${generated.length} bytes)`);
}

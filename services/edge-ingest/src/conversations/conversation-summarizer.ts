import { z } from 'zod';
import type { ConversationStructure, StoredConversation, StreamOwner } from '../contracts';

/** Omi's conversation categories: a summary's `category` is one of them. */
export const CONVERSATION_CATEGORIES = [
  'personal',
  'education',
  'health',
  'finance',
  'legal',
  'philosophy',
  'spiritual',
  'science',
  'entrepreneurship',
  'parenting',
  'romance',
  'travel',
  'inspiration',
  'technology',
  'business',
  'social',
  'work',
  'sports',
  'politics',
  'literature',
  'history',
  'architecture',
  'music',
  'weather',
  'news',
  'entertainment',
  'psychology',
  'real',
  'design',
  'family',
  'economics',
  'environment',
  'other',
] as const;

/** Omi's memory categories: a fact worth recalling about the user, or one the system needs. */
export const MEMORY_CATEGORIES = ['interesting', 'system'] as const;

/** What one summary gives: Omi's structured fields and the memories extracted. */
export interface ConversationSummary {
  structured: ConversationStructure;
  memories: { content: string; category: string }[];
}

/** Summarises an ended conversation (with its owner's credential). Throws when it cannot. */
export interface ConversationSummarizer {
  summarize(conversation: StoredConversation, owner: StreamOwner, signal?: AbortSignal): Promise<ConversationSummary>;
}

/**
 * The JSON schema the chat route is asked to answer with (OpenAI's
 * `response_format: {type: "json_schema", strict: true}`): every property
 * required, no others.
 */
export const CONVERSATION_SUMMARY_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['title', 'overview', 'emoji', 'category', 'action_items', 'events', 'memories'],
  properties: {
    title: { type: 'string', description: 'A short title of the conversation.' },
    overview: { type: 'string', description: 'A few sentences: what was said and decided.' },
    emoji: { type: 'string', description: 'One emoji for the conversation.' },
    category: { type: 'string', enum: [...CONVERSATION_CATEGORIES] },
    action_items: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['description', 'completed', 'due_at'],
        properties: {
          description: { type: 'string' },
          completed: { type: 'boolean' },
          due_at: { type: ['string', 'null'], description: 'RFC 3339 time, or null.' },
        },
      },
    },
    events: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['title', 'description', 'start', 'duration'],
        properties: {
          title: { type: 'string' },
          description: { type: 'string' },
          start: { type: 'string', description: 'RFC 3339 time.' },
          duration: { type: 'integer', description: 'Minutes.' },
        },
      },
    },
    memories: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['content', 'category'],
        properties: {
          content: { type: 'string', description: 'One fact about the user worth remembering.' },
          category: { type: 'string', enum: [...MEMORY_CATEGORIES] },
        },
      },
    },
  },
} as const;

const summarySchema = z.strictObject({
  title: z.string(),
  overview: z.string(),
  emoji: z.string(),
  category: z.enum(CONVERSATION_CATEGORIES),
  action_items: z.array(z.strictObject({ description: z.string(), completed: z.boolean(), due_at: z.string().nullable() })),
  events: z.array(z.strictObject({ title: z.string(), description: z.string(), start: z.string(), duration: z.number().int().nonnegative() })),
  memories: z.array(z.strictObject({ content: z.string(), category: z.enum(MEMORY_CATEGORIES) })),
});

export class SummaryFailed extends Error {
  override readonly name = 'SummaryFailed';
}

export interface GatewaySummarizerOptions {
  /**
   * The gateway's address (`http://127.0.0.1:8080`): summaries are `POST
   * {baseUrl}/v1/chat/completions`. A function when it is known only once
   * the gateway listens (its own, in one process).
   */
  baseUrl: string | (() => string);
  model: string;
  timeoutMs: number;
  /** Longer transcripts are cut (their start is kept). */
  maxTranscriptCharacters: number;
}

const INSTRUCTIONS = [
  'You summarise a conversation that a wearable recorded and transcribed.',
  'Answer with the JSON object the schema describes: a short title, an overview of a few sentences, one emoji,',
  'the category that fits best, the action items and calendar events it mentions (times in RFC 3339, using the',
  "conversation's start time for relative dates), and the facts about the user worth remembering as memories.",
  'Use only what the transcript says; empty lists when there is nothing.',
].join(' ');

/**
 * Summaries through Switchyard's own chat route, as the stream owner's
 * request (their credential): recorded, budgeted and routed like any other.
 */
export class GatewayConversationSummarizer implements ConversationSummarizer {
  constructor(private readonly options: GatewaySummarizerOptions) {}

  async summarize(conversation: StoredConversation, owner: StreamOwner, signal?: AbortSignal): Promise<ConversationSummary> {
    const { model, timeoutMs } = this.options;
    const baseUrl = typeof this.options.baseUrl === 'function' ? this.options.baseUrl() : this.options.baseUrl;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (owner.credential) headers.authorization = `Bearer ${owner.credential}`;
    const timeout = AbortSignal.timeout(timeoutMs);
    let response: Response;
    try {
      response = await fetch(`${baseUrl.replace(/\/+$/, '')}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          model,
          messages: [
            { role: 'system', content: INSTRUCTIONS },
            { role: 'user', content: this.transcriptOf(conversation) },
          ],
          response_format: { type: 'json_schema', json_schema: { name: 'conversation_summary', strict: true, schema: CONVERSATION_SUMMARY_SCHEMA } },
          user: owner.uid,
        }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      // The cause's code only: a message may carry the address.
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      throw new SummaryFailed(`The summary request failed (${typeof code === 'string' ? code : (error as Error).name}).`);
    }
    const text = await response.text();
    if (!response.ok) throw new SummaryFailed(`The chat route answered ${response.status}: ${errorMessageOf(text)}`);
    return parseSummary(text);
  }

  private transcriptOf(conversation: StoredConversation): string {
    const lines = [...conversation.transcript_segments]
      .sort((a, b) => a.start - b.start)
      .map((segment) => `[${clock(segment.start)}] ${segment.is_user ? 'User' : segment.speaker}: ${segment.text}`);
    let transcript = lines.join('\n');
    if (transcript.length > this.options.maxTranscriptCharacters) transcript = `${transcript.slice(0, this.options.maxTranscriptCharacters)}\n[…]`;
    return `The conversation started at ${conversation.started_at} (language: ${conversation.language}).\n\nTranscript:\n${transcript}`;
  }
}

/** The chat completion's message, checked against the schema. */
export function parseSummary(completionBody: string): ConversationSummary {
  let content: unknown;
  try {
    content = (JSON.parse(completionBody) as { choices?: { message?: { content?: unknown } }[] }).choices?.[0]?.message?.content;
  } catch {
    throw new SummaryFailed('The chat route did not answer with JSON.');
  }
  if (typeof content !== 'string') throw new SummaryFailed('The chat completion has no message content.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch {
    throw new SummaryFailed('The summary is not JSON.');
  }
  const result = summarySchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SummaryFailed(`The summary does not match its schema: ${issue.path.join('.') || '(root)'} ${issue.message}.`);
  }
  const { memories, ...structured } = result.data;
  return { structured, memories };
}

function errorMessageOf(body: string): string {
  try {
    const message = (JSON.parse(body) as { error?: { message?: unknown } }).error?.message;
    if (typeof message === 'string') return message.slice(0, 300);
  } catch {
    // Not JSON: its start is enough.
  }
  return body.slice(0, 300);
}

function clock(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  return `${String(Math.floor(whole / 60)).padStart(2, '0')}:${String(whole % 60).padStart(2, '0')}`;
}

/**
 * The recorded provider responses the mock upstream replays, and the request
 * bodies the load generator sends. Both come from `../shared/fixtures`, a
 * sibling of the repository.
 */

import fs from 'node:fs';
import path from 'node:path';
import { REPOSITORY_ROOT } from './paths';

const PROVIDER_RESPONSES = path.resolve(REPOSITORY_ROOT, '..', 'shared', 'fixtures', 'provider-responses');

export const COMPLETION_FIXTURE = path.join(PROVIDER_RESPONSES, 'vercel-ai', 'packages', 'openai', 'src', 'chat', '__fixtures__', 'openai-text.json');
export const STREAM_FIXTURE = path.join(
  PROVIDER_RESPONSES,
  'openai-python',
  '.inline-snapshot',
  'external',
  'e2aad469b71d1d4894ff833ea147020a9d875eb7ce644a0ff355581690a4cbfd.bin',
);

export const MODEL = 'gpt-4.1-nano';
export const CHAT_COMPLETIONS_PATH = '/v1/chat/completions';

interface CompletionChunk {
  choices?: { delta?: { content?: string } }[];
}

/** A recorded non-streaming chat completion, as the bytes OpenAI sent. */
export function readCompletionBody(): Buffer {
  return fs.readFileSync(COMPLETION_FIXTURE);
}

/** The `data:` events of a recorded stream, each with its terminating blank line. */
export function readStreamEvents(): string[] {
  const text = fs.readFileSync(STREAM_FIXTURE, 'utf8').replace(/\r\n/g, '\n');
  return text
    .split('\n\n')
    .filter((event) => event.trim() !== '')
    .map((event) => `${event}\n\n`);
}

/** The assistant text of the recorded completion: what the gateway must hand back. */
export function expectedCompletionContent(): string {
  const completion = JSON.parse(readCompletionBody().toString('utf8')) as { choices: { message: { content: string } }[] };
  return completion.choices[0].message.content;
}

/** The assistant text spread over the recorded stream's deltas. */
export function expectedStreamContent(): string {
  return streamContent(readStreamEvents().join(''));
}

/** Joins the `delta.content` of every chunk in an OpenAI event stream. */
export function streamContent(eventStream: string): string {
  let content = '';
  for (const event of eventStream.split(/\r?\n\r?\n/)) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).trimStart())
      .join('\n');
    if (data === '' || data === '[DONE]') continue;
    const chunk = JSON.parse(data) as CompletionChunk;
    for (const choice of chunk.choices ?? []) content += choice.delta?.content ?? '';
  }
  return content;
}

/** The JSON body of a chat completion request, non-streaming or streaming. */
export function chatRequestBody({ stream }: { stream: boolean }): string {
  const body: Record<string, unknown> = {
    model: MODEL,
    messages: [{ role: 'user', content: 'Invent a new holiday and describe its traditions.' }],
  };
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return JSON.stringify(body);
}

import { readFileSync } from 'node:fs';

/**
 * Reads what a recorded provider stream says, independently of the adapters
 * under test, so end-to-end tests can compare the client's view with the
 * recording itself.
 */
export interface RecordedStreamSummary {
  text: string;
  reasoning: string;
  toolCalls: { name: string; arguments: string }[];
  usage?: { input: number; output: number };
}

function dataLines(file: string): unknown[] {
  const text = readFileSync(file, 'utf8');
  const events: unknown[] = [];
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('event:')) continue;
    const json = trimmed.startsWith('data:') ? trimmed.slice(5).trim() : trimmed;
    if (json === '[DONE]') continue;
    events.push(JSON.parse(json));
  }
  return events;
}

/** An OpenAI Chat Completions stream (raw SSE or one JSON chunk a line). */
export function summarizeOpenAIStream(file: string): RecordedStreamSummary {
  const summary: RecordedStreamSummary = { text: '', reasoning: '', toolCalls: [] };
  for (const chunk of dataLines(file) as any[]) {
    for (const choice of chunk.choices ?? []) {
      if (choice.index !== 0) continue;
      summary.text += choice.delta?.content ?? '';
      for (const call of choice.delta?.tool_calls ?? []) {
        summary.toolCalls[call.index] ??= { name: '', arguments: '' };
        summary.toolCalls[call.index].name += call.function?.name ?? '';
        summary.toolCalls[call.index].arguments += call.function?.arguments ?? '';
      }
    }
    if (chunk.usage) summary.usage = { input: chunk.usage.prompt_tokens, output: chunk.usage.completion_tokens };
  }
  return summary;
}

/** An Anthropic Messages stream (raw SSE with event lines, or one JSON event a line). */
export function summarizeAnthropicStream(file: string): RecordedStreamSummary {
  const summary: RecordedStreamSummary = { text: '', reasoning: '', toolCalls: [] };
  let input = 0;
  let output = 0;
  const toolByBlock = new Map<number, number>();
  for (const event of dataLines(file) as any[]) {
    if (event.type === 'message_start') {
      const usage = event.message.usage ?? {};
      input = (usage.input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0);
      output = usage.output_tokens ?? 0;
    } else if (event.type === 'content_block_start' && event.content_block.type === 'tool_use') {
      toolByBlock.set(event.index, summary.toolCalls.length);
      summary.toolCalls.push({ name: event.content_block.name, arguments: '' });
    } else if (event.type === 'content_block_delta') {
      if (event.delta.type === 'text_delta') summary.text += event.delta.text;
      if (event.delta.type === 'thinking_delta') summary.reasoning += event.delta.thinking;
      if (event.delta.type === 'input_json_delta') summary.toolCalls[toolByBlock.get(event.index)!].arguments += event.delta.partial_json;
    } else if (event.type === 'message_delta' && event.usage) {
      if (event.usage.output_tokens != null) output = event.usage.output_tokens;
      if (event.usage.input_tokens != null) {
        input = event.usage.input_tokens + (event.usage.cache_read_input_tokens ?? 0) + (event.usage.cache_creation_input_tokens ?? 0);
      }
    }
  }
  summary.usage = { input, output };
  return summary;
}

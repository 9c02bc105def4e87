import { readFileSync } from 'node:fs';
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';

/**
 * Reads what a recorded Bedrock Converse exchange says, independently of the
 * adapter under test: the decoded twin of a binary ConverseStream recording
 * (`*.eventstream.decoded.jsonl`), a chunk recording (`*.chunks.txt`, one
 * `{"<eventType>": payload}` a line) or a Converse body (`*.json`).
 * Tool-call arguments are parsed: Converse sends `input` as an object, and
 * an empty streamed input means no arguments (`{}`), as its non-streamed
 * twin shows.
 */
export interface RecordedBedrockSummary {
  text: string;
  reasoning: string;
  toolCalls: { name: string; arguments: unknown }[];
  stopReason?: string;
  /** Canonical counts: cache reads and writes are input tokens too. */
  usage?: { input: number; output: number };
}

type RecordedEvent = { type: string; payload: any };

function usageOf(usage: any): { input: number; output: number } {
  return {
    input: (usage.inputTokens ?? 0) + (usage.cacheReadInputTokens ?? 0) + (usage.cacheWriteInputTokens ?? 0),
    output: usage.outputTokens ?? 0,
  };
}

function summarizeEvents(events: RecordedEvent[]): RecordedBedrockSummary {
  const summary: RecordedBedrockSummary = { text: '', reasoning: '', toolCalls: [] };
  const inputs = new Map<number, string>();
  const toolByBlock = new Map<number, number>();
  for (const { type, payload } of events) {
    if (type === 'contentBlockStart' && payload.start?.toolUse) {
      toolByBlock.set(payload.contentBlockIndex, summary.toolCalls.length);
      summary.toolCalls.push({ name: payload.start.toolUse.name, arguments: undefined });
      inputs.set(payload.contentBlockIndex, '');
    } else if (type === 'contentBlockDelta') {
      const delta = payload.delta;
      summary.text += delta.text ?? '';
      summary.reasoning += delta.reasoningContent?.text ?? '';
      if (delta.toolUse) inputs.set(payload.contentBlockIndex, (inputs.get(payload.contentBlockIndex) ?? '') + delta.toolUse.input);
    } else if (type === 'messageStop') {
      summary.stopReason = payload.stopReason;
    } else if (type === 'metadata' && payload.usage) {
      summary.usage = usageOf(payload.usage);
    }
  }
  for (const [block, call] of toolByBlock) {
    const input = inputs.get(block) ?? '';
    summary.toolCalls[call].arguments = input === '' ? {} : JSON.parse(input);
  }
  return summary;
}

/** The events of a binary recording, from its decoded twin. */
export function decodedTwinEvents(binaryFile: string): RecordedEvent[] {
  return readFileSync(binaryFile.replace(/\.bin$/, '.decoded.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const { headers, payload } = JSON.parse(line);
      return { type: headers[':event-type'], payload };
    });
}

/** The events of a `*.chunks.txt` recording. */
export function chunkEvents(chunksFile: string): RecordedEvent[] {
  return readFileSync(chunksFile, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [[type, payload]] = Object.entries(JSON.parse(line));
      return { type, payload };
    });
}

export function summarizeBedrockEvents(events: RecordedEvent[]): RecordedBedrockSummary {
  return summarizeEvents(events);
}

/** A non-streamed Converse body. */
export function summarizeConverseBody(jsonFile: string): RecordedBedrockSummary {
  const body = JSON.parse(readFileSync(jsonFile, 'utf8'));
  const summary: RecordedBedrockSummary = { text: '', reasoning: '', toolCalls: [], stopReason: body.stopReason };
  for (const block of body.output.message.content) {
    summary.text += block.text ?? '';
    summary.reasoning += block.reasoningContent?.reasoningText?.text ?? '';
    if (block.toolUse) summary.toolCalls.push({ name: block.toolUse.name, arguments: block.toolUse.input ?? {} });
  }
  if (body.usage) summary.usage = usageOf(body.usage);
  return summary;
}

/** Events encoded as real `application/vnd.amazon.eventstream` frames, as ConverseStream sends them. */
export function encodeEventStream(events: RecordedEvent[]): Buffer[] {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  return events.map(({ type, payload }) =>
    Buffer.from(
      codec.encode({
        headers: {
          ':event-type': { type: 'string', value: type },
          ':content-type': { type: 'string', value: 'application/json' },
          ':message-type': { type: 'string', value: 'event' },
        },
        body: fromUtf8(JSON.stringify(payload)),
      }),
    ),
  );
}

import type { Transcription } from '../../contracts';

/**
 * Reads OpenAI's transcription answer: `json` is `{"text"}`; `verbose_json`
 * adds `words` (with `timestamp_granularities[]=word`) and `segments`, whose
 * times stand in for word timings when a model gives no words.
 */
export function parseTranscriptionResponse(body: string, format: 'verbose_json' | 'json'): Transcription {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new Error(`the gateway's transcription (${format}) is not JSON: ${body.slice(0, 80)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { text?: unknown }).text !== 'string') {
    throw new Error(`the gateway's transcription (${format}) has no "text"`);
  }
  const answer = parsed as { text: string; words?: unknown; segments?: unknown };
  const words = timings(answer.words, 'word') ?? timings(answer.segments, 'text');
  return words && words.length > 0 ? { text: answer.text.trim(), words } : { text: answer.text.trim() };
}

function timings(list: unknown, textField: 'word' | 'text'): { word: string; start: number; end: number }[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const result: { word: string; start: number; end: number }[] = [];
  for (const item of list) {
    const entry = item as Record<string, unknown>;
    const text = entry[textField];
    if (typeof text !== 'string' || !Number.isFinite(entry.start) || !Number.isFinite(entry.end)) return undefined;
    result.push({ word: text.trim(), start: entry.start as number, end: entry.end as number });
  }
  return result;
}

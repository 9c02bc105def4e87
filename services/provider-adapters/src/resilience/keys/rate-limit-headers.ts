/** What one upstream answer says about its key's rate limit. */
export interface RateLimitReading {
  /** `x-ratelimit-remaining-requests` (OpenAI, Groq, Mistral…) or `anthropic-ratelimit-requests-remaining`. */
  remainingRequests?: number;
  /** `x-ratelimit-remaining-tokens` or `anthropic-ratelimit-tokens-remaining`. */
  remainingTokens?: number;
  /** From `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
  retryAfterMs?: number;
}

type Headers = Record<string, string | string[] | undefined>;

const REMAINING_REQUESTS = ['x-ratelimit-remaining-requests', 'anthropic-ratelimit-requests-remaining'];
const REMAINING_TOKENS = ['x-ratelimit-remaining-tokens', 'anthropic-ratelimit-tokens-remaining'];

/** Reads the rate-limit headers providers send; absent or unreadable ones are left out. */
export function readRateLimitHeaders(headers: Headers, now: number = Date.now()): RateLimitReading {
  const reading: RateLimitReading = {};
  const requests = firstNumber(headers, REMAINING_REQUESTS);
  if (requests !== undefined) reading.remainingRequests = requests;
  const tokens = firstNumber(headers, REMAINING_TOKENS);
  if (tokens !== undefined) reading.remainingTokens = tokens;
  const retryAfterMs = parseRetryAfterMs(headers, now);
  if (retryAfterMs !== undefined) reading.retryAfterMs = retryAfterMs;
  return reading;
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  const milliseconds = firstNumber(headers, ['retry-after-ms']);
  if (milliseconds !== undefined) return milliseconds;
  const value = header(headers, 'retry-after');
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function firstNumber(headers: Headers, names: readonly string[]): number | undefined {
  for (const name of names) {
    const value = header(headers, name);
    if (value === undefined || value.trim() === '') continue;
    const number = Number(value);
    if (Number.isFinite(number) && number >= 0) return number;
  }
  return undefined;
}

import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Prompts, responses and secrets are never logged: callers log
 * ids, models, statuses and timings only, and the redact list is a second
 * line of defence for headers that carry keys.
 */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      level,
      base: { service },
      redact: {
        // No wildcard paths: they cost every log line a third more.
        paths: ['headers.authorization', 'headers["x-api-key"]', 'apiKey', 'request.messages', 'response.choices'],
        censor: '[redacted]',
      },
    },
    // Asynchronous writes: lines logged in the same tick leave in one write
    // rather than one each. pino writes out what is buffered on exit.
    pino.destination({ dest: 1, sync: false }),
  );
}

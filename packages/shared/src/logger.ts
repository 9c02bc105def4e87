import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Prompts, responses and secrets are never logged: callers log
 * ids, models, statuses and timings only, and the redact list is a second
 * line of defence for headers that carry keys.
 */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    redact: {
      paths: ['headers.authorization', 'headers["x-api-key"]', 'apiKey', '*.apiKey', 'request.messages', 'response.choices'],
      censor: '[redacted]',
    },
  });
}

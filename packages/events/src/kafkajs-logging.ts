import type { logCreator } from 'kafkajs';
import type { Logger } from '@switchyard/shared';

/**
 * Sends kafkajs's own log lines (warnings and errors only: its callers set
 * `logLevel.WARN`) to our logger at debug level. While a broker is down
 * kafkajs logs every failed connection attempt; its callers here
 * (`ensureTopics`) report a failure themselves, with the error, so these
 * lines are detail for whoever turns debug on.
 */
export function kafkajsLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, label, log }) => {
      const { message, timestamp: _timestamp, ...detail } = log;
      logger.debug({ component: 'kafkajs', namespace, kafkajsLevel: label, detail: message, ...detail }, 'kafkajs-log');
    };
}

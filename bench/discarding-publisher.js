'use strict';

/**
 * An event publisher that keeps nothing: the baseline of the publishing-cost
 * benchmark. The gateway still builds and prices its events (that is the
 * request recorder's work, the same in every mode); they are just not sent
 * anywhere.
 */
class DiscardingPublisher {
  publish() {}

  async close() {}
}

module.exports = { DiscardingPublisher };

'use strict';

/**
 * Events like the ones the gateway publishes for one chat completion through
 * the mock (a RequestCompleted, then a CostRecorded with the same key), for
 * benchmarks that publish without a gateway. Needs the built packages.
 */

const { create } = require('@bufbuild/protobuf');
const { timestampFromDate } = require('@bufbuild/protobuf/wkt');
const { eventsV1 } = require('@switchyard/proto');

/** Event `index`: even indexes are a request's RequestCompleted, odd ones its CostRecorded. */
function sampleEvent(index) {
  const common = {
    eventId: `bench-${index}`,
    occurredAt: timestampFromDate(new Date()),
    requestId: `chatcmpl-${Math.floor(index / 2)}`,
    workspace: 'default',
    user: 'user-1',
    tokens: create(eventsV1.TokenCountsSchema, { input: 19, output: 10 }),
  };
  return index % 2 === 0
    ? {
        kind: 'request-completed',
        event: create(eventsV1.RequestCompletedSchema, {
          ...common,
          operation: eventsV1.Operation.CHAT_COMPLETION,
          requestedModel: 'gpt-4.1-nano',
          servedModel: 'gpt-4.1-nano-2025-04-14',
          provider: 'openai',
          deployment: 'openai/gpt-4.1-nano',
          routePath: 'targets[0]',
          attempts: 1,
          status: eventsV1.RequestStatus.SUCCEEDED,
          httpStatus: 200,
          latencyMs: 1.2,
          costUsd: 0.0000059,
          finishReason: 'stop',
        }),
      }
    : { kind: 'cost-recorded', event: create(eventsV1.CostRecordedSchema, { ...common, provider: 'openai', model: 'gpt-4.1-nano', costUsd: 0.0000059 }) };
}

module.exports = { sampleEvent };

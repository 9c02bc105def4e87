import { mapCohereFinishReason } from './map-cohere-finish-reason';

describe('mapCohereFinishReason', () => {
  it.each([
    ['COMPLETE', 'stop'],
    ['STOP_SEQUENCE', 'stop'],
    ['MAX_TOKENS', 'length'],
    ['TOOL_CALL', 'tool_calls'],
    ['ERROR', 'error'],
    ['TIMEOUT', 'error'],
    ['SOMETHING_NEW', 'other'],
    [null, 'other'],
  ])('%s is %s', (reason, expected) => {
    expect(mapCohereFinishReason(reason)).toBe(expected);
  });
});

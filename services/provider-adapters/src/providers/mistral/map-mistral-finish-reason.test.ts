import { mapMistralFinishReason } from './map-mistral-finish-reason';

describe('mapMistralFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['model_length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['error', 'error'],
    ['new_reason', 'other'],
    [undefined, 'other'],
  ])('%s is %s', (reason, expected) => {
    expect(mapMistralFinishReason(reason)).toBe(expected);
  });
});

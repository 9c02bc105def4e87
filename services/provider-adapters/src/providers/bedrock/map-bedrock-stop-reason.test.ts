import { mapBedrockStopReason } from './map-bedrock-stop-reason';

describe('mapBedrockStopReason', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['model_context_window_exceeded', 'length'],
    ['tool_use', 'tool_calls'],
    ['guardrail_intervened', 'content_filter'],
    ['content_filtered', 'content_filter'],
    ['malformed_tool_use', 'other'],
    [undefined, 'other'],
  ])('maps %s to %s', (stopReason, finishReason) => {
    expect(mapBedrockStopReason(stopReason)).toBe(finishReason);
  });
});

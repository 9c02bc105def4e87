import { fallbackStrategy, roundRobinStrategy, routeStrategies, singleStrategy, weightedStrategy } from '.';

describe('routeStrategies', () => {
  it('maps each strategy name of the config schema to its strategy', () => {
    expect(routeStrategies).toEqual({
      single: singleStrategy,
      fallback: fallbackStrategy,
      'round-robin': roundRobinStrategy,
      weighted: weightedStrategy,
    });
  });
});

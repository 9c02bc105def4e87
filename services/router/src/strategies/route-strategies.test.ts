import { routeStrategyNames } from '@switchyard/shared';
import {
  budgetAwareStrategy,
  conditionalStrategy,
  fallbackStrategy,
  leastBusyStrategy,
  leastLatencyStrategy,
  lowestCostStrategy,
  qualityFirstStrategy,
  roundRobinStrategy,
  routeStrategies,
  singleStrategy,
  weightedStrategy,
} from '.';

describe('routeStrategies', () => {
  it('maps each strategy name of the config schema to its strategy', () => {
    expect(routeStrategies).toEqual({
      single: singleStrategy,
      fallback: fallbackStrategy,
      'round-robin': roundRobinStrategy,
      weighted: weightedStrategy,
      'least-latency': leastLatencyStrategy,
      'lowest-cost': lowestCostStrategy,
      'quality-first': qualityFirstStrategy,
      'least-busy': leastBusyStrategy,
      conditional: conditionalStrategy,
      'budget-aware': budgetAwareStrategy,
    });
    expect(Object.keys(routeStrategies).sort()).toEqual([...routeStrategyNames].sort());
  });
});

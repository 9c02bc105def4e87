export { armAt, assignArm, stickyPoint, type RandomSource } from './arm-assignment';
export { queryArmMetrics, type ArmMetrics, type ArmScore } from './arm-metrics';
export { parseExperimentInput, type ExperimentInput } from './experiment-input';
export * from './experiment-model';
export { createExperimentRoutes, experimentView, type ExperimentRoutesOptions } from './experiment-routes';
export { ExperimentStore } from './experiment-store';
export { sequentialTest, type ArmSample, type PairwiseEvidence, type SequentialTestResult } from './sequential-test';
export {
  DEFAULT_EXPERIMENTS_RELOAD_INTERVAL_MS,
  EXPERIMENT_CHANGES_CHANNEL,
  StoredExperimentAssigner,
  type ExperimentAssignerOptions,
} from './stored-experiment-assigner';

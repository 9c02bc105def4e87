export * from './injection-corpus';
export * from './injection-detector';
export * from './injection-heuristics';

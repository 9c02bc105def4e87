export * from './key-pool';
export * from './key-balanced-adapter';
export * from './rate-limit-headers';

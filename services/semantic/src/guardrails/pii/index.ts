export * from './checksums';
export * from './detect-pii';
export * from './pii-detectors';
export * from './pii-vault';

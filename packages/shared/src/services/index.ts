export * from './contracts';
export * from './record-names';

export * from './prompt-contracts';

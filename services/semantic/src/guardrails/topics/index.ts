export * from './topic-matcher';

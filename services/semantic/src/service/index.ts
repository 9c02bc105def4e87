export * from './local-semantic-backends';

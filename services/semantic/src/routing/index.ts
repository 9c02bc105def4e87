export * from './intent-index';
export * from './semantic-routing-plugin';

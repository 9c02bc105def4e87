export * from './model-discovery';

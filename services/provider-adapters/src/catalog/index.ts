export * from './catalog-types';
export * from './catalog-lookup';
export * from './model-match';
export * from './deployment-capabilities';
export * from './catalog-model-facts';

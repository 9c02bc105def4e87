// The semantic service's public surface: embedders/, stores/, cache/, guardrails/, routing/, memory/, transport/.
export { builtInPluginFactories } from './plugins';
export { lazyPluginServices, localServiceMakers, type ClosablePluginServices, type PluginServiceMakers } from './plugin-services';
export * from './embedders';
export * from './guardrails';
export * from './transport';
export * from './routing';
export * from './memory';
export * from './stores';

// The semantic service's public surface: embedders/, stores/, cache/, guardrails/, routing/, memory/.
export * from './cache';
export * from './embedders';
export * from './stores';
export { builtInPluginFactories } from './plugins';
export { lazyPluginServices, localServiceMakers, type ClosablePluginServices, type PluginServiceMakers } from './plugin-services';

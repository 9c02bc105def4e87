export { buildPluginPipeline, type PluginSetup } from './build-plugin-pipeline';
export { ChatResponseAssembler } from './chat-response-assembler';
export { loadPluginModules } from './load-plugin-modules';
export { DEFAULT_PLUGIN_ORDER, PluginOrder } from './plugin-order';
export { PluginPipeline, type PluginPipelineOptions } from './plugin-pipeline';
export { PluginRun, type PluginHook, type PluginRunInput } from './plugin-run';
export { streamPartsOf } from './stream-parts-of';

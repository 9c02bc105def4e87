export { InProcessPromptChangeBus, PROMPT_CHANGES_CHANNEL, RedisPromptChangeBus, type PromptChange, type PromptChangeBus } from './prompt-change-bus';
export { checkPromptLabel, checkPromptName, checkPromptVersion } from './prompt-names';
export {
  LATEST_LABEL,
  PromptStore,
  type LabelMove,
  type NewPromptVersion,
  type PromptDetail,
  type PromptLabel,
  type PromptSummary,
  type StoredPromptVersion,
} from './prompt-store';
export { CHAT_ROLES, CompiledTemplate, parseTemplateText, type ChatTemplateMessage, type PromptTemplate, type PromptType } from './prompt-template';
export { bindVariables, parseVariableSpecs, VARIABLE_TYPES, type VariableSpec, type VariableSpecs, type VariableType } from './prompt-variables';
export { createPromptsRouter, labelMoveView, parseVersionConfig, versionView, type PromptsRouterOptions } from './prompts-router';
export { DEFAULT_PROMPT_LABEL, StoredPromptResolver, type PromptCacheOptions, type StoredPromptResolverOptions } from './stored-prompt-resolver';

export { createAnthropicAdapter, DEFAULT_ANTHROPIC_BASE_URL } from './anthropic-adapter';

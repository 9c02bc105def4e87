export { createMistralAdapter, DEFAULT_MISTRAL_BASE_URL } from './mistral-adapter';

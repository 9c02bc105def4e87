export { createCohereAdapter, DEFAULT_COHERE_BASE_URL } from './cohere-adapter';

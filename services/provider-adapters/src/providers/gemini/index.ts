export { createGeminiAdapter, DEFAULT_GEMINI_BASE_URL, GeminiAdapter, type GeminiEndpoint } from './gemini-adapter';
